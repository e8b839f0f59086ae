// IdEncoder: one learned row per id, for entities that have no features of their own (labels,
// knowledge-graph entities and relations, items, users): StarSpace's "entity" with a single
// feature, the output layer of fastText's classifier seen as a tower.
//
//   out (n x dim) = table[id_i]     (each input item is exactly one id in [0, num_ids))
//
// The table is a sparse-row Parameter: a step that scores a few ids touches only their rows.
// Rows may have names (a classifier's label names, a graph's entity names), distinct and
// non-empty, saved with the encoder. Kind "id"; config {"ids", "dim"[, "names"]}.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tessera/model/encoder.h"

namespace tessera {

class IdEncoder final : public Encoder {
 public:
  // A zero-filled table of num_ids rows of dim.
  IdEncoder(std::string name, int64_t num_ids, int64_t dim);
  // Takes existing weights (num_ids x dim).
  IdEncoder(std::string name, Tensor table);

  // Fills the table with N(0, stddev^2) draws from rng (fill_normal of bag_encoder.h).
  void init_normal(float stddev, std::mt19937_64& rng);
  // Names the rows: one distinct, non-empty name per id (an Error otherwise); {} removes them.
  void set_names(std::vector<std::string> names);
  // The rows' names in id order, or empty when they have none.
  const std::vector<std::string>& names() const { return names_; }

  std::string_view kind() const override { return "id"; }
  const std::string& name() const override { return name_; }
  EncoderInputKind input_kind() const override { return EncoderInputKind::kIds; }
  int64_t input_size() const override { return table_.value.dim(0); }
  int64_t output_dim() const override { return table_.value.dim(1); }
  Var forward(Graph& graph, EncoderInput input) override;
  Tensor encode(const EncoderInput& input) const override;
  std::vector<Parameter*> parameters() override { return {&table_}; }
  using Encoder::parameters;
  std::string config_json() const override;

  const Parameter& table() const { return table_; }

 private:
  std::string name_;
  Parameter table_;
  std::vector<std::string> names_;
};

}  // namespace tessera
