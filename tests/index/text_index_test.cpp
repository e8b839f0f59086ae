// TextIndex: each method builds, saves, loads and searches a small corpus with a random model;
// results survive the round trip, and broken directories are clear errors.
#include "tessera/index/text_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "../core/test_support.h"
#include "../model/model_test_support.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::TempDir;

std::vector<BeirDocument> corpus() {
  return {{"d1", "Cats", "cats purr and sleep all day", 1},
          {"d2", "Dogs", "dogs bark at the mailman", 2},
          {"d3", "", "the stock market fell sharply today", 3},
          {"d4", "Birds", "birds sing in the morning", 4},
          {"d5", "Fish", "fish swim in the sea", 5}};
}

std::shared_ptr<const Model> small_model(const std::vector<BeirDocument>& docs) {
  FeaturizerConfig config;
  config.buckets = 256;
  VocabularyBuilder builder{Tokenizer(config.tokenizer)};
  std::vector<std::string> texts;
  for (const BeirDocument& doc : docs) texts.push_back(doc.title + " " + doc.text);
  builder.add_texts(texts);
  ModelOptions options;
  options.dim = 32;
  options.prefixes = {8, 32};
  return std::make_shared<const Model>(Model::create(config, builder.build({1, 0}), options));
}

TEST(TextIndex, EveryMethodRoundTripsThroughItsDirectory) {
  const std::vector<BeirDocument> docs = corpus();
  const auto model = small_model(docs);
  TempDir dir;
  const std::string model_path = dir.file("model.safetensors");
  model->save(model_path);
  const std::vector<std::string> queries = {"dogs bark", "stock market", "purring cats"};
  const std::pair<const char*, const char*> specs[] = {
      {"flat", "flat@32"},
      {"int8", "int8@32"},
      {"binary", "binary@32"},
      {"binary+rescore:int8", "binary@32+rescore:int8"},
      {"hnsw:M8,efc64", "hnsw@32:M8:efc64"},
      {"funnel", "funnel@8>32"},
      {"flat@8>flat", "flat@8>flat@32"},
      {"bm25", "bm25"},
      {"hybrid", "hybrid(bm25+flat@32)"},
      {"hybrid(bm25+int8@16)", "hybrid(bm25+int8@16)"}};
  int n = 0;
  for (const auto& [spec, name] : specs) {
    TextIndexOptions options;
    options.method = spec;
    const bool vectors = std::string_view(spec) != "bm25";
    const TextIndex index =
        TextIndex::build(docs, vectors ? model : nullptr, vectors ? model_path : "", options);
    EXPECT_EQ(index.method(), name);
    const std::string path = dir.file("index" + std::to_string(n++));
    index.save(path);
    const TextIndex loaded = TextIndex::load(path);  // the model found through the manifest
    EXPECT_EQ(loaded.method(), name) << spec;
    ASSERT_EQ(loaded.documents().size(), 5u);
    EXPECT_EQ(loaded.documents()[2].text, "the stock market fell sharply today");
    const auto before = index.search(queries, 3);
    const auto after = loaded.search(queries, 3);
    ASSERT_EQ(before.size(), 3u);
    for (size_t q = 0; q < queries.size(); ++q) {
      ASSERT_EQ(before[q].size(), after[q].size()) << name;
      for (size_t j = 0; j < before[q].size(); ++j) {
        EXPECT_EQ(before[q][j].doc, after[q][j].doc) << spec;
        EXPECT_FLOAT_EQ(before[q][j].score, after[q][j].score) << spec;
      }
    }
    // Word overlap finds the right document first, lexically or through random word vectors
    // (32 sign bits alone rank too coarsely for that).
    if (std::string_view(spec) == "binary") continue;
    EXPECT_EQ(after[0][0].doc, 1) << spec;
    EXPECT_EQ(after[1][0].doc, 2) << spec;
  }
}

// A directory written by the tessera before retriever specs (manifest version 1, methods by
// name) opens as the same retriever.
TEST(TextIndex, Version1DirectoriesOpen) {
  const std::vector<BeirDocument> docs = corpus();
  const auto model = small_model(docs);
  TempDir dir;
  const std::string model_path = dir.file("model.safetensors");
  model->save(model_path);
  const std::pair<const char*, const char*> methods[] = {{"funnel", "funnel@8>32"},
                                                         {"binary", "binary@32+rescore"},
                                                         {"hybrid", "hybrid(bm25+flat@32)"}};
  for (const auto& [method, spec] : methods) {
    TextIndexOptions options;
    options.method = spec;
    const TextIndex index = TextIndex::build(docs, model, model_path, options);
    const std::string path = dir.file(method);
    index.save(path);
    // The manifest as version 1 wrote it.
    nlohmann::json manifest =
        nlohmann::json::parse(testing::read_file_text(path + "/manifest.json"));
    manifest["version"] = 1;
    manifest["method"] = method;
    manifest["fusion"].erase("depth");
    dir.write(std::string(method) + "/manifest.json", manifest.dump());
    const TextIndex loaded = TextIndex::load(path);
    EXPECT_EQ(loaded.method(), spec);
    const std::vector<std::string> queries = {"dogs bark"};
    EXPECT_EQ(loaded.search(queries, 2)[0][0].doc, index.search(queries, 2)[0][0].doc) << method;
  }
}

TEST(TextIndex, ErrorsNameWhatIsWrong) {
  const std::vector<BeirDocument> docs = corpus();
  TempDir dir;
  TextIndexOptions options;
  EXPECT_NE(error_message([&] {
              (void)TextIndex::build(docs, nullptr, "", options);
            }).find("needs a model"),
            std::string::npos);
  options.method = "funnel@64>32";
  EXPECT_NE(error_message([&] {
              (void)TextIndex::build(docs, small_model(docs), "m", options);
            }).find("fewer than the rescorer's"),
            std::string::npos);
  options.method = "flat";
  EXPECT_NE(error_message([&] { (void)TextIndex::load(dir.file("nothing")); }).find("manifest"),
            std::string::npos);
  const auto model = small_model(docs);
  options.dim = 64;
  EXPECT_NE(error_message([&] {
              (void)TextIndex::build(docs, model, "m", options);
            }).find("outside the model's"),
            std::string::npos);
  options.dim = 0;
  const std::string model_path = dir.file("model.safetensors");
  model->save(model_path);
  TextIndex::build(docs, model, model_path, options).save(dir.file("flat"));
  std::filesystem::remove(model_path);
  EXPECT_NE(error_message([&] { (void)TextIndex::load(dir.file("flat")); }).find("is missing"),
            std::string::npos);
  // A model of another dim than the one the index was built with.
  FeaturizerConfig config;
  config.buckets = 64;
  ModelOptions wide;
  wide.dim = 64;
  const auto other = std::make_shared<const Model>(Model::create(config, Vocabulary(), wide));
  EXPECT_NE(error_message([&] {
              (void)TextIndex::load(dir.file("flat"), other);
            }).find("built with a model of 32 dims; this one gives 64"),
            std::string::npos);
  // A manifest whose dim is not the vectors' says which of the two is wrong.
  nlohmann::json manifest =
      nlohmann::json::parse(testing::read_file_text(dir.file("flat") + "/manifest.json"));
  manifest["dim"] = 16;
  dir.write("flat/manifest.json", manifest.dump());
  const std::string wrong_dim =
      error_message([&] { (void)TextIndex::load(dir.file("flat"), model); });
  EXPECT_NE(wrong_dim.find("the manifest says 16 dims, vectors.index holds 32"), std::string::npos)
      << wrong_dim;
  dir.write("flat/manifest.json", "{\"format\": \"tessera-text-index\", \"version\": 9}");
  EXPECT_NE(
      error_message([&] { (void)TextIndex::load(dir.file("flat"), model); }).find("version 9"),
      std::string::npos);
}

TEST(TextIndex, DuplicateIdsAreRefusedAndKIsCappedAtTheCorpus) {
  std::vector<BeirDocument> docs = corpus();
  docs.push_back(docs[1]);
  TextIndexOptions options;
  options.method = "bm25";
  EXPECT_NE(error_message([&] {
              (void)TextIndex::build(docs, nullptr, "", options);
            }).find("document id 'd2' appears twice (documents 2 and 6 of the corpus)"),
            std::string::npos);
  docs.pop_back();
  const TextIndex index = TextIndex::build(docs, nullptr, "", options);
  const std::vector<std::string> queries = {"cats dogs birds fish market"};
  // A k far beyond the corpus (as big as an int64 goes) costs what the corpus holds.
  EXPECT_EQ(index.search(queries, std::numeric_limits<int64_t>::max())[0].size(), docs.size());
}

// A saved directory replaces only a directory of its own kind.
TEST(TextIndex, SaveNeverReplacesADirectoryOfOtherFiles) {
  const std::vector<BeirDocument> docs = corpus();
  TempDir dir;
  dir.write("mine/notes.txt", "keep");
  TextIndexOptions options;
  options.method = "bm25";
  const TextIndex index = TextIndex::build(docs, nullptr, "", options);
  EXPECT_NE(error_message([&] {
              index.save(dir.file("mine"));
            }).find("is not a tessera index directory (no manifest.json); refusing"),
            std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.file("mine/notes.txt")));
  index.save(dir.file("index"));
  index.save(dir.file("index"));  // an index over an index
  EXPECT_EQ(TextIndex::load(dir.file("index")).documents().size(), docs.size());
}

}  // namespace
}  // namespace tessera
