// Tokenization: word runs by Unicode category, per-character scripts, punctuation, stop words
// and stemming.
#include "tessera/text/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../core/test_support.h"
#include "tessera/text/stemmer.h"
#include "tessera/text/stop_words.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::IsEmpty;

std::vector<std::string> tok(const std::string& text, TokenizerOptions options = {}) {
  return Tokenizer(std::move(options)).tokenize(text);
}

TEST(Tokenizer, SplitsWordsOnNonLetters) {
  EXPECT_THAT(tok("Hello, World! It's 2024-06-01."),
              ElementsAre("hello", "world", "it", "s", "2024", "06", "01"));
  EXPECT_THAT(tok("  \t\n "), IsEmpty());
  EXPECT_THAT(tok(""), IsEmpty());
  // Connector punctuation joins words (UAX #29's ExtendNumLet, Python's \w, the peer's regex).
  EXPECT_THAT(tok("snake_case x+y"), ElementsAre("snake_case", "x", "y"));
}

TEST(Tokenizer, KeepsPunctuationAsSingleCharacterTokens) {
  TokenizerOptions keep;
  keep.keep_punctuation = true;
  EXPECT_THAT(tok("Hi, you!!", keep), ElementsAre("hi", ",", "you", "!", "!"));
  EXPECT_THAT(tok("5\xE2\x82\xAC", keep), ElementsAre("5", "\xE2\x82\xAC"));  // 5€
}

TEST(Tokenizer, LettersOfOtherScriptsFormWords) {
  // Cyrillic, Greek, Arabic, accented Latin with a combining mark kept inside the word.
  EXPECT_THAT(tok("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 "
                  "\xCE\xBA\xCF\x8C\xCF\x83\xCE\xBC\xCE\xB5"),
              ElementsAre("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",
                          "\xCE\xBA\xCF\x8C\xCF\x83\xCE\xBC\xCE\xB5"));
  // Devanagari: the vowel sign (Mc) stays inside the word.
  EXPECT_THAT(tok("\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\x82\xE0\xA4\xA6\xE0\xA5\x80"),
              ElementsAre("\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\x82\xE0\xA4\xA6\xE0\xA5\x80"));
}

TEST(Tokenizer, SplitsUnsegmentedScriptsPerCharacter) {
  // 中文abc日本語 -> 中 文 abc 日 本 語
  EXPECT_THAT(tok("\xE4\xB8\xAD\xE6\x96\x87"
                  "abc"
                  "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),
              ElementsAre("\xE4\xB8\xAD", "\xE6\x96\x87", "abc", "\xE6\x97\xA5", "\xE6\x9C\xAC",
                          "\xE8\xAA\x9E"));
  // Hiragana and Katakana: ひらカナ
  EXPECT_THAT(tok("\xE3\x81\xB2\xE3\x82\x89\xE3\x82\xAB\xE3\x83\x8A"),
              ElementsAre("\xE3\x81\xB2", "\xE3\x82\x89", "\xE3\x82\xAB", "\xE3\x83\x8A"));
  // Thai: ที่ = tho thahan + sara ii (Mn) + mai ek (Mn): the marks stay with their consonant.
  EXPECT_THAT(tok("\xE0\xB8\x97\xE0\xB8\xB5\xE0\xB9\x88\xE0\xB8\x99"),
              ElementsAre("\xE0\xB8\x97\xE0\xB8\xB5\xE0\xB9\x88", "\xE0\xB8\x99"));
  // Halfwidth katakana is NFKC-folded to fullwidth first: ｶ -> カ
  EXPECT_THAT(tok("\xEF\xBD\xB6"), ElementsAre("\xE3\x82\xAB"));
  // Hangul is written with spaces: words, not characters.
  EXPECT_THAT(tok("\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xEB\xA7\x90"),
              ElementsAre("\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4", "\xEB\xA7\x90"));
  EXPECT_TRUE(is_unsegmented_script(U'\u4E2D'));
  EXPECT_TRUE(is_unsegmented_script(U'\U00020000'));
  EXPECT_FALSE(is_unsegmented_script(U'a'));
  EXPECT_FALSE(is_unsegmented_script(U'\uD55C'));
}

TEST(Tokenizer, RemovesLuceneEnglishStopWords) {
  EXPECT_EQ(kEnglishStopWords.size(), 33u);
  EXPECT_TRUE(is_english_stop_word("the"));
  EXPECT_TRUE(is_english_stop_word("with"));
  EXPECT_FALSE(is_english_stop_word("from"));  // not in Lucene's set
  TokenizerOptions stop;
  stop.remove_stop_words = true;
  EXPECT_THAT(tok("The cat is on the mat, and it was NOT there", stop), ElementsAre("cat", "mat"));
}

TEST(Tokenizer, PorterStemmingByDefault) {
  Stemmer porter;
  EXPECT_EQ(porter.algorithm(), "porter");
  EXPECT_EQ(porter.stem("running"), "run");
  EXPECT_EQ(porter.stem("generalizations"), "gener");
  EXPECT_EQ(porter.stem("caresses"), "caress");
  EXPECT_EQ(porter.stem("ponies"), "poni");
  // Porter2 ("english") differs from the original on some words.
  EXPECT_EQ(Stemmer("english").stem("generalizations"), "general");
  TokenizerOptions stem;
  stem.stem = true;
  stem.remove_stop_words = true;
  EXPECT_THAT(tok("The runners were running in the races", stem),
              ElementsAre("runner", "were", "run", "race"));
  // One- and two-character words are not stemmed (Snowball alone turns "s" into "").
  stem.remove_stop_words = false;
  EXPECT_THAT(tok("it's as is", stem), ElementsAre("it", "s", "as", "is"));
}

TEST(Tokenizer, UnknownStemmerIsAnError) {
  TokenizerOptions bad;
  bad.stem = true;
  bad.stem_algorithm = "klingon";
  const std::string message = error_message([&] { Tokenizer tokenizer(bad); });
  EXPECT_NE(message.find("no Snowball stemmer 'klingon'"), std::string::npos) << message;
  EXPECT_NE(message.find("porter"), std::string::npos) << message;
}

TEST(Tokenizer, StemmingFromManyThreadsAgrees) {
  TokenizerOptions stem;
  stem.stem = true;
  const Tokenizer tokenizer(stem);
  const std::string text = "connections connected connecting generalizations relational";
  const std::vector<std::string> expected = tokenizer.tokenize(text);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (tokenizer.tokenize(text) != expected) ++mismatches[static_cast<size_t>(t)];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
  EXPECT_THAT(expected, ElementsAre("connect", "connect", "connect", "gener", "relat"));
}

TEST(Tokenizer, LongTextsAreSplitAsTheirPartsAndStopAtMaxTokens) {
  // Well above kNormalizePieceBytes, so words run across pieces; spaces split words anyway, so
  // the tokens of the whole are the tokens of its space-separated parts.
  std::mt19937 gen(3);
  const std::vector<std::string> words = {"Alpha",
                                          "b\xC3\xA9ta",
                                          "GAMMA",
                                          "de_lta",
                                          "\xE4\xB8\x80\xE9\xBE\x8D",
                                          "e\xCC\x81t\xC3\xA9",
                                          "x-y",
                                          "Stra\xC3\x9F"
                                          "e"};
  std::string text;
  std::vector<std::string> expected;
  const Tokenizer tokenizer;
  while (text.size() < 3 * kNormalizePieceBytes) {
    const std::string& word =
        words[std::uniform_int_distribution<size_t>(0, words.size() - 1)(gen)];
    text += word;
    text += ' ';
    for (std::string& token : tokenizer.tokenize(word)) expected.push_back(std::move(token));
  }
  EXPECT_EQ(tokenizer.tokenize(text), expected);
  const std::vector<std::string> first = tokenizer.tokenize(text, {}, 1000);
  EXPECT_EQ(first, std::vector<std::string>(expected.begin(), expected.begin() + 1000));
  size_t seen = 0;
  tokenizer.for_each_token(text, {}, [&](std::string&&) { return ++seen < 7; });
  EXPECT_EQ(seen, 7u);
}

TEST(Tokenizer, InvalidUtf8ErrorNamesWhere) {
  const Tokenizer tokenizer;
  const std::string message =
      error_message([&] { tokenizer.tokenize("ab\xC3", "corpus.jsonl:17"); });
  EXPECT_NE(message.find("corpus.jsonl:17: invalid UTF-8 at byte offset 2"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace tessera
