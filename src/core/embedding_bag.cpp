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
  // An empty bag carries no weights either way (a text whose tokens were all filtered out).
  TESSERA_CHECK(bag_ids.empty() || ids.empty() || bag_weights.empty() == weights.empty(),
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
                  "bag id {} at position {} is outside the table's {} rows", ids[i], i, table_rows);
  }
}

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

namespace {

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

void embedding_bag_forward(const Tensor& table, const Bags& bags, Pooling pooling, Tensor& out) {
  const int64_t dim = table.cols();
  TESSERA_CHECK(table.ndim() == 2, "embedding table must be 2-d, got {}", table.shape_string());
  TESSERA_CHECK(out.ndim() == 2 && out.dim(0) == bags.size() && out.dim(1) == dim,
                "embedding_bag output is {}, expected [{}, {}]", out.shape_string(), bags.size(),
                dim);
  bags.check(table.dim(0));
  const auto& k = kernels::active();
  parallel_for_dynamic(
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
      32);
}

void embedding_bag_backward(const Bags& bags, Pooling pooling, const Tensor& dout,
                            SparseRowGrad& grad) {
  const int64_t dim = grad.dim();
  TESSERA_CHECK(dout.ndim() == 2 && dout.dim(0) == bags.size() && dout.dim(1) == dim,
                "embedding_bag gradient is {}, expected [{}, {}]", dout.shape_string(), bags.size(),
                dim);
  const int64_t n_ids = static_cast<int64_t>(bags.ids.size());
  thread_local std::vector<int32_t> slot_of_id;
  grad.assign_slots(bags.ids, slot_of_id);

  // Counting sort of the ids by slot: each gradient row is later summed by one thread in one
  // pass, in the order its ids appear in the batch (deterministic).
  const int64_t slots = grad.size();
  PendingRows pending;
  pending.source = dout;
  pending.first_entry.assign(static_cast<size_t>(slots + 1), 0);
  for (int64_t i = 0; i < n_ids; ++i) ++pending.first_entry[static_cast<size_t>(slot_of_id[i]) + 1];
  for (int64_t s = 0; s < slots; ++s) pending.first_entry[s + 1] += pending.first_entry[s];
  pending.src.resize(static_cast<size_t>(n_ids));
  pending.coef.resize(static_cast<size_t>(n_ids));
  std::vector<int32_t> next(pending.first_entry.begin(), pending.first_entry.end() - 1);
  for (int64_t b = 0; b < bags.size(); ++b) {
    const float factor = pool_factor(pooling, bags.offsets[b + 1] - bags.offsets[b]);
    for (int64_t i = bags.offsets[b]; i < bags.offsets[b + 1]; ++i) {
      const int32_t e = next[static_cast<size_t>(slot_of_id[i])]++;
      pending.src[e] = static_cast<int32_t>(b);
      pending.coef[e] = weight_at(bags, i) * factor;
    }
  }
  grad.add(std::move(pending));
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
