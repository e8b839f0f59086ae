#include <gtest/gtest.h>

#include <set>

#include "tessera/train/corpus_crop_source.h"
#include "tessera/train/labeled_text_source.h"
#include "tessera/train/text_pair_source.h"
#include "train_test_support.h"

namespace tessera {
namespace {

std::vector<std::string> words(int n, const std::string& stem) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(stem + std::to_string(i));
  return out;
}

std::string join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += (out.empty() ? "" : " ") + t;
  return out;
}

Featurizer featurizer_over(const std::vector<std::string>& vocabulary) {
  std::vector<std::pair<std::string, int64_t>> counts;
  for (const auto& w : vocabulary) counts.emplace_back(w, 1);
  FeaturizerConfig config;
  config.buckets = 0;
  config.word_ngrams = 1;
  return Featurizer::from_config(config, Vocabulary::from_counts(counts));
}

TEST(TextPairSource, PairsAreFeaturizedOnceAndKeyedByText) {
  const Featurizer f = featurizer_over({"a", "b", "c", "d"});
  std::vector<TextPair> pairs(3);
  pairs[0].query = "a";
  pairs[0].positive = "b c";
  pairs[1].query = "d";
  pairs[1].positive = "b c";  // the same document as pair 0
  pairs[2].query = "a b";
  pairs[2].positive = "d";
  pairs[2].negative = "c";
  pairs[2].has_negative = true;
  const TextPairSource source = TextPairSource::from_pairs(f, pairs, "pairs.tsv");
  EXPECT_EQ(source.size(), 3);
  EXPECT_EQ(source.negatives_per_item(), 1);
  EXPECT_EQ(source.keys(0).documents, source.keys(1).documents);
  EXPECT_NE(source.keys(0).anchor, source.keys(1).anchor);
  EXPECT_EQ(source.keys(2).documents.size(), 2u);
  Random random(1);
  Example example;
  source.draw(2, random, example);
  EXPECT_EQ(example.anchor.ids,
            (std::vector<int32_t>{f.vocabulary().id("a"), f.vocabulary().id("b")}));
  ASSERT_EQ(example.negatives.size(), 1u);
  EXPECT_EQ(example.negatives[0].ids, std::vector<int32_t>{f.vocabulary().id("c")});
  EXPECT_NE(source.describe().find("pairs.tsv (3 pairs"), std::string::npos);
}

TEST(TextPairSource, BeirPairsSkipUnjudgedAndDevQueries) {
  const Featurizer f = featurizer_over({"x", "y", "title", "body"});
  BeirDataset data;
  data.corpus = {{"d1", "title", "body", 1}, {"d2", "", "x", 2}};
  data.queries = {{"q1", "x y", 1}, {"q2", "y", 2}};
  const std::vector<Qrel> qrels = {{"q1", "d1", 1, 2}, {"q1", "d2", 0, 3}, {"q2", "d2", 2, 4}};
  const TextPairSource all = TextPairSource::from_beir(f, data, qrels, {}, "train");
  EXPECT_EQ(all.size(), 2);  // the score-0 judgement is not a pair
  EXPECT_EQ(all.keys(0).documents[0], corpus_document_key("d1"));
  EXPECT_EQ(all.keys(0).anchor, corpus_query_key("q1"));
  Random random(1);
  Example example;
  all.draw(0, random, example);
  EXPECT_EQ(example.positives[0].ids.size(), 2u);  // "title body"
  const TextPairSource without_dev = TextPairSource::from_beir(f, data, qrels, {"q1"}, "train");
  EXPECT_EQ(without_dev.size(), 1);
  EXPECT_EQ(without_dev.keys(0).anchor, corpus_query_key("q2"));
}

TEST(CorpusCropSource, CropsAreSpansOfTheBodyAndTitlesAlternate) {
  const std::vector<std::string> body = words(100, "w");
  const std::vector<std::string> title = words(3, "t");
  std::vector<std::string> vocabulary = body;
  vocabulary.insert(vocabulary.end(), title.begin(), title.end());
  const Featurizer f = featurizer_over(vocabulary);
  const std::vector<BeirDocument> corpus = {{"doc", join(title), join(body), 1},
                                            {"empty", "t0", "", 2}};
  CropOptions options;
  options.span_min = 5;
  options.span_max = 10;
  options.pairs_per_document = 2;
  const CorpusCropSource source(f, corpus, options, "corpus.jsonl");
  EXPECT_EQ(source.size(), 2);  // the empty body gives none
  EXPECT_EQ(source.keys(0).anchor, corpus_document_key("doc"));
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Random random(seed);
    Example ex;
    source.draw(1, random, ex);  // item 1: span, span
    ASSERT_EQ(ex.positives.size(), 1u);
    for (const auto& side : {ex.anchor, ex.positives[0]}) {
      ASSERT_GE(side.ids.size(), 5u);
      ASSERT_LE(side.ids.size(), 10u);
      // A span: consecutive words of the body.
      std::vector<int32_t> positions;
      for (int32_t id : side.ids) positions.push_back(std::stoi(f.vocabulary().word(id).substr(1)));
      std::sort(positions.begin(), positions.end());
      EXPECT_EQ(positions.back() - positions.front() + 1, static_cast<int32_t>(positions.size()));
    }
    Random again(seed);
    EXPECT_EQ(source.draw_anchor(1, again).ids, ex.anchor.ids);
    Random title_random(seed);
    source.draw(0, title_random, ex);  // item 0: title, span
    EXPECT_EQ(ex.anchor.ids.size(), 3u);
  }
}

TEST(LabeledTextSource, TextsAreAnchorsAndLabelsOneIdPositives) {
  const Featurizer f = featurizer_over({"good", "bad", "film"});
  const LabeledTextSource source(f, {"good film", "bad film", "good bad film"}, {{1}, {0}, {0, 1}},
                                 2, "reviews.txt");
  EXPECT_EQ(source.size(), 3);
  EXPECT_EQ(source.describe(), "reviews.txt (3 labeled texts)");
  Random random(1);
  Example ex;
  source.draw(2, random, ex);
  EXPECT_EQ(ex.anchor.ids.size(), 3u);
  ASSERT_EQ(ex.positives.size(), 2u);
  EXPECT_EQ(ex.positives[0].ids, std::vector<int32_t>{0});
  EXPECT_EQ(ex.positives[1].ids, std::vector<int32_t>{1});
  EXPECT_TRUE(ex.positives[0].weights.empty());
  // Many texts share a label: only the text keys a batch.
  EXPECT_TRUE(source.keys(0).documents.empty());
  EXPECT_NE(source.keys(0).anchor, source.keys(1).anchor);
  EXPECT_THROW(LabeledTextSource(f, {"good"}, {{2}}, 2, "x"), Error);   // label out of range
  EXPECT_THROW(LabeledTextSource(f, {"good"}, {{}}, 2, "x"), Error);    // no label
  EXPECT_THROW(LabeledTextSource(f, {"good"}, {{0}, {1}}, 2, "x"), Error);
}

TEST(PerturbTokens, KeepsAtLeastOneTokenAndMovesTokensLocally) {
  PerturbationOptions drop;
  drop.word_drop = 0.9;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    std::vector<std::string> tokens = {"a", "b"};
    Random random(seed);
    perturb_tokens(tokens, drop, random);
    EXPECT_GE(tokens.size(), 1u);
  }
  PerturbationOptions shuffle_only;
  shuffle_only.shuffle_window = 2;
  std::vector<std::string> tokens = words(50, "w");
  Random random(4);
  perturb_tokens(tokens, shuffle_only, random);
  ASSERT_EQ(tokens.size(), 50u);
  bool moved = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int from = std::stoi(tokens[i].substr(1));
    EXPECT_LE(std::abs(from - static_cast<int>(i)), 2);
    moved = moved || from != static_cast<int>(i);
  }
  EXPECT_TRUE(moved);
  PerturbationOptions typos;
  typos.typo = 1.0;
  std::vector<std::string> typed = {"hello", "world"};
  perturb_tokens(typed, typos, random);
  EXPECT_TRUE(typed[0] != "hello" || typed[1] != "world");
}

}  // namespace
}  // namespace tessera
