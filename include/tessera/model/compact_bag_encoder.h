// CompactBagEncoder: a BagEncoder (bag_encoder.h) whose table holds the rows of some features
// only; a feature without a row is left out of the text, as fastText's pruned dictionary leaves
// it out, so mean pooling averages over the others. Two things make one:
//   - training over hashed buckets (ModelOptions::feature_rows): rows only for the features the
//     training texts hold, so the table, its optimizer state and the file grow with the data,
//     not with the hash space (an untrained row would only add its random start to a text);
//   - tessera quantize (compact_model.h; fastText's `quantize -cutoff`): the most useful rows,
//     perhaps stored as int8 codes with one scale per row (row ~ code * scale, scale = max
//     |row| / 127).
//
//   pooled (n x table_dim)  = pool_{j in bag, j has a row} w_j * row(j)
//   out    (n x output_dim) = pooled * projection, or pooled if none
//
// A float table trains as a BagEncoder's does (sparse row gradients); int8 codes are for
// inference only (forward() is an Error). Kind "compact_bag"; config {"features", "rows",
// "table_dim", "pooling", "projection_dim", "int8"}; tensors "<name>.feature_ids" (I32 [rows],
// ascending: the feature of each row; absent when every feature has its row), "<name>.table"
// (F32 [rows, table_dim]), or "<name>.codes" (I8 [rows, table_dim]) and "<name>.scales" (F32
// [rows]) with int8, and "<name>.projection".
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tessera/model/encoder.h"

namespace tessera {

class CompactBagEncoder final : public Encoder {
 public:
  // The rows and how they are stored.
  struct Table {
    // Feature id of each row, ascending, in [0, features); empty: row i is feature i and every
    // feature has one.
    std::vector<int32_t> feature_ids;
    Tensor rows;      // F32 (rows x table_dim), or undefined with
    IntTensor codes;  // I8 (rows x table_dim)
    Tensor scales;    // F32 (rows)
  };
  // Checks that the parts agree (shapes, ids ascending and below features, scales finite and
  // non-negative); an Error naming the encoder otherwise.
  CompactBagEncoder(std::string name, int64_t features, Table table, Pooling pooling,
                    Tensor projection = {});

  std::string_view kind() const override { return "compact_bag"; }
  const std::string& name() const override { return name_; }
  EncoderInputKind input_kind() const override { return EncoderInputKind::kFeatures; }
  int64_t input_size() const override { return features_; }
  int64_t output_dim() const override {
    return projection_ ? projection_->value.dim(1) : table_dim_;
  }
  // Fills the float table and the projection with N(0, stddev^2) draws from rng (as
  // BagEncoder::init_normal); an Error with int8 codes.
  void init_normal(float stddev, std::mt19937_64& rng);

  // An Error with int8 codes, which do not train.
  Var forward(Graph& graph, EncoderInput input) override;
  Tensor encode(const EncoderInput& input) const override;
  // Its float tensors: table (trainable, sparse rows) or scales (int8: not for training), and
  // projection.
  std::vector<Parameter*> parameters() override;
  using Encoder::parameters;
  std::map<std::string, const IntTensor*> int_tensors() const override;
  std::string config_json() const override;

  int64_t rows() const { return rows_; }
  int64_t table_dim() const { return table_dim_; }
  bool int8() const { return !table_.has_value(); }
  Pooling pooling() const { return pooling_; }
  // The row of feature id, or -1 when the feature has none.
  int64_t row_of(int32_t id) const;
  // The feature of each row, ascending.
  std::vector<int32_t> feature_ids() const;
  // Only when !int8().
  const Parameter& table() const { return *table_; }
  bool has_projection() const { return projection_.has_value(); }
  // Only when has_projection().
  const Parameter& projection() const { return *projection_; }

 private:
  // bags with each id replaced by its row and the ids without one left out (weights follow);
  // only with feature_ids_.
  Bags rows_of(const Bags& bags) const;
  // pooled = the bags pooled over the int8 rows.
  void pool_int8(const Bags& bags, Tensor& pooled) const;

  std::string name_;
  int64_t features_ = 0;
  int64_t rows_ = 0;
  int64_t table_dim_ = 0;
  std::optional<IntTensor> feature_ids_;  // I32 [rows]; none when every feature has its row
  // With feature_ids_ and float rows: each feature's row, or -1 (int8 rows binary-search).
  std::vector<int32_t> row_of_;
  std::optional<Parameter> table_;  // F32 rows
  IntTensor codes_;                 // I8 rows
  std::optional<Parameter> scales_;
  std::optional<Parameter> projection_;
  Pooling pooling_;
};

}  // namespace tessera
