// Hybrid fusion: reciprocal-rank and min-max convex fusion against hand-computed values.
#include "tessera/index/fusion.h"

#include <gtest/gtest.h>

#include "../core/test_support.h"

namespace tessera {
namespace {

using testing::error_message;

TopK one_query(std::vector<int64_t> ids, std::vector<float> scores) {
  TopK top;
  top.num_queries = 1;
  top.k = std::ssize(ids);
  top.ids = std::move(ids);
  top.scores = std::move(scores);
  return top;
}

TEST(Fusion, ReciprocalRankFusion) {
  const TopK a = one_query({7, 3, 5}, {9, 8, 7});
  const TopK b = one_query({3, 9, -1}, {0.9f, 0.1f, 0});
  FusionOptions options;
  options.method = FusionMethod::kRrf;
  options.rrf_k = 60;
  const TopK fused = fuse(a, b, 4, options);
  // 3: 1/62 + 1/61; 7: 1/61; 9: 1/62; 5: 1/63.
  EXPECT_EQ(fused.ids, (std::vector<int64_t>{3, 7, 9, 5}));
  EXPECT_FLOAT_EQ(fused.scores[0], static_cast<float>(1.0 / 62 + 1.0 / 61));
  EXPECT_FLOAT_EQ(fused.scores[3], static_cast<float>(1.0 / 63));
}

TEST(Fusion, ConvexFusionOfMinMaxNormalizedScores) {
  const TopK a = one_query({1, 2, 3}, {10, 6, 2});  // normalized 1, 0.5, 0
  const TopK b = one_query({3, 4}, {0.8f, 0.4f});   // normalized 1, 0
  FusionOptions options;
  options.weight = 0.25;  // the first list's weight
  const TopK fused = fuse(a, b, 5, options);
  // 1: .25; 2: .125; 3: 0 + .75; 4: 0.
  EXPECT_EQ(fused.ids, (std::vector<int64_t>{3, 1, 2, 4, -1}));
  EXPECT_FLOAT_EQ(fused.scores[0], 0.75f);
  EXPECT_FLOAT_EQ(fused.scores[1], 0.25f);
  EXPECT_FLOAT_EQ(fused.scores[2], 0.125f);
  EXPECT_FLOAT_EQ(fused.scores[3], 0.0f);
}

TEST(Fusion, TiesGoToTheLowerIdAndEmptyListsFuse) {
  const TopK a = one_query({5}, {1});
  const TopK b = one_query({2}, {1});
  FusionOptions options;
  EXPECT_EQ(fuse(a, b, 2, options).ids, (std::vector<int64_t>{2, 5}));
  const TopK none = one_query({-1, -1}, {0, 0});
  EXPECT_EQ(fuse(none, none, 2, options).ids, (std::vector<int64_t>{-1, -1}));
}

TEST(Fusion, RejectsBadArguments) {
  const TopK a = one_query({1}, {1});
  TopK two = a;
  two.num_queries = 2;
  EXPECT_NE(error_message([&] { (void)fuse(a, two, 1); }).find("1 and 2 queries"),
            std::string::npos);
  FusionOptions options;
  options.weight = 1.5;
  EXPECT_NE(error_message([&] { (void)fuse(a, a, 1, options); }).find("[0, 1]"), std::string::npos);
  EXPECT_NE(error_message([] {
              (void)parse_enum<FusionMethod>("max", "fusion");
            }).find("unknown fusion 'max'"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
