// SplitMix64 (Steele et al., "Fast splittable pseudorandom number generators", 2014): tiny
// state, so every chunk of work gets its own generator at no cost (a model's initial weights
// chunk by chunk, each training example from (seed, epoch, slot)), and results depend on the
// seed alone, never on thread scheduling. Fixed arithmetic, so equal seeds agree everywhere.
#pragma once

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace tessera {

class Random {
 public:
  using result_type = uint64_t;

  explicit Random(uint64_t seed = 0) : state_(seed) {}
  // A generator for the stream named by (seed, a, b): distinct streams for distinct tuples.
  static Random stream(uint64_t seed, uint64_t a, uint64_t b = 0) {
    Random r(seed);
    r.state_ = mix(r.state_ ^ mix(a + 0x9e3779b97f4a7c15ull)) ^ mix(b + 0xbf58476d1ce4e5b9ull);
    return r;
  }

  uint64_t operator()() {
    state_ += 0x9e3779b97f4a7c15ull;
    return mix(state_);
  }
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return std::numeric_limits<uint64_t>::max(); }

  // Uniform in [0, n) (n > 0), by Lemire's multiply-shift (bias below 2^-64 * n).
  uint64_t below(uint64_t n) {
    __extension__ using Wide = unsigned __int128;
    return static_cast<uint64_t>((static_cast<Wide>((*this)()) * n) >> 64);
  }
  // Uniform integer in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  uint64_t state() const { return state_; }

 private:
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  uint64_t state_;
};

// Fisher-Yates shuffle with Random (std::shuffle's result depends on the library).
template <typename T>
void shuffle(std::vector<T>& items, Random& random) {
  for (size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[random.below(i)]);
  }
}

}  // namespace tessera
