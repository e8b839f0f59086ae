// FunnelIndex: a shortlist as deep as the base reproduces exact search; short shortlists rank
// by the full vectors; removal and save/load go through both parts.
#include "tessera/index/funnel_index.h"

#include <gtest/gtest.h>

#include "index_test_support.h"
#include "tessera/core/ops.h"
#include "tessera/index/flat_index.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::random_unit_vectors;
using testing::Rng;
using testing::TempDir;

std::unique_ptr<FunnelIndex> prefix_funnel(int64_t prefix, int64_t dim, int64_t shortlist) {
  FunnelOptions options;
  options.shortlist = shortlist;
  return std::make_unique<FunnelIndex>(std::make_unique<FlatIndex>(prefix),
                                       std::make_unique<FlatIndex>(dim), options);
}

TEST(FunnelIndex, AFullDepthShortlistIsExactSearch) {
  Rng rng(1);
  const Tensor base = random_unit_vectors(120, 32, rng);
  const Tensor queries = random_unit_vectors(10, 32, rng);
  auto funnel = prefix_funnel(8, 32, 120);
  funnel->add(base);
  const TopK exact = exact_top_k(queries, base, 10);
  const TopK found = funnel->search(queries, 10);
  EXPECT_EQ(found.ids, exact.ids);
  for (size_t i = 0; i < found.scores.size(); ++i)
    EXPECT_NEAR(found.scores[i], exact.scores[i], 1e-5);
}

TEST(FunnelIndex, RescoresTheShortlistOfThePrefix) {
  Rng rng(2);
  const Tensor base = random_unit_vectors(200, 16, rng);
  const Tensor queries = random_unit_vectors(5, 16, rng);
  auto funnel = prefix_funnel(4, 16, 20);
  funnel->add(base);
  // The shortlist: exact search over unit-normalized 4-dim prefixes.
  Tensor prefix = Tensor::empty({200, 4}), query_prefix = Tensor::empty({5, 4});
  std::vector<float> norms(200), query_norms(5);
  l2_normalize_forward(base.prefix_cols(4), 1e-12f, prefix, norms);
  l2_normalize_forward(queries.prefix_cols(4), 1e-12f, query_prefix, query_norms);
  const TopK shortlist = exact_top_k(query_prefix, prefix, 20);
  const TopK found = funnel->search(queries, 5);
  for (int64_t q = 0; q < 5; ++q) {
    const std::span<const int64_t> candidates = shortlist.ids_of(q);
    for (int64_t j = 0; j < 5; ++j) {
      const int64_t id = found.ids_of(q)[j];
      EXPECT_NE(std::find(candidates.begin(), candidates.end(), id), candidates.end());
      if (j > 0) {
        EXPECT_GE(found.scores_of(q)[j - 1], found.scores_of(q)[j]);
      }
    }
  }
  // A deeper shortlist per call can only find better first hits.
  SearchParams deeper;
  deeper.shortlist = 200;
  const TopK exact = funnel->search(queries, 5, deeper);
  EXPECT_EQ(exact.ids, exact_top_k(queries, base, 5).ids);
}

TEST(FunnelIndex, BinaryShortlistWithRescoring) {
  Rng rng(3);
  const Tensor base = random_unit_vectors(500, 64, rng);
  const Tensor queries = random_unit_vectors(20, 64, rng);
  FunnelOptions options;
  options.shortlist = 100;
  FunnelIndex funnel(std::make_unique<BinaryIndex>(64), std::make_unique<FlatIndex>(64), options);
  funnel.add(base);
  EXPECT_EQ(funnel.bytes_per_vector(), 8.0 + 256.0);
  EXPECT_GE(testing::recall_at_k(funnel.search(queries, 10), exact_top_k(queries, base, 10)), 0.8);
}

TEST(FunnelIndex, RemovesFromBothPartsAndRoundTrips) {
  Rng rng(4);
  const Tensor base = random_unit_vectors(100, 16, rng);
  auto funnel = prefix_funnel(8, 16, 30);
  funnel->add(base);
  const std::vector<int64_t> removed = {0, 1};
  funnel->remove(removed);
  EXPECT_EQ(funnel->size(), 98);
  EXPECT_EQ(funnel->shortlist_index().num_removed(), 2);
  const TopK found = funnel->search(base.slice_rows(0, 2), 3);
  for (const int64_t id : found.ids) EXPECT_GE(id, 2);
  const std::vector<int64_t> bad = {0};
  EXPECT_NE(error_message([&] { funnel->remove(bad); }).find("already removed"), std::string::npos);
  EXPECT_EQ(funnel->shortlist_index().num_removed(), 2);

  TempDir dir;
  funnel->save(dir.file("funnel.index"));
  const std::unique_ptr<Index> loaded = load_index(dir.file("funnel.index"), "funnel");
  const TopK again = loaded->search(base.slice_rows(0, 2), 3);
  EXPECT_EQ(again.ids, found.ids);
  EXPECT_EQ(again.scores, found.scores);
  EXPECT_EQ(dynamic_cast<const FunnelIndex&>(*loaded).options().shortlist, 30);
}

TEST(FunnelIndex, RejectsMismatchedParts) {
  EXPECT_NE(error_message([] {
              FunnelIndex bad(std::make_unique<FlatIndex>(32), std::make_unique<FlatIndex>(16));
            }).find("cannot have more dims"),
            std::string::npos);
  auto filled = std::make_unique<FlatIndex>(4);
  filled->add(Tensor::zeros({2, 4}));
  EXPECT_NE(error_message([&] {
              FunnelIndex bad(std::move(filled), std::make_unique<FlatIndex>(4));
            }).find("different vectors"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
