// Word vectors by skip-gram and CBOW with char n-grams: words of one topic end up closer than
// words of two, unseen words get vectors from their n-grams, one thread is reproducible.
#include "tessera/train/word_training.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "../core/test_support.h"
#include "tessera/eval/word_evaluation.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;

// Lines of 8 words drawn from one of two topics (a "river" and a "money" vocabulary).
std::string two_topic_corpus(int lines, uint64_t seed) {
  const std::vector<std::string> topics[2] = {
      {"river", "water", "stream", "fish", "boat", "shore", "flow", "lake"},
      {"money", "bank", "loan", "cash", "price", "coins", "debt", "trade"}};
  std::mt19937_64 rng(seed);
  std::string text;
  for (int i = 0; i < lines; ++i) {
    const auto& words = topics[rng() % 2];
    for (int w = 0; w < 8; ++w) {
      text += words[rng() % words.size()];
      text += w == 7 ? '\n' : ' ';
    }
  }
  return text;
}

WordTrainingOptions small_options(WordModelKind kind) {
  WordTrainingOptions o;
  o.model = kind;
  o.dim = 16;
  o.min_count = 1;
  o.sample = 0;
  o.epochs = 3;
  o.buckets = 5000;
  o.threads = 1;  // reproducible, and no Hogwild races for ThreadSanitizer
  return o;
}

double cosine(std::span<const float> a, std::span<const float> b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// Mean cosine of word pairs within a topic minus across topics.
double topic_margin(const ModelWordVectors& vectors) {
  auto vec = [&](const char* word) { return vectors.row(*vectors.find(word)); };
  const double within = (cosine(vec("river"), vec("water")) + cosine(vec("money"), vec("loan")) +
                         cosine(vec("fish"), vec("boat")) + cosine(vec("cash"), vec("debt"))) /
                        4;
  const double across = (cosine(vec("river"), vec("money")) + cosine(vec("water"), vec("loan")) +
                         cosine(vec("fish"), vec("cash")) + cosine(vec("boat"), vec("debt"))) /
                        4;
  return within - across;
}

TEST(WordTraining, SkipgramAndCbowSeparateTopics) {
  const std::string corpus = two_topic_corpus(3000, 1);
  for (const WordModelKind kind : {WordModelKind::kSkipgram, WordModelKind::kCbow}) {
    WordTrainingReport report;
    const Model model =
        train_word_vectors([&] { return LineSource::from_memory("topics.txt", corpus); },
                           small_options(kind), &report);
    EXPECT_EQ(report.vocabulary, 16);
    EXPECT_EQ(report.corpus_words, 3000 * 8);
    EXPECT_GT(report.loss, 0);
    ASSERT_TRUE(model.towers().count(std::string(kWordTower)));
    ASSERT_TRUE(model.towers().count(std::string(kContextTower)));
    const ModelWordVectors vectors(model, std::string(kWordTower));
    EXPECT_GT(topic_margin(vectors), 0.3) << name_of(kind);
  }
}

TEST(WordTraining, UnseenWordsGetVectorsFromTheirNgrams) {
  const std::string corpus = two_topic_corpus(2000, 2);
  const Model model =
      train_word_vectors([&] { return LineSource::from_memory("topics.txt", corpus); },
                         small_options(WordModelKind::kSkipgram));
  const ModelWordVectors vectors(model, std::string(kWordTower));
  EXPECT_EQ(vectors.find("rivers"), std::nullopt);
  std::vector<float> rivers(16);
  ASSERT_TRUE(vectors.out_of_vocabulary_vector("rivers", rivers));
  // "rivers" shares most n-grams with "river": closer to it than to "money".
  EXPECT_GT(cosine(rivers, vectors.row(*vectors.find("river"))),
            cosine(rivers, vectors.row(*vectors.find("money"))));
  // Without n-grams an unseen word has no vector.
  WordTrainingOptions whole_words = small_options(WordModelKind::kSkipgram);
  whole_words.char_ngram_min = 0;
  whole_words.char_ngram_max = 0;
  const Model plain = train_word_vectors(
      [&] { return LineSource::from_memory("topics.txt", corpus); }, whole_words);
  EXPECT_FALSE(
      ModelWordVectors(plain, std::string(kWordTower)).out_of_vocabulary_vector("rivers", rivers));
}

TEST(WordTraining, OneThreadIsReproducibleAndTheModelSurvivesAFile) {
  const std::string corpus = two_topic_corpus(500, 3);
  auto open = [&] { return LineSource::from_memory("topics.txt", corpus); };
  const Model first = train_word_vectors(open, small_options(WordModelKind::kSkipgram));
  const Model second = train_word_vectors(open, small_options(WordModelKind::kSkipgram));
  const std::vector<std::string> words{"river", "bank", "unseen"};
  const Tensor a = first.encode(words, kWordTower);
  const Tensor b = second.encode(words, kWordTower);
  EXPECT_EQ(std::vector<float>(a.data(), a.data() + a.numel()),
            std::vector<float>(b.data(), b.data() + b.numel()));
  testing::TempDir dir;
  first.save(dir.file("words.safetensors"));
  const Model loaded = Model::load(dir.file("words.safetensors"));
  const Tensor c = loaded.encode(words, kWordTower);
  EXPECT_EQ(std::vector<float>(a.data(), a.data() + a.numel()),
            std::vector<float>(c.data(), c.data() + c.numel()));
}

TEST(WordTraining, ImportedVectorsKeepTheirOrderAndCase) {
  const WordVectors table = WordVectors::read(
      LineSource::from_memory("in.vec", "4 2\nParis 1 0\nthe 0 1\nParis 5 5\nparis 1 1\n"));
  const Model model = word_model_from_vectors(table, "in.vec");
  const ModelWordVectors vectors(model, std::string(kWordTower));
  EXPECT_EQ(vectors.vocabulary(), (std::vector<std::string>{"Paris", "the", "paris"}));
  EXPECT_EQ(vectors.find("Paris"), 0);
  EXPECT_EQ(vectors.find("paris"), 2);
  EXPECT_EQ(vectors.find("PARIS"), 0);       // case-folded: the first that folds to it
  EXPECT_FLOAT_EQ(vectors.row(0)[0], 1.0f);  // the first of the duplicates
  EXPECT_FLOAT_EQ(vectors.row(2)[1], 1.0f);
  std::vector<float> out(2);
  EXPECT_FALSE(vectors.out_of_vocabulary_vector("london", out));  // no n-grams
  const std::vector<WordNeighbor> near = nearest_words(vectors, "Paris", 2);
  ASSERT_EQ(near.size(), 2u);
  EXPECT_EQ(near[0].word, "paris");  // cos 0.71 beats "the" (0)
  EXPECT_NEAR(near[0].cosine, std::sqrt(0.5), 1e-6);
  EXPECT_TRUE(nearest_words(vectors, "london", 3).empty());
}

TEST(WordTraining, ClearErrors) {
  const std::string corpus = "one two three\n";
  auto open = [&] { return LineSource::from_memory("tiny.txt", corpus); };
  WordTrainingOptions o = small_options(WordModelKind::kSkipgram);
  o.min_count = 2;
  EXPECT_THAT(error_message([&] { train_word_vectors(open, o); }),
              HasSubstr("tiny.txt: no word occurs 2 times or more (3 words in all)"));
  o = small_options(WordModelKind::kSkipgram);
  o.window = 0;
  EXPECT_THAT(error_message([&] { train_word_vectors(open, o); }), HasSubstr("window"));
}

}  // namespace
}  // namespace tessera
