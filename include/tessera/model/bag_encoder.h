// BagEncoder: features -> dense vector by an embedding table, pooling and an optional linear
// projection (fastText's sentence vectors; "static embeddings" of sentence-transformers).
//
//   pooled (n x table_dim)  = pool_{j in bag} w_j * table[id_j]       (mean, sqrt-n or sum)
//   out    (n x output_dim) = pooled * projection (table_dim x output_dim), or pooled if none
//
// The table is a sparse-row Parameter (a training step touches few of its rows); the projection
// is a dense one. Kind "bag"; config {"features", "table_dim", "pooling", "projection_dim"}.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "tessera/model/encoder.h"

namespace tessera {

class BagEncoder final : public Encoder {
 public:
  // Zero-filled table (num_features x table_dim) and, when projection_dim > 0, projection
  // (table_dim x projection_dim). `name` prefixes the parameter names ("query" -> "query.table").
  BagEncoder(std::string name, int64_t num_features, int64_t table_dim, Pooling pooling,
             int64_t projection_dim = 0);
  // Takes existing weights (from a file); projection may be undefined (no projection).
  BagEncoder(std::string name, Tensor table, Pooling pooling, Tensor projection = {});

  // Fills every weight with N(0, stddev^2) draws from rng, table first then projection; the
  // values depend on rng alone, never on the thread count.
  void init_normal(float stddev, std::mt19937_64& rng);

  std::string_view kind() const override { return "bag"; }
  const std::string& name() const override { return name_; }
  EncoderInputKind input_kind() const override { return EncoderInputKind::kFeatures; }
  int64_t input_size() const override { return table_.value.dim(0); }
  int64_t output_dim() const override {
    return projection_ ? projection_->value.dim(1) : table_dim();
  }
  Var forward(Graph& graph, EncoderInput input) override;
  Tensor encode(const EncoderInput& input) const override;
  std::vector<Parameter*> parameters() override;
  using Encoder::parameters;
  std::string config_json() const override;

  int64_t table_dim() const { return table_.value.dim(1); }
  Pooling pooling() const { return pooling_; }
  bool has_projection() const { return projection_.has_value(); }
  const Parameter& table() const { return table_; }
  // Only when has_projection().
  const Parameter& projection() const { return *projection_; }

 private:
  std::string name_;
  Parameter table_;
  std::optional<Parameter> projection_;
  Pooling pooling_;
};

// N(0, stddev^2) draws into tensor from a seed drawn from rng (Box-Muller over SplitMix64
// streams, in fixed chunks): equal rng states give equal values everywhere, at any thread count.
void fill_normal(Tensor& tensor, float stddev, std::mt19937_64& rng);

}  // namespace tessera
