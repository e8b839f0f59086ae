// Embedding-bag: rows of a table gathered and pooled per bag, with sparse row gradients.
//
// This is the first layer of every bag-of-features encoder (fastText, StarSpace, static
// sentence embeddings). A batch touches a few thousand rows of a table that may hold millions, so
// the backward pass produces a SparseRowGrad (the touched row ids and one gradient row each),
// and an untouched row costs nothing per step.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tessera/core/enum_names.h"
#include "tessera/core/sparse_row_grad.h"
#include "tessera/core/tensor.h"

namespace tessera {

enum class Pooling {
  kSum,    // sum_j w_j * e_j
  kMean,   // sum_j w_j * e_j / n
  kSqrtN,  // sum_j w_j * e_j / sqrt(n)   (n = number of ids in the bag; empty bag -> 0)
};
inline constexpr EnumName<Pooling> kPoolingNames[] = {
    {Pooling::kSum, "sum"}, {Pooling::kMean, "mean"}, {Pooling::kSqrtN, "sqrt_n"}};
template <>
inline constexpr EnumNames<Pooling> enum_names<Pooling> = kPoolingNames;

// What pooling multiplies a bag's weighted sum of n rows by: 1, 1/n or 1/sqrt(n); 0 when n = 0.
float pool_factor(Pooling pooling, int64_t n);

// A batch of bags in CSR form: bag b holds ids[offsets[b] .. offsets[b + 1]) with optional
// per-id weights (empty = all 1).
struct Bags {
  std::vector<int32_t> ids;
  std::vector<int64_t> offsets{0};
  std::vector<float> weights;

  int64_t size() const { return static_cast<int64_t>(offsets.size()) - 1; }
  void add(std::span<const int32_t> bag_ids, std::span<const float> bag_weights = {});
  void clear();
  // Checks offsets, weight count and that every id is a row of a table of table_rows rows.
  void check(int64_t table_rows) const;
};

// out (bags x dim) = pooled rows of table (table_rows x dim).
void embedding_bag_forward(const Tensor& table, const Bags& bags, Pooling pooling, Tensor& out);

// grad += d(table) given d(out) (bags x dim), touching only the rows the bags hold. The rows'
// sums are left pending in grad (see SparseRowGrad); dout's storage is kept alive there.
void embedding_bag_backward(const Bags& bags, Pooling pooling, const Tensor& dout,
                            SparseRowGrad& grad);

// Dense reference: dtable (table_rows x dim) += d(table). For tests.
void embedding_bag_backward_dense(const Bags& bags, Pooling pooling, const Tensor& dout,
                                  Tensor& dtable);

}  // namespace tessera
