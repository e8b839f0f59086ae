#include "tessera/model/id_encoder.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/model/bag_encoder.h"

namespace tessera {

namespace {

Tensor zero_rows(const std::string& name, int64_t num_ids, int64_t dim) {
  TESSERA_CHECK(num_ids > 0 && dim > 0,
                "id encoder '{}' needs a positive id count and dim, got {} x {}", name, num_ids,
                dim);
  return Tensor::zeros({num_ids, dim});
}

// Every item of an id encoder's input is a single id, weight 1.
void check_single_ids(const std::string& name, const Bags& bags) {
  for (int64_t b = 0; b < bags.size(); ++b) {
    const int64_t n =
        bags.offsets[static_cast<size_t>(b) + 1] - bags.offsets[static_cast<size_t>(b)];
    TESSERA_CHECK(n == 1, "id encoder '{}': item {} holds {} ids, not one", name, b, n);
  }
  for (const float w : bags.weights) {
    TESSERA_CHECK(w == 1.0f, "id encoder '{}': ids carry no weights (found {})", name, w);
  }
}

}  // namespace

IdEncoder::IdEncoder(std::string name, int64_t num_ids, int64_t dim)
    : IdEncoder(name, zero_rows(name, num_ids, dim)) {}

IdEncoder::IdEncoder(std::string name, Tensor table)
    : name_(std::move(name)), table_(Parameter::sparse_rows(name_ + ".table", std::move(table))) {}

void IdEncoder::init_normal(float stddev, std::mt19937_64& rng) {
  fill_normal(table_.value, stddev, rng);
}

Var IdEncoder::forward(Graph& graph, EncoderInput input) {
  check_single_ids(name_, input.bags);
  return embedding_bag(graph, table_, std::move(input.bags), Pooling::kSum);
}

Tensor IdEncoder::encode(const EncoderInput& input) const {
  check_single_ids(name_, input.bags);
  Tensor out = Tensor::empty({input.size(), output_dim()});
  embedding_bag_forward(table_.value, input.bags, Pooling::kSum, out);
  return out;
}

void IdEncoder::set_names(std::vector<std::string> names) {
  if (!names.empty()) {
    TESSERA_CHECK(static_cast<int64_t>(names.size()) == input_size(),
                  "id encoder '{}': {} names for {} ids", name_, names.size(), input_size());
    std::unordered_set<std::string_view> seen;
    for (size_t i = 0; i < names.size(); ++i) {
      TESSERA_CHECK(!names[i].empty(), "id encoder '{}': id {} has an empty name", name_, i);
      TESSERA_CHECK(seen.insert(names[i]).second, "id encoder '{}': the name '{}' is given twice",
                    name_, names[i]);
    }
  }
  names_ = std::move(names);
}

std::string IdEncoder::config_json() const {
  nlohmann::json config{{"ids", input_size()}, {"dim", output_dim()}};
  if (!names_.empty()) config["names"] = names_;
  return config.dump();
}

}  // namespace tessera
