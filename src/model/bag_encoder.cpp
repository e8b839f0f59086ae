#include "tessera/model/bag_encoder.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "tessera/core/check.h"
#include "tessera/core/matmul.h"
#include "tessera/core/parallel.h"
#include "tessera/core/random.h"

namespace tessera {

// Box-Muller over SplitMix64 streams (core/random.h): std::normal_distribution differs between
// standard libraries, and a seed must give the same model everywhere. The tensor is filled in
// fixed chunks, each from its own stream seeded by one draw of rng and the chunk's index, so it
// fills in parallel and the values do not depend on the thread count.
void fill_normal(Tensor& tensor, float stddev, std::mt19937_64& rng) {
  TESSERA_CHECK(stddev >= 0.0f && std::isfinite(stddev), "init stddev {} is invalid", stddev);
  constexpr int64_t kChunk = 1 << 16;  // even, so Box-Muller pairs never straddle chunks
  const uint64_t seed = rng();
  float* data = tensor.data();
  const int64_t n = tensor.numel();
  parallel_for((n + kChunk - 1) / kChunk, [&](int64_t begin, int64_t end, int) {
    for (int64_t chunk = begin; chunk < end; ++chunk) {
      Random random(seed ^ (static_cast<uint64_t>(chunk) * 0xd1b54a32d192ed03ull));
      constexpr double kScale = 1.0 / 9007199254740992.0;  // 2^-53
      auto uniform = [&] {                                 // (0, 1)
        return (static_cast<double>(random() >> 11) + 0.5) * kScale;
      };
      const int64_t last = std::min(n, (chunk + 1) * kChunk);
      for (int64_t i = chunk * kChunk; i < last; i += 2) {
        const double radius = std::sqrt(-2.0 * std::log(uniform()));
        const double angle = 2.0 * std::numbers::pi * uniform();
        data[i] = static_cast<float>(stddev * radius * std::cos(angle));
        if (i + 1 < last) data[i + 1] = static_cast<float>(stddev * radius * std::sin(angle));
      }
    }
  });
}

namespace {

Tensor zero_table(const std::string& name, int64_t num_features, int64_t table_dim) {
  TESSERA_CHECK(num_features > 0 && table_dim > 0,
                "bag encoder '{}' needs a positive feature count and dim, got {} x {}", name,
                num_features, table_dim);
  return Tensor::zeros({num_features, table_dim});
}

}  // namespace

BagEncoder::BagEncoder(std::string name, int64_t num_features, int64_t table_dim, Pooling pooling,
                       int64_t projection_dim)
    : BagEncoder(name, zero_table(name, num_features, table_dim), pooling,
                 projection_dim > 0 ? Tensor::zeros({table_dim, projection_dim}) : Tensor()) {
  TESSERA_CHECK(projection_dim >= 0, "bag encoder '{}': projection dim {} is negative", name,
                projection_dim);
}

BagEncoder::BagEncoder(std::string name, Tensor table, Pooling pooling, Tensor projection)
    : name_(std::move(name)),
      table_(Parameter::sparse_rows(name_ + ".table", std::move(table))),
      pooling_(pooling) {
  if (projection.defined()) {
    TESSERA_CHECK(projection.ndim() == 2 && projection.dim(0) == table_dim(),
                  "bag encoder '{}': projection {} does not take the table's {} columns", name_,
                  projection.shape_string(), table_dim());
    projection_ = Parameter::dense(name_ + ".projection", std::move(projection));
  }
}

void BagEncoder::init_normal(float stddev, std::mt19937_64& rng) {
  fill_normal(table_.value, stddev, rng);
  if (projection_) fill_normal(projection_->value, stddev, rng);
}

Var BagEncoder::forward(Graph& graph, EncoderInput input) {
  Var out = embedding_bag(graph, table_, std::move(input.bags), pooling_);
  if (projection_) out = matmul(out, graph.param(*projection_));
  return out;
}

Tensor BagEncoder::encode(const EncoderInput& input) const {
  const Bags& bags = input.bags;
  Tensor pooled = Tensor::empty({bags.size(), table_dim()});
  embedding_bag_forward(table_.value, bags, pooling_, pooled);
  if (!projection_ || bags.size() == 0) {
    return projection_ ? Tensor::zeros({bags.size(), output_dim()}) : pooled;
  }
  return matmul(pooled, projection_->value);
}

std::vector<Parameter*> BagEncoder::parameters() {
  std::vector<Parameter*> out{&table_};
  if (projection_) out.push_back(&*projection_);
  return out;
}

std::string BagEncoder::config_json() const {
  return nlohmann::json{{"features", input_size()},
                        {"table_dim", table_dim()},
                        {"pooling", name_of(pooling_)},
                        {"projection_dim", projection_ ? output_dim() : 0}}
      .dump();
}

}  // namespace tessera
