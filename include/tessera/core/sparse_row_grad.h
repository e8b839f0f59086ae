// SparseRowGrad: the gradient of a table restricted to the rows a step touched.
//
// Rows get slots in first-touch order; slot s holds the gradient of table row rows()[s]. Ops
// add their part as PendingRows (row s += sum_e coef[e] * source.row(src[e])) and the sum is
// formed only when read: an optimizer walking for_each_row gets each row's gradient computed
// into a small per-thread buffer right before its update, so the gradient rows of a big batch
// never travel through memory (a 1024-pair step touches ~67k rows: 67 MB written and read
// again otherwise). values() forms every row at once, for inspection and tests.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

// One op's contribution, in CSR form by slot: slot s receives
// sum over e in [first_entry[s], first_entry[s + 1]) of coef[e] * source.row(src[e]).
// first_entry has one entry per slot existing when it was made, plus one.
struct PendingRows {
  Tensor source;
  std::vector<int32_t> first_entry;
  std::vector<int32_t> src;
  std::vector<float> coef;
};

class SparseRowGrad {
 public:
  // Prepares for a table of the given shape; drops any gradient held.
  void reset(int64_t table_rows, int64_t dim);
  int64_t table_rows() const { return static_cast<int64_t>(slot_of_row_.size()); }
  int64_t dim() const { return dim_; }
  int64_t size() const { return static_cast<int64_t>(rows_.size()); }
  std::span<const int32_t> rows() const { return rows_; }
  // Forgets every row (cost proportional to the rows touched).
  void clear();

  // Gives each id a slot, adding rows not seen yet; slots_out[i] is the slot of ids[i].
  void assign_slots(std::span<const int32_t> ids, std::vector<int32_t>& slots_out);
  // Adds a contribution over the current slots.
  void add(PendingRows rows);

  // Calls fn(slot, table_row, gradient) for every slot, in parallel; `gradient` (dim floats) is
  // the row's full gradient, in a buffer fn may overwrite.
  void for_each_row(const std::function<void(int64_t, int32_t, float*)>& fn);
  // Every row's gradient, (size x dim), formed now.
  Tensor values();
  const float* values_row(int64_t slot) { return values().row(slot); }

 private:
  void sum_row(int64_t slot, float* out) const;
  void materialize();

  std::vector<int32_t> slot_of_row_;  // -1 for rows without gradient
  std::vector<int32_t> rows_;
  std::vector<PendingRows> pending_;
  Tensor values_;  // capacity x dim; rows [0, materialized_) are summed
  int64_t materialized_ = 0;
  int64_t dim_ = 0;
};

}  // namespace tessera
