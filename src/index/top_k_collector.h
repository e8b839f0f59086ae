// TopKCollector: the k best (score, id) pairs of a stream whose ids arrive in ascending order,
// for the search kernels.
//
// A reservoir rather than a heap: candidates that beat the current threshold are appended to a
// buffer of 2k entries (4k from a guessed threshold); when it fills, nth_element keeps the k best
// and the k-th becomes the new threshold. The scan loop is then one predictable comparison per
// candidate and amortized O(1) work per accepted one, instead of a heap's unpredictable log(k) sift
// (several times faster at BEIR's depths of 100-1000). Because ids ascend, a candidate that only
// ties the threshold ranks after the entry holding it and is rightly dropped.
//
// Order: HigherScoreFirst or LowerDistanceFirst says which of two scores ranks first (ties by
// lower id). keep_best_sorted ranks any set of candidates in that order (the funnel's rescored
// shortlist too).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "small_sort.h"

namespace tessera::index_detail {

// Higher score first, then lower id (inner products).
struct HigherScoreFirst {
  template <typename Score>
  static bool strictly_better(Score a, Score b) {
    return a > b;
  }
  template <typename Score>
  static Score worst_possible() {
    return std::numeric_limits<Score>::has_infinity ? -std::numeric_limits<Score>::infinity()
                                                    : std::numeric_limits<Score>::lowest();
  }
};

// Lower distance first, then lower id (Hamming distances).
struct LowerDistanceFirst {
  template <typename Score>
  static bool strictly_better(Score a, Score b) {
    return a < b;
  }
  template <typename Score>
  static Score worst_possible() {
    return std::numeric_limits<Score>::has_infinity ? std::numeric_limits<Score>::infinity()
                                                    : std::numeric_limits<Score>::max();
  }
};

// A candidate: its score and id.
template <typename Score>
struct ScoredId {
  Score score;
  int64_t id;
};

// Order on candidates: the better score first, then the lower id.
template <typename Score, typename Order>
struct BetterCandidate {
  bool operator()(const ScoredId<Score>& a, const ScoredId<Score>& b) const {
    return Order::strictly_better(a.score, b.score) || (a.score == b.score && a.id < b.id);
  }
};

namespace ranking_detail {

// Increasing with the score (-0 as +0, which compare equal; scores are never NaN).
// Without branches, so that loops over scores vectorize: -0 + 0 is +0 in IEEE arithmetic; the
// sign bit, spread, flips every bit of a negative score and only the sign bit of the others.
inline uint32_t monotonic_bits(float score) {
  const auto bits = std::bit_cast<uint32_t>(score + 0.0f);
  const auto sign = static_cast<uint32_t>(static_cast<int32_t>(bits) >> 31);
  return bits ^ (sign | 0x80000000u);
}
inline float from_monotonic_bits(uint32_t bits) {
  const uint32_t flip = (bits >> 31) != 0 ? 0x80000000u : 0xffffffffu;
  return std::bit_cast<float>(bits ^ flip);
}

// Ascending keys are BetterCandidate's order: the better score above the id (below 2^32).
template <typename Order>
uint64_t key_of(const ScoredId<float>& c) {
  uint32_t bits = monotonic_bits(c.score);
  if (Order::strictly_better(1.0f, 0.0f)) bits = ~bits;  // higher scores first
  return uint64_t{bits} << 32 | static_cast<uint64_t>(c.id);
}
template <typename Order>
ScoredId<float> from_key(uint64_t key) {
  auto bits = static_cast<uint32_t>(key >> 32);
  if (Order::strictly_better(1.0f, 0.0f)) bits = ~bits;
  return {from_monotonic_bits(bits), static_cast<int64_t>(key & 0xffffffffu)};
}

}  // namespace ranking_detail

// From this many candidates on, keep_best_sorted sorts them all without comparisons: in AVX-512
// registers (small_sort.h) up to kSmallSortMax where the CPU can, by radix sort otherwise.
inline constexpr size_t kRadixSortMin = 64;

// Sorts keys[0, n) ascending: LSD radix sort, stable, with no data-dependent branches (a
// comparison sort of a few hundred scores mispredicts about every other compare). Bits on which
// all keys agree (the high bits of small ids, the exponent of similar scores) take no pass. keys
// holds 2n entries: the second half is scratch.
inline void radix_sort_keys(std::vector<uint64_t>& keys, size_t n) {
  uint64_t all_and = ~uint64_t{0}, all_or = 0;
  for (size_t i = 0; i < n; ++i) {
    all_and &= keys[i];
    all_or |= keys[i];
  }
  const uint64_t varying = all_and ^ all_or;
  if (varying == 0) return;
  // Digits of about log2(n) bits (at least 6, at most 8): a pass costs its bins plus two visits
  // of each key, and fewer bins than keys keep the bins' part small. Each digit starts at a bit
  // that varies.
  const int digit_bits = std::clamp(static_cast<int>(std::bit_width(n)), 6, 8);
  const uint32_t digit_mask = (1u << digit_bits) - 1;
  const int lowest = std::countr_zero(varying);
  const int highest = 63 - std::countl_zero(varying);
  uint64_t* from = keys.data();
  uint64_t* to = keys.data() + n;
  for (int shift = lowest; shift <= highest;) {
    uint32_t offsets[256] = {};
    for (size_t i = 0; i < n; ++i) ++offsets[(from[i] >> shift) & digit_mask];
    uint32_t sum = 0;
    for (uint32_t d = 0; d <= digit_mask; ++d) {
      const uint32_t count = offsets[d];
      offsets[d] = sum;
      sum += count;
    }
    for (size_t i = 0; i < n; ++i) to[offsets[(from[i] >> shift) & digit_mask]++] = from[i];
    std::swap(from, to);
    shift += digit_bits;  // then on to the next bit that varies
    if (shift > highest) break;
    shift += std::countr_zero(varying >> shift);
  }
  if (from != keys.data()) std::copy(from, from + n, keys.data());
}

// Moves the k smallest of keys[0, n) to keys[0, k), in any order (k < n): MSD radix select on the
// bytes that vary, keeping whole bins below the one that holds the k-th and going
// on into that bin alone. keys holds 2n entries: the second half is scratch.
inline void radix_select_keys(std::vector<uint64_t>& keys, size_t n, size_t k) {
  uint64_t* region = keys.data();  // unresolved keys; [0, kept) of keys are in
  uint64_t* scratch = keys.data() + n;
  size_t size = n, kept = 0;
  while (kept < k) {
    uint64_t all_and = ~uint64_t{0}, all_or = 0;
    for (size_t i = 0; i < size; ++i) {
      all_and &= region[i];
      all_or |= region[i];
    }
    const uint64_t varying = all_and ^ all_or;
    if (varying == 0 || size <= k - kept) {  // one key left, or every key is in
      std::copy(region, region + (k - kept), keys.data() + kept);
      return;
    }
    const int shift = (63 - std::countl_zero(varying)) / 8 * 8;
    uint32_t counts[256] = {};
    for (size_t i = 0; i < size; ++i) ++counts[(region[i] >> shift) & 0xff];
    uint32_t bin = 0;
    size_t below = 0;
    while (below + counts[bin] < k - kept) below += counts[bin++];
    size_t in_bin = 0;
    for (size_t i = 0; i < size; ++i) {  // writes stay behind the reads of region
      const uint64_t key = region[i];
      const uint32_t digit = (key >> shift) & 0xff;
      if (digit < bin) keys[kept++] = key;
      if (digit == bin) scratch[in_bin++] = key;
    }
    region = scratch;
    size = in_bin;
  }
}

// The order keep_best_sorted leaves its candidates in.
enum class KeptOrder { kBestFirst, kAny };

// Moves the k smallest of keys[0, n) to keys[0, kept), kept = min(k, n), ascending or in any
// order: by a network in AVX-512 registers up to kSmallSortMax, without comparisons (radix) when
// more (several times faster than nth_element and sort at the funnel's and BEIR's depths), by
// std::sort when few and no AVX-512; in any order, radix-selected. keys holds 2n entries: the
// second half is scratch.
inline size_t keep_smallest_keys(std::vector<uint64_t>& keys, size_t n, size_t k, KeptOrder order) {
  const size_t kept = std::min(k, n);
  if (order == KeptOrder::kAny) {
    if (n > k) radix_select_keys(keys, n, k);
  } else if (const SmallSortFn small_sort = small_sort_kernel();
             n >= 1 && n <= kSmallSortMax && small_sort != nullptr) {
    small_sort(keys.data(), n, keys.data() + n);
    std::copy(keys.begin() + static_cast<std::ptrdiff_t>(n),
              keys.begin() + static_cast<std::ptrdiff_t>(n + kept), keys.begin());
  } else if (n >= kRadixSortMin) {
    radix_sort_keys(keys, n);
  } else {
    if (n > k) {
      std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(k - 1),
                       keys.begin() + static_cast<std::ptrdiff_t>(n));
    }
    std::sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(kept));
  }
  return kept;
}

// Keeps the k best candidates, sorted best first (BetterCandidate), or in any order. Float scores
// with ids in [0, 2^32) are ranked as one 64-bit integer each (the score's bits made monotonic,
// above the id) by keep_smallest_keys; others by comparisons. keys: scratch.
template <typename Score, typename Order>
void keep_best_sorted(std::vector<ScoredId<Score>>& candidates, size_t k,
                      std::vector<uint64_t>& keys, KeptOrder order = KeptOrder::kBestFirst) {
  if constexpr (std::is_same_v<Score, float>) {
    const bool small_ids = std::all_of(candidates.begin(), candidates.end(), [](const auto& c) {
      return (static_cast<uint64_t>(c.id) >> 32) == 0;
    });
    if (small_ids) {
      const size_t n = candidates.size();
      keys.resize(2 * n);
      for (size_t i = 0; i < n; ++i) keys[i] = ranking_detail::key_of<Order>(candidates[i]);
      const size_t kept = keep_smallest_keys(keys, n, k, order);
      candidates.resize(kept);
      for (size_t i = 0; i < kept; ++i) candidates[i] = ranking_detail::from_key<Order>(keys[i]);
      return;
    }
  }
  const BetterCandidate<Score, Order> better;
  if (candidates.size() > k) {
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k - 1),
                     candidates.end(), better);
    candidates.resize(k);
  }
  if (order == KeptOrder::kBestFirst) std::sort(candidates.begin(), candidates.end(), better);
}

// The n candidates (scores[j], ids[j]) with an id >= 0, best first (BetterCandidate), into
// out_scores and out_ids: at most k of them; returns how many. As keep_best_sorted, without
// going through ScoredId (a funnel ranks its rescored shortlist so, once per query).
// keys, fallback: scratch.
template <typename Order>
size_t rank_best(const float* scores, const int64_t* ids, size_t n, size_t k, float* out_scores,
                 int64_t* out_ids, std::vector<uint64_t>& keys,
                 std::vector<ScoredId<float>>& fallback) {
  keys.resize(2 * n);
  size_t valid = 0;
  uint64_t high_bits = 0;           // of the valid ids: nonzero when one is 2^32 or more
  for (size_t j = 0; j < n; ++j) {  // branch-free: the -1 slots are overwritten
    keys[valid] = ranking_detail::key_of<Order>({scores[j], ids[j]});
    const bool listed = ids[j] >= 0;
    high_bits |= listed ? static_cast<uint64_t>(ids[j]) >> 32 : 0;
    valid += listed ? 1 : 0;
  }
  if (high_bits != 0) {
    fallback.clear();
    for (size_t j = 0; j < n; ++j) {
      if (ids[j] >= 0) fallback.push_back({scores[j], ids[j]});
    }
    keep_best_sorted<float, Order>(fallback, k, keys);
    for (size_t j = 0; j < fallback.size(); ++j) {
      out_scores[j] = fallback[j].score;
      out_ids[j] = fallback[j].id;
    }
    return fallback.size();
  }
  const size_t kept = keep_smallest_keys(keys, valid, k, KeptOrder::kBestFirst);
  for (size_t j = 0; j < kept; ++j) {
    const ScoredId<float> best = ranking_detail::from_key<Order>(keys[j]);
    out_scores[j] = best.score;
    out_ids[j] = best.id;
  }
  return kept;
}

template <typename Score, typename Order>
class TopKCollector {
 public:
  using Entry = ScoredId<Score>;

  // Starts a new stream. threshold: only candidates strictly better than it are wanted (the worst
  // possible score for all); with a tighter one the result is exact only if size() >= k in the
  // end. A guessed threshold lets through about 2k candidates in all, so the reservoir then holds
  // 4k before it is cut: most streams are cut once, when drained.
  void reset(int64_t k, Score threshold) {
    k_ = static_cast<size_t>(k);
    const bool guessed = threshold != Order::template worst_possible<Score>();
    capacity_ = (guessed ? 4 : 2) * k_;
    entries_.clear();
    entries_.reserve(capacity_);
    threshold_ = threshold;
  }
  void reset(int64_t k) { reset(k, Order::template worst_possible<Score>()); }

  // Candidates held (fewer than the reservoir's capacity).
  size_t size() const { return entries_.size(); }

  // A candidate must be strictly better than this to be kept: the worst possible score (or the
  // guess) until the reservoir first fills (so a score equal to it, e.g. -infinity, is never
  // kept). The scan loop keeps a copy and refreshes it when add() returns true.
  Score threshold() const { return threshold_; }

  // Adds a candidate strictly better than threshold() (ids ascending); returns true when the
  // threshold changed.
  bool add(Score score, int64_t id) {
    entries_.push_back(Entry{score, id});
    if (entries_.size() < capacity_) return false;
    keep_best();
    return true;
  }

  // Writes the k slots of one result row, best first (or in any order); slots beyond the entries
  // get the pads.
  void drain(Score* scores, int64_t* ids, Score pad_score,
             KeptOrder order = KeptOrder::kBestFirst) {
    keep_best_sorted<Score, Order>(entries_, k_, keys_, order);
    for (size_t i = 0; i < k_; ++i) {
      const bool filled = i < entries_.size();
      scores[i] = filled ? entries_[i].score : pad_score;
      ids[i] = filled ? entries_[i].id : -1;
    }
    entries_.clear();
  }

 private:
  void keep_best() {
    // A function object (not a function pointer), so that nth_element inlines it.
    std::nth_element(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(k_ - 1),
                     entries_.end(), BetterCandidate<Score, Order>());
    entries_.resize(k_);
    threshold_ = entries_[k_ - 1].score;
  }

  size_t k_ = 0;
  size_t capacity_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint64_t> keys_;  // keep_best_sorted's scratch
  Score threshold_{};
};

}  // namespace tessera::index_detail
