// HammingCollector: the k nearest (distance, id) pairs of a stream whose ids arrive in ascending
// order, a run of distances at a time, the distances small integers in [0, max_distance]
// (Hamming distances).
//
// The same reservoir as TopKCollector (top_k_collector.h), but without pairwise comparisons: the
// codes of a run below the threshold are collected by compress stores, and the k best of the
// reservoir are found by counting (hamming_select.h): the k-th smallest distance t by a binary
// search over distances, then one stable pass keeps every entry below t and the first ones at t
// (the lowest ids, since ids ascend). A sorted result comes from a counting sort, stable by id.
// No branch depends on a distance, so none mispredicts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hamming_select.h"

namespace tessera::index_detail {

class HammingCollector {
 public:
  // The most distances add() takes at once.
  static constexpr int64_t kMaxRun = 256;

  // Starts a new stream. threshold: only distances below it are wanted (max_distance + 1 for
  // all); with a tighter one the result is exact only if size() >= k in the end. A guessed
  // threshold lets through about 2k candidates in all, so the reservoir then holds 4k before it
  // is cut: most streams are cut once, when drained.
  void reset(int64_t k, int32_t max_distance, int32_t threshold) {
    k_ = k;
    capacity_ = (threshold <= max_distance ? 4 : 2) * k;
    const auto room = static_cast<size_t>(capacity_ + kMaxRun + kSelectSlack);
    if (distances_.size() < room) {
      distances_.resize(room);
      ids_.resize(room);
    }
    size_ = 0;
    max_distance_ = max_distance;
    threshold_ = threshold;
  }
  void reset(int64_t k, int32_t max_distance) { reset(k, max_distance, max_distance + 1); }

  // Candidates held.
  int64_t size() const { return size_; }

  // A candidate is kept only when its distance is below this.
  int32_t threshold() const { return threshold_; }

  // Adds the codes [first, first + n) (n <= kMaxRun, after every code added before) with
  // distances[0, n) below threshold(), skipping those removed (null: none).
  void add(const uint16_t* distances, int64_t n, int64_t first, const uint8_t* removed) {
    size_ += select_->collect(distances, n, first, threshold_, removed, distances_.data() + size_,
                              ids_.data() + size_);
    if (size_ >= capacity_) keep_best();
  }

  // Writes the k slots of one result row, pads the rest: nearest first (ties by lower id) when
  // sorted, else the same ones in any order.
  void drain(int32_t* distances, int64_t* ids, int32_t pad_distance, bool sorted) {
    if (size_ > k_) keep_best();
    if (sorted) {
      counts_.assign(static_cast<size_t>(max_distance_) + 2, 0);
      for (int64_t i = 0; i < size_; ++i) ++counts_[distances_[static_cast<size_t>(i)] + 1u];
      for (size_t d = 1; d < counts_.size(); ++d) counts_[d] += counts_[d - 1];
      for (int64_t i = 0; i < size_; ++i) {  // counts_[d] is now the first slot of distance d
        const uint16_t distance = distances_[static_cast<size_t>(i)];
        const auto slot = static_cast<size_t>(counts_[distance]++);
        distances[slot] = distance;
        ids[slot] = ids_[static_cast<size_t>(i)];
      }
    } else {
      std::copy(distances_.begin(), distances_.begin() + size_, distances);
      std::copy(ids_.begin(), ids_.begin() + size_, ids);
    }
    std::fill(distances + size_, distances + k_, pad_distance);
    std::fill(ids + size_, ids + k_, int64_t{-1});
    size_ = 0;
  }

 private:
  void keep_best() {
    // Every entry came in below a threshold then, and the threshold only falls to a distance
    // kept: none is above the current one.
    const int32_t highest = std::min(max_distance_, threshold_);
    const KthDistance kth = select_->kth_distance(distances_.data(), size_, k_, highest);
    size_ = select_->keep(distances_.data(), ids_.data(), size_, kth.distance, k_ - kth.below);
    threshold_ = kth.distance;
  }

  const HammingSelect* select_ = &hamming_select();
  int64_t k_ = 0;
  int64_t capacity_ = 0;
  int64_t size_ = 0;
  int32_t max_distance_ = 0;
  int32_t threshold_ = 0;
  std::vector<uint16_t> distances_;  // the reservoir, with room for a run and kSelectSlack
  std::vector<int64_t> ids_;
  std::vector<int32_t> counts_;  // per distance, for the counting sort (one more for offsets)
};

}  // namespace tessera::index_detail
