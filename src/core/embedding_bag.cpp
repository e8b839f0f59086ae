#include "tessera/core/embedding_bag.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/parallel.h"

namespace tessera {

void Bags::add(std::span<const int32_t> bag_ids, std::span<const float> bag_weights) {
  TESSERA_CHECK(bag_weights.empty() || bag_weights.size() == bag_ids.size(),
                "a bag of {} ids got {} weights", bag_ids.size(), bag_weights.size());
  TESSERA_CHECK(bag_weights.empty() == weights.empty() || ids.empty(),
                "either every bag of a batch has weights or none has");
  ids.insert(ids.end(), bag_ids.begin(), bag_ids.end());
  weights.insert(weights.end(), bag_weights.begin(), bag_weights.end());
  offsets.push_back(static_cast<int64_t>(ids.size()));
}

void Bags::clear() {
  ids.clear();
  offsets.assign(1, 0);
  weights.clear();
}

void Bags::check(int64_t table_rows) const {
  TESSERA_CHECK(!offsets.empty() && offsets.front() == 0 &&
                    offsets.back() == static_cast<int64_t>(ids.size()),
                "bag offsets must start at 0 and end at the id count {}", ids.size());
  for (size_t b = 1; b < offsets.size(); ++b) {
    TESSERA_CHECK(offsets[b] >= offsets[b - 1], "bag offsets decrease at bag {}", b - 1);
  }
  TESSERA_CHECK(weights.empty() || weights.size() == ids.size(), "{} weights for {} ids",
                weights.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    TESSERA_CHECK(ids[i] >= 0 && ids[i] < table_rows,
                  "bag id {} at position {} is outside the table's {} rows", ids[i], i,
                  table_rows);
  }
}

namespace {

float pool_factor(Pooling pooling, int64_t n) {
  if (n == 0) return 0.0f;
  switch (pooling) {
    case Pooling::kSum:
      return 1.0f;
    case Pooling::kMean:
      return 1.0f / static_cast<float>(n);
    case Pooling::kSqrtN:
      return 1.0f / std::sqrt(static_cast<float>(n));
  }
  return 1.0f;
}

float weight_at(const Bags& bags, int64_t i) {
  return bags.weights.empty() ? 1.0f : bags.weights[static_cast<size_t>(i)];
}

// Cache lines of the row `ahead` ids further on are requested while this row is summed: rows
// are scattered over a table far larger than the caches.
constexpr int64_t kPrefetchAhead = 4;

void prefetch_row(const float* row, int64_t dim) {
  for (int64_t i = 0; i < dim; i += 16) __builtin_prefetch(row + i);
}

}  // namespace

void SparseRowGrad::reset(int64_t table_rows, int64_t dim) {
  slot_of_row_.assign(static_cast<size_t>(table_rows), -1);
  rows_.clear();
  dim_ = dim;
  values_ = Tensor();
}

Tensor SparseRowGrad::values() const {
  if (rows_.empty()) return Tensor::zeros({0, dim_});
  return values_.slice_rows(0, size());
}

void SparseRowGrad::clear() {
  for (int32_t r : rows_) slot_of_row_[static_cast<size_t>(r)] = -1;
  rows_.clear();
}

void SparseRowGrad::reserve(int64_t rows, int64_t filled_rows) {
  const int64_t capacity = values_.defined() ? values_.dim(0) : 0;
  if (rows <= capacity) return;
  Tensor grown = Tensor::empty({std::max(rows, capacity * 2), dim_});
  if (filled_rows > 0) {
    grown.slice_rows(0, filled_rows).copy_from(values_.slice_rows(0, filled_rows));
  }
  values_ = grown;
}

void SparseRowGrad::assign_slots(std::span<const int32_t> ids, std::vector<int32_t>& slots_out) {
  const int64_t filled_rows = size();
  slots_out.resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    int32_t& slot = slot_of_row_[static_cast<size_t>(ids[i])];
    if (slot < 0) {
      slot = static_cast<int32_t>(rows_.size());
      rows_.push_back(ids[i]);
    }
    slots_out[i] = slot;
  }
  reserve(size(), filled_rows);
}

void embedding_bag_forward(const Tensor& table, const Bags& bags, Pooling pooling, Tensor& out) {
  const int64_t dim = table.cols();
  TESSERA_CHECK(table.ndim() == 2, "embedding table must be 2-d, got {}", table.shape_string());
  TESSERA_CHECK(out.ndim() == 2 && out.dim(0) == bags.size() && out.dim(1) == dim,
                "embedding_bag output is {}, expected [{}, {}]", out.shape_string(), bags.size(),
                dim);
  bags.check(table.dim(0));
  const auto& k = kernels::active();
  parallel_for(
      bags.size(),
      [&](int64_t begin, int64_t end, int) {
        for (int64_t b = begin; b < end; ++b) {
          float* dst = out.row(b);
          std::memset(dst, 0, static_cast<size_t>(dim) * sizeof(float));
          const int64_t first = bags.offsets[b], last = bags.offsets[b + 1];
          const float factor = pool_factor(pooling, last - first);
          for (int64_t i = first; i < last; ++i) {
            if (i + kPrefetchAhead < last) {
              prefetch_row(table.row(bags.ids[i + kPrefetchAhead]), dim);
            }
            k.axpy(weight_at(bags, i) * factor, table.row(bags.ids[i]), dst, dim);
          }
        }
      },
      8);
}

void embedding_bag_backward(const Bags& bags, Pooling pooling, const Tensor& dout,
                            SparseRowGrad& grad) {
  const int64_t dim = grad.dim();
  TESSERA_CHECK(dout.ndim() == 2 && dout.dim(0) == bags.size() && dout.dim(1) == dim,
                "embedding_bag gradient is {}, expected [{}, {}]", dout.shape_string(),
                bags.size(), dim);
  const int64_t n_ids = static_cast<int64_t>(bags.ids.size());
  const int64_t prior_rows = grad.size();

  // Scratch kept across calls: a training step calls this with similar sizes every time. Bound
  // to plain references because a thread_local named inside the worker lambda would be the
  // worker's own (empty) copy.
  thread_local std::vector<int32_t> tl_slot_of_id, tl_bag_of_id, tl_first_entry, tl_entries;
  std::vector<int32_t>& slot_of_id = tl_slot_of_id;
  std::vector<int32_t>& bag_of_id = tl_bag_of_id;
  std::vector<int32_t>& first_entry = tl_first_entry;
  std::vector<int32_t>& entries = tl_entries;
  grad.assign_slots(bags.ids, slot_of_id);
  bag_of_id.resize(static_cast<size_t>(n_ids));
  for (int64_t b = 0; b < bags.size(); ++b) {
    std::fill(bag_of_id.begin() + bags.offsets[b], bag_of_id.begin() + bags.offsets[b + 1],
              static_cast<int32_t>(b));
  }

  // Counting sort of the ids by slot, so each gradient row is written by one thread in one pass,
  // summing its contributions in the order they appear in the batch (deterministic).
  const int64_t slots = grad.size();
  first_entry.assign(static_cast<size_t>(slots + 1), 0);
  for (int64_t i = 0; i < n_ids; ++i) ++first_entry[static_cast<size_t>(slot_of_id[i]) + 1];
  for (int64_t s = 0; s < slots; ++s) first_entry[s + 1] += first_entry[s];
  entries.resize(static_cast<size_t>(n_ids));
  {
    std::vector<int32_t> fill(first_entry.begin(), first_entry.end() - 1);
    for (int64_t i = 0; i < n_ids; ++i) entries[fill[slot_of_id[i]]++] = static_cast<int32_t>(i);
  }

  const auto& k = kernels::active();
  parallel_for(
      slots,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t s = begin; s < end; ++s) {
          const int32_t from = first_entry[s], to = first_entry[s + 1];
          if (from == to) continue;
          float* dst = grad.values_row(s);
          for (int32_t e = from; e < to; ++e) {
            const int32_t i = entries[e];
            const int32_t b = bag_of_id[i];
            const float coef = weight_at(bags, i) *
                               pool_factor(pooling, bags.offsets[b + 1] - bags.offsets[b]);
            if (e == from && s >= prior_rows) {
              k.scale_into(coef, dout.row(b), dst, dim);
            } else {
              k.axpy(coef, dout.row(b), dst, dim);
            }
          }
        }
      },
      64);
}

void embedding_bag_backward_dense(const Bags& bags, Pooling pooling, const Tensor& dout,
                                  Tensor& dtable) {
  TESSERA_CHECK(dout.dim(0) == bags.size() && dout.cols() == dtable.cols(),
                "embedding_bag gradient is {} for {} bags and table {}", dout.shape_string(),
                bags.size(), dtable.shape_string());
  bags.check(dtable.dim(0));
  for (int64_t b = 0; b < bags.size(); ++b) {
    const float factor = pool_factor(pooling, bags.offsets[b + 1] - bags.offsets[b]);
    for (int64_t i = bags.offsets[b]; i < bags.offsets[b + 1]; ++i) {
      kernels::axpy(weight_at(bags, i) * factor, dout.row(b), dtable.row(bags.ids[i]),
                    dtable.cols());
    }
  }
}

}  // namespace tessera
