// Helpers shared by the core unit tests: seeded random tensors, tolerance comparisons, and thread
// count control.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/core/parameter.h"
#include "tessera/core/tensor.h"

namespace tessera::testing {

// Every test seeds its own generator, so a failure reproduces run after run.
class Rng {
 public:
  explicit Rng(uint32_t seed) : gen_(seed) {}
  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(gen_); }
  int32_t index(int32_t n) { return std::uniform_int_distribution<int32_t>(0, n - 1)(gen_); }

 private:
  std::mt19937 gen_;
};

Tensor random_tensor(std::initializer_list<int64_t> shape, Rng& rng, float lo = -1.0f,
                     float hi = 1.0f);
// Uniform in [-hi, -margin] U [margin, hi]: for ops with a kink at 0 (relu), where a central
// difference straddling the kink would be meaningless.
Tensor random_away_from_zero(std::initializer_list<int64_t> shape, Rng& rng, float margin,
                             float hi = 1.0f);
// Fills every row of t (a view or not) with fresh random values.
void fill_random(Tensor& t, Rng& rng, float lo = -1.0f, float hi = 1.0f);

// |a - b| <= rel * max(|a|, |b|) + abs.
inline bool near(double a, double b, double rel, double abs) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return std::abs(a - b) <= rel * scale + abs;
}

// Element-wise comparison of a tensor (any layout) against expected values in row order; the
// message names the first mismatches and their indices.
::testing::AssertionResult tensor_near(const Tensor& actual, const std::vector<double>& expected,
                                       double rel, double abs);
::testing::AssertionResult tensor_near(const Tensor& actual, const Tensor& expected, double rel,
                                       double abs);
// Bit-for-bit equality (same shape, same floats).
::testing::AssertionResult tensor_identical(const Tensor& a, const Tensor& b);

// Adds `values` (row i is the gradient of table row rows[i]) to a sparse-row parameter's
// gradient through the public PendingRows interface, as an op's backward would.
void add_sparse_grad(Parameter& p, const std::vector<int32_t>& rows, const Tensor& values);
// A sparse gradient written out as a dense (table_rows x dim) tensor.
Tensor densify(SparseRowGrad& grad);

// Row-order values of a tensor in double.
std::vector<double> to_double(const Tensor& t);

// Sets the pool size for one test and restores the previous size afterwards (tests share one
// process when the binary is run directly, and the pool is process-wide).
class ScopedNumThreads {
 public:
  explicit ScopedNumThreads(int n);
  ~ScopedNumThreads();
  ScopedNumThreads(const ScopedNumThreads&) = delete;
  ScopedNumThreads& operator=(const ScopedNumThreads&) = delete;

 private:
  int previous_;
};

// Aborts the process with a message when it is not destroyed within `limit`: a deadlock in the
// thread pool would otherwise hang the test run. Use inside death tests (EXPECT_EXIT), so the
// abort fails one assertion instead of the whole binary.
class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds limit, std::string what);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("tessera-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Writes bytes as they are (creating subdirectories); returns the path.
  std::string write(const std::string& name, std::string_view bytes) const {
    const std::string target = file(name);
    std::filesystem::create_directories(std::filesystem::path(target).parent_path());
    std::ofstream out(target, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return target;
  }

 private:
  std::filesystem::path path_;
};

// The bytes of a file as a string (index_test_support.h has the vector form; other names, so
// the two inline functions never collide).
inline std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file_text(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs fn, expects a tessera::Error, and returns its message for further checks.
template <typename Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected tessera::Error";
  return {};
}

}  // namespace tessera::testing
