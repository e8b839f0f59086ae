// HammingCollector: the k nearest (distance, id) pairs of a stream whose ids arrive in ascending
// order and whose distances are small integers in [0, max_distance] (Hamming distances).
//
// The same reservoir as TopKCollector (top_k_collector.h), but the k best of the reservoir are
// found by counting instead of nth_element: a histogram of the distances gives the k-th smallest
// distance t, then one stable pass keeps every entry below t and the first ones at t (the lowest
// ids, since ids ascend). The final order comes from a counting sort, stable by id. No pairwise
// comparisons, so no branch mispredictions: several times faster at the shortlist depths of a
// binary funnel (100-1000 of a few thousand to millions of codes).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace tessera::index_detail {

class HammingCollector {
 public:
  // Starts a new stream. threshold: only distances below it are wanted (max_distance + 1 for
  // all); with a tighter one the result is exact only if size() >= k in the end. A guessed
  // threshold lets through about 2k candidates in all, so the reservoir then holds 4k before it
  // is cut: most streams are cut once, when drained.
  void reset(int64_t k, int32_t max_distance, int32_t threshold) {
    k_ = static_cast<size_t>(k);
    capacity_ = (threshold <= max_distance ? 4 : 2) * k_;
    entries_.clear();
    entries_.reserve(capacity_);
    counts_.assign(static_cast<size_t>(max_distance) + 2, 0);
    threshold_ = threshold;
  }
  void reset(int64_t k, int32_t max_distance) { reset(k, max_distance, max_distance + 1); }

  // Candidates held (fewer than the reservoir's capacity).
  size_t size() const { return entries_.size(); }

  // A candidate is kept only when its distance is below this.
  int32_t threshold() const { return threshold_; }

  // Adds a candidate below threshold() (ids ascending); true when the threshold changed.
  [[gnu::always_inline]] bool add(int32_t distance, int64_t id) {
    entries_.push_back(Entry{distance, id});
    if (entries_.size() < capacity_) return false;
    keep_best();
    return true;
  }

  // Writes the k slots of one result row, nearest first (ties by lower id); pads the rest.
  void drain(int32_t* distances, int64_t* ids, int32_t pad_distance) {
    if (entries_.size() > k_) keep_best();
    std::fill(counts_.begin(), counts_.end(), 0);
    for (const Entry& e : entries_) ++counts_[static_cast<size_t>(e.distance) + 1];
    for (size_t d = 1; d < counts_.size(); ++d) counts_[d] += counts_[d - 1];
    for (const Entry& e : entries_) {  // counts_[d] is now the first slot of distance d
      const auto slot = static_cast<size_t>(counts_[static_cast<size_t>(e.distance)]++);
      distances[slot] = e.distance;
      ids[slot] = e.id;
    }
    for (size_t i = entries_.size(); i < k_; ++i) {
      distances[i] = pad_distance;
      ids[i] = -1;
    }
    entries_.clear();
  }

 private:
  struct Entry {
    int32_t distance;
    int64_t id;
  };

  [[gnu::noinline]] void keep_best() {
    std::fill(counts_.begin(), counts_.end(), 0);
    for (const Entry& e : entries_) ++counts_[static_cast<size_t>(e.distance)];
    size_t below = 0;  // entries nearer than t
    int32_t t = 0;
    while (below + static_cast<size_t>(counts_[static_cast<size_t>(t)]) < k_) {
      below += static_cast<size_t>(counts_[static_cast<size_t>(t)]);
      ++t;
    }
    size_t at_t = k_ - below;  // entries at distance t kept: the first (lowest ids)
    size_t kept = 0;
    for (const Entry& e : entries_) {
      if (e.distance < t || (e.distance == t && at_t > 0)) {
        if (e.distance == t) --at_t;
        entries_[kept++] = e;
      }
    }
    entries_.resize(kept);
    threshold_ = t;
  }

  size_t k_ = 0;
  size_t capacity_ = 0;
  std::vector<Entry> entries_;
  std::vector<int32_t> counts_;  // per distance (one more slot for the counting sort's offsets)
  int32_t threshold_ = 0;
};

}  // namespace tessera::index_detail
