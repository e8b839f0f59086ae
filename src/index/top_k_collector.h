// TopKCollector: the k best (score, id) pairs of a stream whose ids arrive in ascending order,
// for the search kernels.
//
// A reservoir rather than a heap: candidates that beat the current threshold are appended to a
// buffer of 2k entries; when it fills, nth_element keeps the k best and the k-th becomes the new
// threshold. The scan loop is then one predictable comparison per candidate and amortized O(1)
// work per accepted one, instead of a heap's unpredictable log(k) sift (several times faster at
// BEIR's depths of 100-1000). Because ids ascend, a candidate that only ties the threshold ranks
// after the entry holding it and is rightly dropped.
//
// Order: `Better` says which of two (score, id) pairs ranks first (ties by lower id).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
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

template <typename Score, typename Order>
class TopKCollector {
 public:
  struct Entry {
    Score score;
    int64_t id;
  };

  // Starts a new stream. threshold: only candidates strictly better than it are wanted (the worst
  // possible score for all); with a tighter one the result is exact only if size() >= k in the
  // end.
  void reset(int64_t k, Score threshold) {
    k_ = static_cast<size_t>(k);
    entries_.clear();
    entries_.reserve(2 * k_);
    threshold_ = threshold;
  }
  void reset(int64_t k) { reset(k, Order::template worst_possible<Score>()); }

  // Candidates held (at most 2k).
  size_t size() const { return entries_.size(); }

  // A candidate must be strictly better than this to be kept: the worst possible score until the
  // first 2k candidates have been seen (so a score equal to it, e.g. -infinity, is never kept).
  // The scan loop keeps a copy and refreshes it when add() returns true.
  Score threshold() const { return threshold_; }

  // Adds a candidate strictly better than threshold() (ids ascending); returns true when the
  // threshold changed.
  bool add(Score score, int64_t id) {
    entries_.push_back(Entry{score, id});
    if (entries_.size() < 2 * k_) return false;
    keep_best();
    return true;
  }

  // Writes the k slots of one result row, best first; slots beyond the entries get the pads.
  void drain(Score* scores, int64_t* ids, Score pad_score) {
    if (entries_.size() > k_) keep_best();
    std::sort(entries_.begin(), entries_.end(), Before());
    for (size_t i = 0; i < k_; ++i) {
      const bool filled = i < entries_.size();
      scores[i] = filled ? entries_[i].score : pad_score;
      ids[i] = filled ? entries_[i].id : -1;
    }
    entries_.clear();
  }

 private:
  // A function object (not a function pointer), so that sort and nth_element inline it.
  struct Before {
    bool operator()(const Entry& a, const Entry& b) const {
      return Order::strictly_better(a.score, b.score) || (a.score == b.score && a.id < b.id);
    }
  };

  void keep_best() {
    std::nth_element(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(k_ - 1),
                     entries_.end(), Before());
    entries_.resize(k_);
    threshold_ = entries_[k_ - 1].score;
  }

  size_t k_ = 0;
  std::vector<Entry> entries_;
  Score threshold_{};
};

}  // namespace tessera::index_detail
