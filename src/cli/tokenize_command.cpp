// `tessera tokenize`: show what a model sees of each input line: its tokens and its features.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "featurizer_options.h"
#include "input_options.h"
#include "tessera/text/featurizer.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera::cli {

namespace {

struct Item {
  int64_t line;
  std::string text;
};

// "word 'x'" for vocabulary ids, "hashed #b" for n-gram buckets.
std::string describe(const Featurizer& featurizer, int32_t id) {
  const Vocabulary& v = featurizer.vocabulary();
  if (id < v.size()) return fmt::format("word '{}'", v.word(id));
  return fmt::format("hashed #{}", id - v.size());
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  struct Args {
    TextInputOptions input;
    FeaturizerFlags featurizer;
    std::string vocab;
    int64_t limit = 10;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize", "Print the tokens and features of the first lines of an input");
  add_input_options(*cmd, args->input);
  add_featurizer_options(*cmd, args->featurizer);
  cmd->add_option("--vocab", args->vocab,
                  "Vocabulary (from tessera vocab); default: one built from the lines shown");
  cmd->add_option("--limit", args->limit, "Lines to show (0: all)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "One JSON object per line");
  cmd->callback([args] {
    const FeaturizerConfig config = args->featurizer.resolve();
    TextInput input(with_utf8_policy(args->input, config.tokenizer));
    std::vector<Item> items;
    Item item;
    while ((args->limit == 0 || static_cast<int64_t>(items.size()) < args->limit) &&
           input.next(item.text, item.line)) {
      items.push_back(std::move(item));
    }
    Vocabulary vocabulary;
    if (!args->vocab.empty()) {
      vocabulary = Vocabulary::load(args->vocab);
    } else {
      VocabularyBuilder builder{Tokenizer(config.tokenizer)};
      for (const Item& i : items) {
        builder.add_texts({i.text}, input.source_name(), i.line);
      }
      vocabulary = builder.build();
    }
    const Featurizer featurizer = Featurizer::from_config(config, std::move(vocabulary));
    for (const Item& i : items) {
      const std::string where = fmt::format("{}:{}", input.source_name(), i.line);
      const std::vector<std::string> tokens = featurizer.tokens(i.text, where);
      const Features features = featurizer.featurize_tokens(tokens);
      if (args->json) {
        nlohmann::json out{{"line", i.line}, {"tokens", tokens}};
        nlohmann::json list = nlohmann::json::array();
        for (size_t f = 0; f < features.ids.size(); ++f) {
          list.push_back({{"id", features.ids[f]},
                          {"weight", features.weights[f]},
                          {"what", describe(featurizer, features.ids[f])}});
        }
        out["features"] = std::move(list);
        fmt::print("{}\n", out.dump());
        continue;
      }
      fmt::print("{}: {} tokens: {}\n", where, tokens.size(), fmt::join(tokens, " "));
      std::vector<std::string> shown;
      for (size_t f = 0; f < features.ids.size(); ++f) {
        shown.push_back(fmt::format("{}:{:g} ({})", features.ids[f], features.weights[f],
                                    describe(featurizer, features.ids[f])));
      }
      fmt::print("  {} features: {}\n", features.ids.size(), fmt::join(shown, "  "));
    }
  });
}

}  // namespace tessera::cli
