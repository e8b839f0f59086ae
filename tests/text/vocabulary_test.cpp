// Vocabulary: canonical id order, min count / max size, TSV save and load with file:line
// errors, and the streaming builder: pruning and determinism across thread counts.
#include "tessera/text/vocabulary.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../core/test_support.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::ScopedNumThreads;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tessera_vocab_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

TEST(Vocabulary, IdsByDescendingCountThenBytes) {
  const Vocabulary vocab =
      Vocabulary::from_counts({{"b", 3}, {"a", 3}, {"c", 7}, {"d", 1}, {"e", 2}});
  ASSERT_EQ(vocab.size(), 5);
  EXPECT_EQ(vocab.word(0), "c");
  EXPECT_EQ(vocab.word(1), "a");
  EXPECT_EQ(vocab.word(2), "b");
  EXPECT_EQ(vocab.word(3), "e");
  EXPECT_EQ(vocab.word(4), "d");
  EXPECT_EQ(vocab.id("b"), 2);
  EXPECT_EQ(vocab.count(0), 7);
  EXPECT_EQ(vocab.id("zzz"), -1);
}

TEST(Vocabulary, MinCountAndMaxSize) {
  VocabularyOptions options;
  options.min_count = 2;
  options.max_size = 2;
  const Vocabulary vocab =
      Vocabulary::from_counts({{"b", 3}, {"a", 3}, {"c", 7}, {"d", 1}, {"e", 2}}, options);
  ASSERT_EQ(vocab.size(), 2);
  EXPECT_EQ(vocab.word(0), "c");
  EXPECT_EQ(vocab.word(1), "a");
  EXPECT_FALSE(error_message([] { Vocabulary::from_counts({{"a", 1}, {"a", 2}}); }).empty());
}

TEST(Vocabulary, SaveLoadRoundTrip) {
  const std::string path = temp_path("roundtrip.tsv");
  const Vocabulary vocab =
      Vocabulary::from_counts({{"caf\xC3\xA9", 5}, {"x", 9}, {"\xE4\xB8\xAD", 5}});
  vocab.save(path);
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "x\t9");
  const Vocabulary loaded = Vocabulary::load(path);
  ASSERT_EQ(loaded.size(), vocab.size());
  for (int32_t i = 0; i < vocab.size(); ++i) {
    EXPECT_EQ(loaded.word(i), vocab.word(i));
    EXPECT_EQ(loaded.count(i), vocab.count(i));
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp-" + std::to_string(::getpid())));
  std::filesystem::remove(path);
}

TEST(Vocabulary, SaveRefusesWordsWithTabsAndKeepsTheOldFile) {
  const std::string path = temp_path("keep.tsv");
  write_file(path, "good\t1\n");
  const Vocabulary bad = Vocabulary::from_counts({{"a\tb", 1}});
  EXPECT_FALSE(error_message([&] { bad.save(path); }).empty());
  EXPECT_EQ(Vocabulary::load(path).word(0), "good");
  std::filesystem::remove(path);
}

TEST(Vocabulary, LoadErrorsNameFileAndLine) {
  const std::string path = temp_path("bad.tsv");
  struct Case {
    std::string content;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"a\t1\nb 2\n", ":2: expected 'word<TAB>count'"},
      {"a\t1\nb\t2\tx\n", ":2: expected 'word<TAB>count'"},
      {"a\tx\n", ":1: expected a positive integer count, found 'x'"},
      {"a\t0\n", ":1: expected a positive integer count"},
      {"a\t-3\n", ":1: expected a positive integer count"},
      {"a\t12abc\n", ":1: expected a positive integer count"},
      {"\t1\n", ":1: empty word"},
      {"a\t1\nb\t1\na\t2\n", ":3: word 'a' already on line 1"},
      {"\xFF\t1\n", ":1: word is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    write_file(path, c.content);
    const std::string message = error_message([&] { Vocabulary::load(path); });
    EXPECT_NE(message.find(path + c.expected), std::string::npos) << message;
  }
  std::filesystem::remove(path);
  EXPECT_NE(error_message([&] { Vocabulary::load(path); }).find("cannot open vocabulary"),
            std::string::npos);
  write_file(path, "a\t1\r\nb\t2\r\n");  // CRLF is accepted
  EXPECT_EQ(Vocabulary::load(path).word(0), "b");
  std::filesystem::remove(path);
}

std::vector<std::string> synthetic_batch(int batch, int lines) {
  // "common" and "frequent" appear in every line; each "rareB_L" once in the whole stream.
  std::vector<std::string> texts;
  for (int l = 0; l < lines; ++l) {
    texts.push_back("common frequent common rare" + std::to_string(batch) + "x" +
                    std::to_string(l) + " line" + std::to_string(l % 7));
  }
  return texts;
}

TEST(VocabularyBuilder, PruningKeepsExactCountsOfFrequentWords) {
  VocabularyBuilderOptions options;
  options.max_table_entries = 50;
  VocabularyBuilder builder(Tokenizer{}, options);
  std::vector<VocabularyProgress> reports;
  builder.set_progress_callback([&](const VocabularyProgress& p) { reports.push_back(p); });
  for (int b = 0; b < 10; ++b) builder.add_texts(synthetic_batch(b, 100));
  ASSERT_EQ(reports.size(), 10u);
  EXPECT_EQ(reports.back().texts, 1000);
  EXPECT_EQ(reports.back().tokens, 5000);
  EXPECT_GE(reports.back().prune_threshold, 1);
  EXPECT_LE(reports.back().table_entries, 50);
  const Vocabulary vocab = builder.build();
  EXPECT_EQ(vocab.count(vocab.id("common")), 2000);
  EXPECT_EQ(vocab.count(vocab.id("frequent")), 1000);
  EXPECT_EQ(vocab.id("rare3x5"), -1);  // pruned
  // line0..line6 appear ~14 times per batch, well above the threshold: exact.
  EXPECT_EQ(vocab.count(vocab.id("line0")), 10 * 15);
  EXPECT_EQ(vocab.count(vocab.id("line6")), 10 * 14);
}

TEST(VocabularyBuilder, DeterministicAcrossThreadCounts) {
  auto build = [](int threads) {
    ScopedNumThreads scoped(threads);
    VocabularyBuilderOptions options;
    options.max_table_entries = 300;
    VocabularyBuilder builder(Tokenizer{}, options);
    for (int b = 0; b < 6; ++b) builder.add_texts(synthetic_batch(b, 500));
    return builder.build();
  };
  const Vocabulary one = build(1);
  for (int threads : {2, 3, 4}) {
    const Vocabulary many = build(threads);
    ASSERT_EQ(many.size(), one.size()) << threads;
    for (int32_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(many.word(i), one.word(i));
      EXPECT_EQ(many.count(i), one.count(i));
    }
  }
}

TEST(VocabularyBuilder, InvalidUtf8ErrorNamesSourceLine) {
  ScopedNumThreads scoped(2);
  VocabularyBuilder builder(Tokenizer{});
  std::vector<std::string> texts(200, "fine text");
  texts[150] = "bad \xC3";
  const std::string message =
      error_message([&] { builder.add_texts(texts, "corpus.txt", /*first_line=*/1001); });
  EXPECT_NE(message.find("corpus.txt:1151: invalid UTF-8 at byte offset 4"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace tessera
