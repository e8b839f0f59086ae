// CompactBagEncoder: a BagEncoder made small for inference (tessera quantize; fastText's
// `quantize -cutoff`): its table keeps the rows of some features only, and may hold them as int8
// codes with one scale per row (row ~ code * scale, scale = max |row| / 127).
//
//   pooled (n x table_dim)  = pool_{j in bag, j kept} w_j * row(j)   (mean over the kept ids,
//                             as fastText's pruned dictionary drops the others from the text)
//   out    (n x output_dim) = pooled * projection, or pooled if none
//
// Inference only: forward() is an Error (train the full model, then compact it). Kind
// "compact_bag"; config {"features", "rows", "table_dim", "pooling", "projection_dim", "int8"};
// tensors "<name>.feature_ids" (I32 [rows], ascending: the feature of each row; absent when
// every feature has its row), "<name>.table" (F32 [rows, table_dim]), or "<name>.codes" (I8
// [rows, table_dim]) and "<name>.scales" (F32 [rows]) with int8, and "<name>.projection".
#pragma once

#include <cstdint>
#include <optional>
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
  // An Error: a compact encoder does not train.
  Var forward(Graph& graph, EncoderInput input) override;
  Tensor encode(const EncoderInput& input) const override;
  // Its float tensors (table or scales, projection), for saving; not for training.
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

 private:
  std::string name_;
  int64_t features_ = 0;
  int64_t rows_ = 0;
  int64_t table_dim_ = 0;
  std::optional<IntTensor> feature_ids_;  // I32 [rows]; none when every feature has its row
  std::optional<Parameter> table_;        // F32 rows
  IntTensor codes_;                       // I8 rows
  std::optional<Parameter> scales_;
  std::optional<Parameter> projection_;
  Pooling pooling_;
};

}  // namespace tessera
