// Featurizer: word ids, hashed word and character n-grams at pinned ids, OOV handling as the
// peer's, weighting, the JSON config round trip, thread safety and a smoke run over scifact.
#include "tessera/text/featurizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../core/test_support.h"
#include "tessera/text/hashing.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;

// The peer's bigram bucket, computed independently of tessera's hashing.h.
int64_t peer_bigram_bucket(const std::string& a, const std::string& b, uint64_t buckets) {
  auto fnv = [](const std::string& s) {
    uint32_t h = 2166136261u;
    for (const unsigned char c : s) h = (h ^ c) * 16777619u;
    return static_cast<uint64_t>(h);
  };
  return static_cast<int64_t>((fnv(a) * 116049371u + fnv(b)) % buckets);
}

Vocabulary small_vocab() {
  return Vocabulary::from_counts({{"hello", 5}, {"world", 3}, {"again", 1}});
}

TEST(Featurizer, WordIdsAndPeerBigrams) {
  FeaturizerConfig config;  // word_ngrams 2, 262144 buckets, count weights
  const Featurizer featurizer = Featurizer::from_config(config, small_vocab());
  EXPECT_EQ(featurizer.num_features(), 3 + 262144);
  // "unknown" is out of vocabulary: no word id, but its bigrams are there (as the peer).
  const Features f = featurizer.featurize("Hello world, unknown hello!");
  std::vector<int32_t> expected = {0, 0, 1};
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"hello", "world"}, {"world", "unknown"}, {"unknown", "hello"}}) {
    expected.push_back(static_cast<int32_t>(3 + peer_bigram_bucket(a, b, 262144)));
  }
  std::sort(expected.begin(), expected.end());
  std::vector<int32_t> flat;
  for (size_t i = 0; i < f.ids.size(); ++i) {
    for (int k = 0; k < static_cast<int>(f.weights[i]); ++k) flat.push_back(f.ids[i]);
  }
  EXPECT_EQ(flat, expected);
  // Pinned: hello=0 (x2), world=1, bigram "hello world" at 3 + 46556.
  EXPECT_THAT(f.ids, ::testing::Contains(3 + 46556));
  EXPECT_TRUE(std::is_sorted(f.ids.begin(), f.ids.end()));
}

// The end word is held once by every text, weight 1 whatever the weighting, and in no n-gram;
// the tokenizer never makes it from text, and a vocabulary without it adds nothing.
TEST(Featurizer, EndWordOncePerText) {
  FeaturizerConfig config;
  config.end_word = true;
  config.weighting = FeatureWeighting::kSublinear;
  VocabularyBuilder builder{Tokenizer(config.tokenizer)};
  const std::vector<std::string> texts = {"hello world hello", "</s> <s> again", ""};
  builder.add_texts(texts);
  builder.add_count(kEndWord, static_cast<int64_t>(texts.size()));
  const Vocabulary vocabulary = builder.build();
  const int32_t end = vocabulary.id(kEndWord);
  ASSERT_GE(end, 0);
  EXPECT_EQ(vocabulary.count(end), 3);  // the second text's "</s>" is not the word
  const Featurizer featurizer = Featurizer::from_config(config, vocabulary);
  FeaturizerConfig plain_config = config;
  plain_config.end_word = false;
  const Featurizer plain = Featurizer::from_config(plain_config, vocabulary);
  for (const std::string& text : texts) {
    const Features with = featurizer.featurize(text);
    const Features without = plain.featurize(text);
    ASSERT_EQ(std::count(with.ids.begin(), with.ids.end(), end), 1) << text;
    EXPECT_EQ(with.weights[static_cast<size_t>(std::find(with.ids.begin(), with.ids.end(), end) -
                                               with.ids.begin())],
              1.0f);
    EXPECT_EQ(std::count(without.ids.begin(), without.ids.end(), end), 0) << text;
    EXPECT_EQ(with.ids.size(), without.ids.size() + 1) << text;  // bigrams unchanged
  }
  const Featurizer no_word = Featurizer::from_config(config, small_vocab());
  EXPECT_EQ(no_word.featurize("hello world").ids,
            Featurizer::from_config(plain_config, small_vocab()).featurize("hello world").ids);
}

TEST(Featurizer, TrigramsAndSeed) {
  FeaturizerConfig config;
  config.word_ngrams = 3;
  const Featurizer featurizer = Featurizer::from_config(config, Vocabulary{});
  std::vector<int32_t> expected = {33925,
                                   static_cast<int32_t>(peer_bigram_bucket("a", "b", 262144)),
                                   static_cast<int32_t>(peer_bigram_bucket("b", "c", 262144))};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(featurizer.featurize("a b c").ids, expected);
  config.hash_seed = 12345;
  const Featurizer seeded = Featurizer::from_config(config, Vocabulary{});
  EXPECT_THAT(seeded.featurize("a b c").ids, ::testing::Contains(187782));
}

TEST(Featurizer, CharNgramsWithBoundaryMarkers) {
  FeaturizerConfig config;
  config.word_ngrams = 1;
  config.char_ngram_min = 3;
  config.char_ngram_max = 3;
  config.buckets = 262144;
  const Featurizer featurizer = Featurizer::from_config(config, Vocabulary{});
  // "<hello>": <he hel ell llo lo>
  const Features f = featurizer.featurize("hello");
  std::vector<int32_t> expected;
  for (const char* gram : {"<he", "hel", "ell", "llo", "lo>"}) {
    expected.push_back(static_cast<int32_t>(char_ngram_hash(gram, 0) % 262144));
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(f.ids, expected);
  EXPECT_THAT(f.ids, ::testing::Contains(174625));  // "<he", pinned
  EXPECT_THAT(f.ids, ::testing::Contains(38887));   // "lo>", pinned
  // Code points, not bytes: "é" + markers has three 1..3-grams of whole characters.
  config.char_ngram_min = 1;
  const Featurizer ones = Featurizer::from_config(config, Vocabulary{});
  // <é> : é, <é, é>, <é>  (the lone markers are skipped)
  EXPECT_EQ(ones.featurize("\xC3\xA9").ids.size(), 4u);
}

TEST(Featurizer, Weighting) {
  FeaturizerConfig config;
  config.word_ngrams = 1;
  config.buckets = 0;
  const Vocabulary vocab = small_vocab();
  const std::string text = "hello hello hello hello world";
  EXPECT_THAT(Featurizer::from_config(config, vocab).featurize(text).weights, ElementsAre(4, 1));
  config.weighting = FeatureWeighting::kBinary;
  EXPECT_THAT(Featurizer::from_config(config, vocab).featurize(text).weights, ElementsAre(1, 1));
  config.weighting = FeatureWeighting::kSublinear;
  const Features f = Featurizer::from_config(config, vocab).featurize(text);
  EXPECT_FLOAT_EQ(f.weights[0], 1.0f + std::log(4.0f));
  EXPECT_FLOAT_EQ(f.weights[1], 1.0f);
}

TEST(Featurizer, LongTextsCountEveryFeature) {
  // 120k tokens of 13 character n-grams each: more ids than featurize gathers before it merges
  // them into counts, which must come out as one copy's counts times the copies.
  FeaturizerConfig config;
  config.word_ngrams = 1;
  config.char_ngram_min = 2;
  config.char_ngram_max = 4;
  config.buckets = 4096;
  const Featurizer featurizer = Featurizer::from_config(config, small_vocab());
  const std::string copy = "hello world again ";
  std::string text;
  for (int i = 0; i < 40000; ++i) text += copy;
  const Features one = featurizer.featurize(copy);
  const Features many = featurizer.featurize(text);
  ASSERT_EQ(many.ids, one.ids);
  for (size_t f = 0; f < one.ids.size(); ++f) {
    EXPECT_EQ(many.weights[f], one.weights[f] * 40000) << f;
  }
}

TEST(Featurizer, MaxTokensAndTokensForDisplay) {
  FeaturizerConfig config;
  config.max_tokens = 2;
  const Featurizer featurizer = Featurizer::from_config(config, small_vocab());
  EXPECT_THAT(featurizer.tokens("Hello World again"), ElementsAre("hello", "world"));
  EXPECT_EQ(featurizer.featurize("Hello World again").ids.size(), 3u);  // 2 words + 1 bigram
}

TEST(FeaturizerConfig, JsonRoundTrip) {
  FeaturizerConfig config;
  config.tokenizer.normalize.strip_accents = true;
  config.tokenizer.normalize.on_invalid_utf8 = InvalidUtf8::kReplace;
  config.tokenizer.stem = true;
  config.tokenizer.stem_algorithm = "english";
  config.tokenizer.remove_stop_words = true;
  config.max_tokens = 256;
  config.word_ngrams = 3;
  config.char_ngram_min = 2;
  config.char_ngram_max = 5;
  config.buckets = 1000;
  config.weighting = FeatureWeighting::kSublinear;
  config.hash_seed = 18446744073709551615ull;
  config.end_word = true;
  const std::string json = config.to_json();
  const FeaturizerConfig back = FeaturizerConfig::from_json(json);
  EXPECT_TRUE(back == config) << json;
  EXPECT_EQ(back.to_json(), json);
  EXPECT_TRUE(FeaturizerConfig::from_json(FeaturizerConfig{}.to_json()) == FeaturizerConfig{});
  // end_word is written only when set: configs made before it read as without it.
  EXPECT_EQ(FeaturizerConfig{}.to_json().find("end_word"), std::string::npos);
  EXPECT_NE(json.find("\"end_word\":true"), std::string::npos);
  // Rebuilt from config + vocabulary, it featurizes identically.
  const Featurizer a = Featurizer::from_config(config, small_vocab());
  const Featurizer b = Featurizer::from_config(back, small_vocab());
  const std::string text = "Hello, wonderful WORLD of caf\xC3\xA9s again \xFF";
  EXPECT_EQ(a.featurize(text).ids, b.featurize(text).ids);
  EXPECT_EQ(a.featurize(text).weights, b.featurize(text).weights);
}

TEST(FeaturizerConfig, JsonErrorsNameTheKey) {
  auto edited = [](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = nlohmann::json::parse(FeaturizerConfig{}.to_json());
    edit(j);
    return error_message([&] { FeaturizerConfig::from_json(j.dump()); });
  };
  EXPECT_NE(edited([](auto& j) { j.erase("buckets"); }).find("missing key 'buckets'"),
            std::string::npos);
  EXPECT_NE(edited([](auto& j) { j["extra"] = 1; }).find("unknown key 'extra'"), std::string::npos);
  EXPECT_NE(edited([](auto& j) {
              j["normalize"]["nfkc"] = "yes";
            }).find("'normalize.nfkc' must be true or false"),
            std::string::npos);
  EXPECT_NE(edited([](auto& j) { j["weighting"] = "tfidf"; }).find("'weighting' must be one of"),
            std::string::npos);
  EXPECT_NE(edited([](auto& j) { j["word_ngrams"] = 4; }).find("'word_ngrams'"), std::string::npos);
  EXPECT_NE(edited([](auto& j) { j["hash_version"] = 2; }).find("hash_version 2"),
            std::string::npos);
  EXPECT_NE(error_message([] { FeaturizerConfig::from_json("{not json"); }).find("not valid JSON"),
            std::string::npos);
}

TEST(Featurizer, ConstFromManyThreads) {
  FeaturizerConfig config;
  config.tokenizer.stem = true;
  config.char_ngram_min = 3;
  config.char_ngram_max = 5;
  const Featurizer featurizer = Featurizer::from_config(config, small_vocab());
  const std::string text = "hello worlds, running again and again over generalizations";
  const Features expected = featurizer.featurize(text);
  std::vector<int> mismatches(6, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const Features f = featurizer.featurize(text);
        if (f.ids != expected.ids || f.weights != expected.weights) {
          ++mismatches[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

// Not a timing assertion: builds a vocabulary over scifact and featurizes every document, checking
// that ids stay in range; the rate goes to the log for the note.
TEST(Featurizer, ScifactSmoke) {
  const std::string path = std::string(TESSERA_SHARED_DATA_DIR) + "/beir/scifact/corpus.jsonl";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " missing";
  std::vector<std::string> texts;
  std::ifstream in(path);
  std::string line;
  int64_t bytes = 0;
  while (std::getline(in, line)) {
    const nlohmann::json doc = nlohmann::json::parse(line);
    texts.push_back(doc.value("title", "") + " " + doc.value("text", ""));
    bytes += static_cast<int64_t>(texts.back().size());
  }
  ASSERT_GT(texts.size(), 1000u);
  VocabularyBuilder builder{Tokenizer{}};
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < texts.size(); i += 1000) {
    builder.add_texts(std::vector<std::string>(
        texts.begin() + static_cast<std::ptrdiff_t>(i),
        texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), i + 1000))));
  }
  VocabularyOptions vocab_options;
  vocab_options.min_count = 2;
  const Featurizer featurizer =
      Featurizer::from_config(FeaturizerConfig{}, builder.build(vocab_options));
  EXPECT_GT(featurizer.vocabulary().size(), 10000);
  EXPECT_EQ(featurizer.vocabulary().word(0), "the");
  int64_t features = 0;
  for (const std::string& text : texts) {
    const Features f = featurizer.featurize(text);
    ASSERT_FALSE(f.ids.empty());
    ASSERT_GE(f.ids.front(), 0);
    ASSERT_LT(f.ids.back(), featurizer.num_features());
    features += static_cast<int64_t>(f.ids.size());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "scifact: %zu docs, %.1f MB, vocab %d, %lld features, vocab+featurize %.2f s "
      "(%.1f MB/s)\n",
      texts.size(), static_cast<double>(bytes) / 1e6, featurizer.vocabulary().size(),
      static_cast<long long>(features), seconds, static_cast<double>(bytes) / 1e6 / seconds);
}

}  // namespace
}  // namespace tessera
