// Word vectors in the word2vec text format, word-similarity pairs and analogy questions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "../core/test_support.h"
#include "data_test_support.h"
#include "tessera/data/word_benchmarks.h"
#include "tessera/data/word_vectors_file.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;

WordVectors vectors_of(const std::string& text, int64_t max_words = 0) {
  return WordVectors::read(LineSource::from_memory("w.vec", text), max_words);
}

TEST(WordVectors, ReadsAHeaderAndRowsWithTrailingSpaces) {
  const WordVectors v = vectors_of("3 2\nthe 0.5 -1 \nof 2e-1 3\n\nKing 1 +2\n");
  ASSERT_EQ(v.size(), 3);
  EXPECT_EQ(v.dim(), 2);
  EXPECT_EQ(v.words()[2], "King");
  EXPECT_FLOAT_EQ(v.vectors().row(0)[1], -1.0f);
  EXPECT_FLOAT_EQ(v.vectors().row(1)[0], 0.2f);
  EXPECT_EQ(v.find("of"), 1);
  EXPECT_EQ(v.find("king"), std::nullopt);  // the table is exact; evaluations fold case
}

TEST(WordVectors, ReadsGloveFilesWithoutAHeaderAndKeepsTheFirstOfDuplicates) {
  const WordVectors v = vectors_of("a\t1 2 3\nb 4 5 6\na 7 8 9\n");
  ASSERT_EQ(v.size(), 3);
  EXPECT_EQ(v.dim(), 3);
  EXPECT_EQ(v.duplicates(), 1);
  EXPECT_EQ(v.find("a"), 0);
}

TEST(WordVectors, AFirstLineThatIsNoHeaderIsAVector) {
  const WordVectors v = vectors_of("5 0.25\n6 0.5\n");  // one-dim vectors of the words 5 and 6
  ASSERT_EQ(v.size(), 2);
  EXPECT_EQ(v.dim(), 1);
  EXPECT_FLOAT_EQ(v.vectors().row(1)[0], 0.5f);
}

TEST(WordVectors, MaxWordsReadsTheFirstOnly) {
  const WordVectors v = vectors_of("3 1\na 1\nb 2\nc 3\n", 2);
  EXPECT_EQ(v.size(), 2);
  EXPECT_EQ(v.find("c"), std::nullopt);
  EXPECT_EQ(vectors_of("a 1\nb 2\nc x\n", 1).size(), 1);  // the bad line is never read
}

TEST(WordVectors, BadInputNamesTheLine) {
  EXPECT_THAT(error_message([] { vectors_of("2 3\na 1 2 3\nb 1 2\n"); }),
              HasSubstr("w.vec:3: expected a word and 3 values, found 2 values"));
  EXPECT_THAT(error_message([] { vectors_of("a 1 2\nb 1 nan\n"); }),
              HasSubstr("w.vec:2: expected a finite number, found 'nan'"));
  EXPECT_THAT(error_message([] { vectors_of("3 1\na 1\nb 2\n"); }),
              HasSubstr("expected 3 vectors, as the header says, found 2 and the end"));
  EXPECT_THAT(error_message([] { vectors_of("1 1\na 1\nb 2\n"); }),
              HasSubstr("w.vec:3: expected 1 vectors, as the header says, found more"));
  EXPECT_THAT(error_message([] { vectors_of("\n\n"); }), HasSubstr("expected word vectors"));
  EXPECT_THAT(error_message([] { vectors_of("lonely\n"); }),
              HasSubstr("w.vec:1: expected a word and its vector"));
  // A huge header is not allocated up front.
  EXPECT_THAT(error_message([] { vectors_of("9000000000000 900000\na 1\n"); }),
              HasSubstr("w.vec:2: expected a word and 900000 values"));
  EXPECT_THAT(error_message([] { vectors_of("1 9223372036854775807\na 1\n"); }),
              HasSubstr("w.vec:1: expected a dim of at most 1048576"));
}

TEST(WordVectors, ReadsGzippedFiles) {
  testing::TempDir dir;
  const std::string path = testing::write_gz(dir, "w.vec.gz", "2 2\nx 1 0\ny 0 1\n");
  EXPECT_EQ(WordVectors::read_file(path).size(), 2);
}

TEST(WordVectors, WriteThenReadGivesTheSameFloats) {
  testing::TempDir dir;
  const std::vector<std::string> words{"alpha", "Beta"};
  const Tensor vectors = Tensor::from({2, 3}, {0.1f, -2.5e-8f, 3.0f, 1.0f / 3.0f, 0.0f, -7.25f});
  write_word_vectors(dir.file("out.vec"), words, vectors);
  const WordVectors back = WordVectors::read_file(dir.file("out.vec"));
  ASSERT_EQ(back.size(), 2);
  EXPECT_EQ(back.words(), words);
  EXPECT_EQ(std::vector<float>(back.vectors().data(), back.vectors().data() + 6),
            std::vector<float>(vectors.data(), vectors.data() + 6));
  const std::vector<std::string> spaced{"new york", "x"};
  EXPECT_THAT(error_message([&] { write_word_vectors(dir.file("bad.vec"), spaced, vectors); }),
              HasSubstr("holds a space"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.vec")));  // nothing half-written
}

TEST(WordPairs, SkipsAHeaderAndMixesTabsAndSpaces) {
  const std::vector<WordPair> pairs = read_word_pairs(
      LineSource::from_memory("men", "word1 word2 score\nsun sunlight 50.0\r\ncar\tauto\t49\n"));
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1].first, "car");
  EXPECT_EQ(pairs[1].second, "auto");
  EXPECT_DOUBLE_EQ(pairs[1].score, 49);
  EXPECT_EQ(pairs[1].line, 3);
}

TEST(WordPairs, BadInputNamesTheLine) {
  EXPECT_THAT(
      error_message([] { read_word_pairs(LineSource::from_memory("p.txt", "a b 1\nc d high\n")); }),
      HasSubstr("p.txt:2: expected a finite score, found 'high'"));
  EXPECT_THAT(
      error_message([] { read_word_pairs(LineSource::from_memory("p.txt", "a b 1\nc d\n")); }),
      HasSubstr("p.txt:2: expected word1 word2 score, found 2 fields"));
  EXPECT_THAT(error_message([] { read_word_pairs(LineSource::from_memory("p.txt", "x y z\n")); }),
              HasSubstr("expected word pairs with scores, found none"));
}

TEST(AnalogyQuestions, SectionsThenQuestions) {
  const AnalogySet set = read_analogy_questions(LineSource::from_memory(
      "q.txt", ": capital-common-countries\nAthens Greece Baghdad Iraq\n: gram1 adj\na b c d\n"));
  ASSERT_EQ(set.sections.size(), 2u);
  EXPECT_EQ(set.sections[1], "gram1 adj");
  ASSERT_EQ(set.questions.size(), 2u);
  EXPECT_EQ(set.questions[0].d, "Iraq");
  EXPECT_EQ(set.questions[1].section, 1);
  EXPECT_THAT(error_message(
                  [] { read_analogy_questions(LineSource::from_memory("q.txt", ": s\na b c\n")); }),
              HasSubstr("q.txt:2: expected a b c d, found 3 words"));
}

TEST(WordBenchmarkFiles, TheSharedSetsReadWhole) {
  EXPECT_EQ(
      read_word_pairs(LineSource::open(testing::shared_data("words/wordsim353/EN-WS-353-ALL.txt")))
          .size(),
      353u);
  EXPECT_EQ(read_word_pairs(
                LineSource::open(testing::shared_data("words/men/MEN_dataset_natural_form_full")))
                .size(),
            3000u);
  const AnalogySet google = read_analogy_questions(
      LineSource::open(testing::shared_data("words/analogy/questions-words.txt")));
  EXPECT_EQ(google.sections.size(), 14u);
  EXPECT_EQ(google.questions.size(), 19544u);
}

}  // namespace
}  // namespace tessera
