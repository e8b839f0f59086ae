#include "tessera/data/word_benchmarks.h"

#include <fmt/format.h>

#include <string_view>

#include "number_parse.h"
#include "tessera/data/source_error.h"
#include "whitespace_fields.h"

namespace tessera {

std::vector<WordPair> read_word_pairs(LineSource source) {
  std::vector<WordPair> pairs;
  std::string_view line;
  std::vector<std::string_view> fields;
  bool first_line = true;
  while (source.next(line)) {
    data_detail::split_whitespace_fields(line, fields);
    if (fields.empty()) continue;
    if (fields.size() != 3) {
      source.fail("word1 word2 score", fmt::format("{} fields", fields.size()));
    }
    double score = 0;
    if (!data_detail::parse_finite_double(fields[2], score)) {
      if (first_line) {  // a header
        first_line = false;
        continue;
      }
      source.fail("a finite score", quote_found(fields[2]));
    }
    first_line = false;
    pairs.push_back({std::string(fields[0]), std::string(fields[1]), score, source.line_number()});
  }
  if (pairs.empty()) source.fail("word pairs with scores", "none");
  return pairs;
}

AnalogySet read_analogy_questions(LineSource source) {
  AnalogySet set;
  std::string_view line;
  std::vector<std::string_view> fields;
  while (source.next(line)) {
    data_detail::split_whitespace_fields(line, fields);
    if (fields.empty()) continue;
    if (fields.front().front() == ':') {
      std::string name(fields.front().substr(1));
      for (size_t f = 1; f < fields.size(); ++f) {
        if (!name.empty()) name += ' ';
        name.append(fields[f]);
      }
      set.sections.push_back(std::move(name));
      continue;
    }
    if (fields.size() != 4) source.fail("a b c d", fmt::format("{} words", fields.size()));
    if (set.sections.empty()) set.sections.emplace_back();
    set.questions.push_back({std::string(fields[0]), std::string(fields[1]), std::string(fields[2]),
                             std::string(fields[3]),
                             static_cast<int32_t>(set.sections.size() - 1)});
  }
  if (set.questions.empty()) source.fail("analogy questions", "none");
  return set;
}

}  // namespace tessera
