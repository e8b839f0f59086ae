#include "tessera/model/compact_bag_encoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <numeric>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/core/matmul.h"
#include "tessera/core/parallel.h"
#include "tessera/model/bag_encoder.h"

namespace tessera {

CompactBagEncoder::CompactBagEncoder(std::string name, int64_t features, Table table,
                                     Pooling pooling, Tensor projection)
    : name_(std::move(name)), features_(features), pooling_(pooling) {
  const bool int8 = !table.rows.defined();
  if (int8) {
    TESSERA_CHECK(table.codes.type() == ElementType::kI8 && table.codes.shape().size() == 2,
                  "compact encoder '{}': int8 codes must be a 2-d I8 tensor", name_);
    rows_ = table.codes.shape()[0];
    table_dim_ = table.codes.shape()[1];
    TESSERA_CHECK(
        table.scales.defined() && table.scales.ndim() == 1 && table.scales.dim(0) == rows_,
        "compact encoder '{}': {} rows of codes need as many scales", name_, rows_);
    for (int64_t r = 0; r < rows_; ++r) {
      const float scale = table.scales.data()[r];
      TESSERA_CHECK(std::isfinite(scale) && scale >= 0.0f,
                    "compact encoder '{}': row {} has scale {}", name_, r, scale);
    }
    codes_ = std::move(table.codes);
    scales_ = Parameter::dense(name_ + ".scales", std::move(table.scales));
  } else {
    TESSERA_CHECK(table.rows.ndim() == 2, "compact encoder '{}': table {} is not 2-d", name_,
                  table.rows.shape_string());
    rows_ = table.rows.dim(0);
    table_dim_ = table.rows.dim(1);
    table_ = Parameter::sparse_rows(name_ + ".table", std::move(table.rows));
  }
  TESSERA_CHECK(features_ > 0 && rows_ > 0 && table_dim_ > 0,
                "compact encoder '{}' needs features, rows and dims, got {} features, {} x {}",
                name_, features_, rows_, table_dim_);
  if (table.feature_ids.empty()) {
    TESSERA_CHECK(rows_ == features_,
                  "compact encoder '{}': {} rows without feature ids for {} features", name_, rows_,
                  features_);
  } else {
    TESSERA_CHECK(static_cast<int64_t>(table.feature_ids.size()) == rows_,
                  "compact encoder '{}': {} feature ids for {} rows", name_,
                  table.feature_ids.size(), rows_);
    for (size_t i = 0; i < table.feature_ids.size(); ++i) {
      const int32_t id = table.feature_ids[i];
      TESSERA_CHECK(id >= 0 && id < features_ && (i == 0 || id > table.feature_ids[i - 1]),
                    "compact encoder '{}': feature id {} at row {} is not ascending in [0, {})",
                    name_, id, i, features_);
    }
    feature_ids_ = IntTensor::of_i32({rows_}, table.feature_ids);
    if (table_) {  // float rows train: a direct map; int8 ones stay small and binary-search
      row_of_.assign(static_cast<size_t>(features_), -1);
      for (size_t r = 0; r < table.feature_ids.size(); ++r) {
        row_of_[static_cast<size_t>(table.feature_ids[r])] = static_cast<int32_t>(r);
      }
    }
  }
  if (projection.defined()) {
    TESSERA_CHECK(projection.ndim() == 2 && projection.dim(0) == table_dim_,
                  "compact encoder '{}': projection {} does not take the table's {} columns", name_,
                  projection.shape_string(), table_dim_);
    projection_ = Parameter::dense(name_ + ".projection", std::move(projection));
  }
}

void CompactBagEncoder::init_normal(float stddev, std::mt19937_64& rng) {
  TESSERA_CHECK(table_.has_value(), "encoder '{}' holds int8 codes, which are not initialized",
                name_);
  fill_normal(table_->value, stddev, rng);
  if (projection_) fill_normal(projection_->value, stddev, rng);
}

Var CompactBagEncoder::forward(Graph& graph, EncoderInput input) {
  TESSERA_CHECK(table_.has_value(),
                "encoder '{}' holds int8 codes (tessera quantize --int8), for inference only: "
                "train the model it was made from",
                name_);
  input.bags.check(features_);
  Bags rows = feature_ids_ ? rows_of(input.bags) : std::move(input.bags);
  Var out = embedding_bag(graph, *table_, std::move(rows), pooling_);
  if (projection_) out = matmul(out, graph.param(*projection_));
  return out;
}

int64_t CompactBagEncoder::row_of(int32_t id) const {
  if (!feature_ids_) return id;
  if (id < 0 || id >= features_) return -1;
  if (!row_of_.empty()) return row_of_[static_cast<size_t>(id)];
  const std::span<const int32_t> ids = feature_ids_->i32();
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  return it != ids.end() && *it == id ? it - ids.begin() : -1;
}

std::vector<int32_t> CompactBagEncoder::feature_ids() const {
  if (feature_ids_) return {feature_ids_->i32().begin(), feature_ids_->i32().end()};
  std::vector<int32_t> out(static_cast<size_t>(rows_));
  std::iota(out.begin(), out.end(), 0);
  return out;
}

Bags CompactBagEncoder::rows_of(const Bags& bags) const {
  Bags out;
  out.ids.reserve(bags.ids.size());
  out.weights.reserve(bags.weights.size());
  out.offsets.reserve(bags.offsets.size());
  for (int64_t b = 0; b < bags.size(); ++b) {
    for (int64_t i = bags.offsets[b]; i < bags.offsets[b + 1]; ++i) {
      const int32_t row = row_of_[static_cast<size_t>(bags.ids[i])];
      if (row < 0) continue;
      out.ids.push_back(row);
      if (!bags.weights.empty()) out.weights.push_back(bags.weights[i]);
    }
    out.offsets.push_back(static_cast<int64_t>(out.ids.size()));
  }
  return out;
}

namespace {

// y += a * codes: int8 widened to float (the compiler vectorizes the loop).
void axpy_int8(float a, const int8_t* codes, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * static_cast<float>(codes[i]);
}

}  // namespace

void CompactBagEncoder::pool_int8(const Bags& bags, Tensor& pooled) const {
  const int64_t dim = table_dim_;
  const int8_t* codes = codes_.i8().data();
  const float* scales = scales_->value.data();
  parallel_for_dynamic(
      bags.size(),
      [&](int64_t begin, int64_t end, int) {
        std::vector<std::pair<int64_t, float>> kept;  // (row, weight) of the bag's kept ids
        for (int64_t b = begin; b < end; ++b) {
          kept.clear();
          for (int64_t i = bags.offsets[b]; i < bags.offsets[b + 1]; ++i) {
            const int64_t row = row_of(bags.ids[i]);
            if (row >= 0) kept.emplace_back(row, bags.weights.empty() ? 1.0f : bags.weights[i]);
          }
          float* dst = pooled.row(b);
          std::memset(dst, 0, static_cast<size_t>(dim) * sizeof(float));
          const float factor = pool_factor(pooling_, static_cast<int64_t>(kept.size()));
          for (const auto& [row, weight] : kept) {
            axpy_int8(weight * factor * scales[row], codes + row * dim, dst, dim);
          }
        }
      },
      32);
}

Tensor CompactBagEncoder::encode(const EncoderInput& input) const {
  const Bags& bags = input.bags;
  bags.check(features_);
  Tensor pooled = Tensor::empty({bags.size(), table_dim_});
  if (table_ && feature_ids_) {
    embedding_bag_forward(table_->value, rows_of(bags), pooling_, pooled);
  } else if (table_) {
    embedding_bag_forward(table_->value, bags, pooling_, pooled);
  } else {
    pool_int8(bags, pooled);
  }
  if (!projection_) return pooled;
  if (bags.size() == 0) return Tensor::zeros({0, output_dim()});
  return matmul(pooled, projection_->value);
}

std::vector<Parameter*> CompactBagEncoder::parameters() {
  std::vector<Parameter*> out;
  if (table_) out.push_back(&*table_);
  if (scales_) out.push_back(&*scales_);
  if (projection_) out.push_back(&*projection_);
  return out;
}

std::map<std::string, const IntTensor*> CompactBagEncoder::int_tensors() const {
  std::map<std::string, const IntTensor*> out;
  if (feature_ids_) out.emplace(name_ + ".feature_ids", &*feature_ids_);
  if (!table_) out.emplace(name_ + ".codes", &codes_);
  return out;
}

std::string CompactBagEncoder::config_json() const {
  return nlohmann::json{{"features", features_},
                        {"rows", rows_},
                        {"table_dim", table_dim_},
                        {"pooling", name_of(pooling_)},
                        {"projection_dim", projection_ ? output_dim() : 0},
                        {"int8", int8()}}
      .dump();
}

}  // namespace tessera
