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
inline uint32_t monotonic_bits(float score) {
  const auto bits = std::bit_cast<uint32_t>(score == 0.0f ? 0.0f : score);
  return (bits >> 31) != 0 ? ~bits : bits | 0x80000000u;
}
inline float from_monotonic_bits(uint32_t bits) {
  return std::bit_cast<float>((bits >> 31) != 0 ? bits & 0x7fffffffu : ~bits);
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

// Keeps the k best candidates, sorted best first (BetterCandidate). Float scores with ids in
// [0, 2^32) are ranked as one 64-bit integer each (the score's bits made monotonic, above the
// id), which takes one compare where a (score, id) pair takes up to three. keys: scratch.
template <typename Score, typename Order>
void keep_best_sorted(std::vector<ScoredId<Score>>& candidates, size_t k,
                      std::vector<uint64_t>& keys) {
  if constexpr (std::is_same_v<Score, float>) {
    const bool small_ids = std::all_of(candidates.begin(), candidates.end(), [](const auto& c) {
      return (static_cast<uint64_t>(c.id) >> 32) == 0;
    });
    if (small_ids) {
      keys.resize(candidates.size());
      for (size_t i = 0; i < candidates.size(); ++i) {
        keys[i] = ranking_detail::key_of<Order>(candidates[i]);
      }
      if (keys.size() > k) {
        std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(k - 1),
                         keys.end());
        keys.resize(k);
      }
      std::sort(keys.begin(), keys.end());
      candidates.resize(keys.size());
      for (size_t i = 0; i < keys.size(); ++i) {
        candidates[i] = ranking_detail::from_key<Order>(keys[i]);
      }
      return;
    }
  }
  const BetterCandidate<Score, Order> better;
  if (candidates.size() > k) {
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k - 1),
                     candidates.end(), better);
    candidates.resize(k);
  }
  std::sort(candidates.begin(), candidates.end(), better);
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

  // Writes the k slots of one result row, best first; slots beyond the entries get the pads.
  void drain(Score* scores, int64_t* ids, Score pad_score) {
    keep_best_sorted<Score, Order>(entries_, k_, keys_);
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
