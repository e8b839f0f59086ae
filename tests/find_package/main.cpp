// Uses the installed library through its public headers only; exits non-zero on a wrong result.
#include <cmath>
#include <cstdio>
#include <exception>

#include "tessera/core/matmul.h"
#include "tessera/core/parallel.h"
#include "tessera/core/tensor.h"
#include "tessera/version.h"  // generated at configure time; must be installed too

namespace {

int failures = 0;

void expect_near(float got, float want, const char* what) {
  if (std::fabs(got - want) > 1e-4f * (1.0f + std::fabs(want))) {
    std::fprintf(stderr, "FAIL %s: got %g, want %g\n", what, got, want);
    ++failures;
  }
}

}  // namespace

int main() {
  try {
    // [[1 2 3] [4 5 6]] x [[7 8] [9 10] [11 12]] = [[58 64] [139 154]], by hand.
    const tessera::Tensor a = tessera::Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
    const tessera::Tensor b = tessera::Tensor::from({3, 2}, {7, 8, 9, 10, 11, 12});
    tessera::Tensor c = tessera::Tensor::zeros({2, 2});
    tessera::matmul(a, b, c);
    expect_near(c.at({0, 0}), 58, "c[0,0]");
    expect_near(c.at({0, 1}), 64, "c[0,1]");
    expect_near(c.at({1, 0}), 139, "c[1,0]");
    expect_near(c.at({1, 1}), 154, "c[1,1]");

    // A product big enough to be split across the thread pool, against the naive reference.
    tessera::set_num_threads(2);
    const int64_t n = 160;
    tessera::Tensor x = tessera::Tensor::zeros({n, n});
    tessera::Tensor y = tessera::Tensor::zeros({n, n});
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        x.at({i, j}) = static_cast<float>((i * 7 + j * 3) % 11) - 5.0f;
        y.at({i, j}) = static_cast<float>((i * 5 + j * 2) % 13) - 6.0f;
      }
    }
    const tessera::Tensor fast = tessera::matmul(x, y, false, true);
    tessera::Tensor slow = tessera::Tensor::zeros({n, n});
    tessera::matmul_naive(x, y, slow, false, true);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) expect_near(fast.at({i, j}), slow.at({i, j}), "x * y^T");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAIL: %s\n", e.what());
    return 1;
  }
  if (failures > 0) return 1;
  std::printf("find_package(tessera) %s consumer: ok\n", TESSERA_VERSION);
  return 0;
}
