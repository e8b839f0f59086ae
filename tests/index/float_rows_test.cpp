// The float rescoring kernel against double-precision sums: every build (tests/CMakeLists.txt
// runs these again with TESSERA_SIMD=avx2 and =generic) must agree to rounding, for dims around
// the register widths and row counts around the groups of four.
#include "../../src/index/float_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../core/test_support.h"

namespace tessera::index_detail {
namespace {

TEST(FloatRows, EqualDotProductsToRounding) {
  testing::Rng rng(41);
  const FloatRowsDotFn rows_dot = float_rows_dot_kernel();
  for (const int64_t dim : {1, 7, 8, 9, 15, 16, 17, 64, 100, 256, 300}) {
    const int64_t num_rows = 40;
    std::vector<float> data(static_cast<size_t>(num_rows * dim));
    for (float& x : data) x = rng.uniform(-1, 1);
    std::vector<float> query(static_cast<size_t>(dim));
    for (float& x : query) x = rng.uniform(-1, 1);
    for (const int64_t n : {1, 3, 4, 5, 9, 23}) {
      std::vector<int64_t> rows;
      for (int64_t i = 0; i < n; ++i) rows.push_back(rng.index(static_cast<int32_t>(num_rows)));
      std::vector<float> out(static_cast<size_t>(n));
      rows_dot(query.data(), data.data(), dim, rows.data(), n, out.data());
      for (int64_t i = 0; i < n; ++i) {
        double expected = 0;
        for (int64_t c = 0; c < dim; ++c) {
          expected += double{query[static_cast<size_t>(c)]} *
                      data[static_cast<size_t>(rows[static_cast<size_t>(i)] * dim + c)];
        }
        ASSERT_NEAR(out[static_cast<size_t>(i)], expected, 1e-5 * std::sqrt(double(dim)))
            << "dim " << dim << " n " << n << " row " << i;
      }
    }
  }
}

}  // namespace
}  // namespace tessera::index_detail
