#include "tessera/train/batcher.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "../core/test_support.h"

namespace tessera {
namespace {

// A source of `n` items whose query and document keys are given.
class KeyedSource : public ExampleSource {
 public:
  KeyedSource(std::vector<uint64_t> queries, std::vector<uint64_t> documents)
      : queries_(std::move(queries)), documents_(std::move(documents)) {}
  std::string describe() const override { return "keyed"; }
  int64_t size() const override { return static_cast<int64_t>(queries_.size()); }
  ExampleKeys keys(int64_t item) const override {
    return {queries_[static_cast<size_t>(item)], {documents_[static_cast<size_t>(item)]}};
  }
  void draw(int64_t, Random&, Example&) const override {}

 private:
  std::vector<uint64_t> queries_, documents_;
};

TEST(Random, StreamsAreReproducibleAndDistinct) {
  Random a = Random::stream(1, 2, 3), b = Random::stream(1, 2, 3), c = Random::stream(1, 2, 4);
  const uint64_t x = a();
  EXPECT_EQ(x, b());
  EXPECT_NE(x, c());
  Random r(5);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LT(r.below(7), 7u);
    const int64_t v = r.between(-2, 2);
    EXPECT_GE(v, -2);
    EXPECT_LE(v, 2);
    const double u = r.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(DrawSlots, WeightsScaleHowOftenEachSourceIsDrawn) {
  KeyedSource a({1, 2, 3, 4}, {1, 2, 3, 4});
  KeyedSource b({5, 6, 7, 8, 9, 10}, {5, 6, 7, 8, 9, 10});
  const std::vector<WeightedSource> sources = {{&a, 2.0}, {&b, 0.5}};
  const std::vector<Slot> slots = draw_slots(sources, 7, 0);
  std::map<int32_t, std::multiset<int64_t>> by_source;
  for (const Slot& s : slots) by_source[s.source].insert(s.item);
  EXPECT_EQ(by_source[0].size(), 8u);  // every item twice
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(by_source[0].count(i), 2u);
  EXPECT_EQ(by_source[1].size(), 3u);  // half of 6, distinct
  EXPECT_EQ(std::set<int64_t>(by_source[1].begin(), by_source[1].end()).size(), 3u);
  // The fraction is re-drawn each epoch, reproducibly.
  EXPECT_EQ(draw_slots(sources, 7, 0).size(), slots.size());
  const auto again = draw_slots(sources, 7, 0);
  for (size_t i = 0; i < slots.size(); ++i) EXPECT_EQ(again[i].item, slots[i].item);
}

TEST(DrawSlots, AnEpochBeyondTheBoundIsAnErrorBeforeAnythingIsAllocated) {
  KeyedSource a({1, 2, 3, 4}, {1, 2, 3, 4});
  // 4e9 slots would take ~128 GB; the check comes first, so this fails at once.
  const std::vector<WeightedSource> sources = {{&a, 1e9}};
  EXPECT_THROW((void)draw_slots(sources, 7, 0), Error);
  const double fits = static_cast<double>(kMaxSlotsPerEpoch) / 4;
  EXPECT_NO_THROW((void)draw_slots({{&a, fits / 1024}}, 7, 0));
}

TEST(NoDuplicateBatches, NoKeyTwiceInABatchAndEverySlotOnce) {
  // Documents repeat (10 distinct among 40 items) and so do some queries.
  std::vector<uint64_t> queries, documents;
  for (uint64_t i = 0; i < 40; ++i) {
    queries.push_back(100 + i % 30);
    documents.push_back(i % 10);
  }
  KeyedSource source(queries, documents);
  const std::vector<WeightedSource> sources = {{&source, 1.0}};
  const std::vector<Slot> slots = draw_slots(sources, 1, 0);
  std::vector<int64_t> order(slots.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  const auto batches = no_duplicate_batches(sources, slots, order, 8);
  std::multiset<int64_t> seen;
  for (size_t b = 0; b < batches.size(); ++b) {
    std::set<uint64_t> q, d;
    for (int64_t slot : batches[b]) {
      seen.insert(slot);
      EXPECT_TRUE(q.insert(queries[static_cast<size_t>(slot)]).second);
      EXPECT_TRUE(d.insert(documents[static_cast<size_t>(slot)]).second);
    }
    EXPECT_LE(batches[b].size(), 8u);
    EXPECT_GE(batches[b].size(), 1u);
  }
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 40u);
  // With 10 distinct documents a batch holds at most 8 and the first ones are full.
  EXPECT_EQ(batches.front().size(), 8u);
}

TEST(NoDuplicateBatches, RejectsBatchesTooSmallForNegatives) {
  KeyedSource source({1, 2}, {1, 2});
  const std::vector<WeightedSource> sources = {{&source, 1.0}};
  const auto slots = draw_slots(sources, 1, 0);
  EXPECT_THROW(no_duplicate_batches(sources, slots, {0, 1}, 1), Error);
}

TEST(BalancedClusters, SizesAreBoundedAndNeighboursShareClusters) {
  // Four tight groups of 16 unit vectors around the axes.
  testing::Rng rng(3);
  Tensor x = Tensor::zeros({64, 4});
  for (int64_t i = 0; i < 64; ++i) {
    float* row = x.row(i);
    row[i % 4] = 1.0f;
    for (int j = 0; j < 4; ++j) row[j] += rng.uniform(-0.01f, 0.01f);
  }
  Random random(9);
  const auto clusters = balanced_clusters(x, 16, random);
  std::set<int64_t> all;
  for (const auto& c : clusters) {
    EXPECT_LE(c.size(), 16u);
    EXPECT_GE(c.size(), 8u);
    std::set<int64_t> groups;
    for (int64_t i : c) {
      all.insert(i);
      groups.insert(i % 4);
    }
    EXPECT_EQ(groups.size(), 1u) << "a cluster mixes groups";
  }
  EXPECT_EQ(all.size(), 64u);
}

}  // namespace
}  // namespace tessera
