#include "tessera/core/sparse_row_grad.h"

#include <algorithm>
#include <cstring>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/parallel.h"

namespace tessera {

void SparseRowGrad::reset(int64_t table_rows, int64_t dim) {
  slot_of_row_.assign(static_cast<size_t>(table_rows), -1);
  rows_.clear();
  pending_.clear();
  values_ = Tensor();
  materialized_ = 0;
  dim_ = dim;
}

void SparseRowGrad::clear() {
  for (int32_t r : rows_) slot_of_row_[static_cast<size_t>(r)] = -1;
  rows_.clear();
  pending_.clear();
  materialized_ = 0;
}

void SparseRowGrad::assign_slots(std::span<const int32_t> ids, std::vector<int32_t>& slots_out) {
  slots_out.resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    TESSERA_CHECK(ids[i] >= 0 && static_cast<size_t>(ids[i]) < slot_of_row_.size(),
                  "row {} outside a table of {} rows", ids[i], slot_of_row_.size());
    int32_t& slot = slot_of_row_[static_cast<size_t>(ids[i])];
    if (slot < 0) {
      slot = static_cast<int32_t>(rows_.size());
      rows_.push_back(ids[i]);
    }
    slots_out[i] = slot;
  }
}

void SparseRowGrad::add(PendingRows rows) {
  TESSERA_CHECK(static_cast<int64_t>(rows.first_entry.size()) == size() + 1,
                "pending rows cover {} slots, the gradient has {}", rows.first_entry.size() - 1,
                size());
  TESSERA_CHECK(rows.src.size() == rows.coef.size() &&
                    static_cast<size_t>(rows.first_entry.back()) == rows.src.size(),
                "pending rows: {} sources, {} coefficients, {} entries", rows.src.size(),
                rows.coef.size(), rows.first_entry.back());
  TESSERA_CHECK(rows.source.cols() == dim_, "pending rows of width {} for a table of width {}",
                rows.source.cols(), dim_);
  pending_.push_back(std::move(rows));
}

void SparseRowGrad::sum_row(int64_t slot, float* out) const {
  const auto& k = kernels::active();
  bool written = false;
  if (slot < materialized_) {
    if (out != values_.row(slot)) {
      std::memcpy(out, values_.row(slot), static_cast<size_t>(dim_) * sizeof(float));
    }
    written = true;
  }
  for (const PendingRows& p : pending_) {
    if (slot + 1 >= static_cast<int64_t>(p.first_entry.size())) continue;
    for (int32_t e = p.first_entry[slot]; e < p.first_entry[slot + 1]; ++e) {
      const float* source = p.source.row(p.src[e]);
      if (written) {
        k.axpy(p.coef[e], source, out, dim_);
      } else {
        k.scale_into(p.coef[e], source, out, dim_);
        written = true;
      }
    }
  }
  if (!written) std::memset(out, 0, static_cast<size_t>(dim_) * sizeof(float));
}

void SparseRowGrad::materialize() {
  if (pending_.empty() && materialized_ == size()) return;
  const int64_t capacity = values_.defined() ? values_.dim(0) : 0;
  if (size() > capacity) {
    Tensor grown = Tensor::empty({std::max(size(), capacity * 2), dim_});
    if (materialized_ > 0) {
      grown.slice_rows(0, materialized_).copy_from(values_.slice_rows(0, materialized_));
    }
    values_ = grown;
  }
  parallel_for(
      size(),
      [&](int64_t begin, int64_t end, int) {
        for (int64_t s = begin; s < end; ++s) sum_row(s, values_.row(s));
      },
      64);
  pending_.clear();
  materialized_ = size();
}

Tensor SparseRowGrad::values() {
  materialize();
  if (size() == 0) return Tensor::zeros({0, dim_});
  return values_.slice_rows(0, size());
}

void SparseRowGrad::for_each_row(const std::function<void(int64_t, int32_t, float*)>& fn) {
  if (pending_.empty() && materialized_ < size()) materialize();  // rows given no gradient
  const bool summed = pending_.empty();
  parallel_for_dynamic(
      size(),
      [&](int64_t begin, int64_t end, int) {
        std::vector<float> buffer(summed ? 0 : static_cast<size_t>(dim_));
        for (int64_t s = begin; s < end; ++s) {
          float* g = summed ? values_.row(s) : buffer.data();
          if (!summed) sum_row(s, g);
          fn(s, rows_[static_cast<size_t>(s)], g);
        }
      },
      256);
}

}  // namespace tessera
