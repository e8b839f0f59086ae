// The XC repository's metrics by hand (pyxclib's definitions): P@k and nDCG@k averaged over every
// point, one without gold labels counting 0, and PSP@k as propensity-weighted hits over the best
// possible.
#include "tessera/eval/xc_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../core/test_support.h"

namespace tessera {
namespace {

std::vector<LabelScore> ranked(std::initializer_list<int32_t> labels) {
  std::vector<LabelScore> out;
  for (const int32_t l : labels) out.push_back({l, 0.5f});
  return out;
}

TEST(XcMetrics, PrecisionNdcgAndPropensityScoredPrecision) {
  const std::vector<std::vector<LabelScore>> predictions = {ranked({1, 2, 0}), ranked({0, 2, 1}),
                                                            ranked({0, 1, 2})};
  const std::vector<std::vector<int32_t>> gold = {{0, 1}, {2}, {}};
  // Jain et al.'s inverse propensities for label counts 10, 1, 3 of 20 training points.
  const double c = (std::log(20.0) - 1) * std::pow(2.5, 0.55);
  const std::vector<double> w = {1 + c * std::pow(11.5, -0.55), 1 + c * std::pow(2.5, -0.55),
                                 1 + c * std::pow(4.5, -0.55)};
  const std::vector<double> computed = inverse_propensities({10, 1, 3}, 20);
  for (size_t l = 0; l < 3; ++l) EXPECT_NEAR(computed[l], w[l], 1e-12);
  EXPECT_GT(w[1], w[2]);  // rarer labels weigh more
  EXPECT_GT(w[2], w[0]);

  const XcMetrics m = xc_metrics(predictions, gold, {1, 3}, computed);
  EXPECT_EQ(m.points, 3);
  EXPECT_NEAR(m.precision[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(m.precision[1], (2.0 / 3 + 1.0 / 3) / 3, 1e-12);
  EXPECT_NEAR(m.ndcg[0], 1.0 / 3, 1e-12);
  const double ndcg0 = (1 + 1 / std::log2(4.0)) / (1 + 1 / std::log2(3.0));
  EXPECT_NEAR(m.ndcg[1], (ndcg0 + 1 / std::log2(3.0)) / 3, 1e-12);
  // PSP@1: point 0's hit is label 1, the best it could be; point 1 could have had label 2.
  EXPECT_NEAR(m.psp[0], w[1] / (w[1] + w[2]), 1e-12);
  EXPECT_NEAR(m.psp[1], 1.0, 1e-12);  // every gold label is in the top 3
  EXPECT_TRUE(xc_metrics(predictions, gold, {1}).psp.empty());
  EXPECT_THROW((void)xc_metrics(predictions, {{0}}, {1}), Error);
  EXPECT_THROW((void)inverse_propensities({1}, 0), Error);
}

}  // namespace
}  // namespace tessera
