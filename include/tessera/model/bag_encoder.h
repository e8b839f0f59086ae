// BagEncoder: features -> dense vector by an embedding table, pooling and an optional linear
// projection (fastText's sentence vectors; "static embeddings" of sentence-transformers).
//
//   pooled (n x table_dim)  = pool_{j in bag} w_j * table[id_j]       (mean or sqrt-n)
//   out    (n x output_dim) = pooled * projection (table_dim x output_dim), or pooled if none
//
// The table is a sparse-row Parameter (a training step touches few of its rows); the projection
// is a dense one. encode is const and safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "tessera/core/embedding_bag.h"
#include "tessera/core/parameter.h"
#include "tessera/core/tensor.h"

namespace tessera {

class BagEncoder {
 public:
  // Zero-filled table (num_features x table_dim) and, when projection_dim > 0, projection
  // (table_dim x projection_dim). `name` prefixes the parameter names ("query" -> "query.table").
  BagEncoder(const std::string& name, int64_t num_features, int64_t table_dim, Pooling pooling,
             int64_t projection_dim = 0);
  // Takes existing weights (from a file); projection may be undefined (no projection).
  BagEncoder(const std::string& name, Tensor table, Pooling pooling, Tensor projection = {});

  // Fills every weight with N(0, stddev^2) draws from rng, table first then projection.
  void init_normal(float stddev, std::mt19937_64& rng);

  // bags (n bags, ids < num_features) -> out (n x output_dim), unnormalized.
  Tensor encode(const Bags& bags) const;

  int64_t num_features() const { return table_.value.dim(0); }
  int64_t table_dim() const { return table_.value.dim(1); }
  int64_t output_dim() const { return projection_ ? projection_->value.dim(1) : table_dim(); }
  Pooling pooling() const { return pooling_; }
  bool has_projection() const { return projection_.has_value(); }

  Parameter& table() { return table_; }
  const Parameter& table() const { return table_; }
  // Only when has_projection().
  Parameter& projection() { return *projection_; }
  const Parameter& projection() const { return *projection_; }

 private:
  Parameter table_;
  std::optional<Parameter> projection_;
  Pooling pooling_;
};

}  // namespace tessera
