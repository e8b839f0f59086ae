#include "tessera/model/encoder_registry.h"

#include <nlohmann/json.hpp>

#include "tessera/core/check.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/id_encoder.h"

namespace tessera {

namespace {

using nlohmann::json;
using Shapes = std::map<std::string, std::vector<int64_t>>;

// Widest tables and dims a file may declare (each allocation is checked against the file's size
// by the safetensors reader too).
constexpr int64_t kMaxRows = int64_t{1} << 31;
constexpr int64_t kMaxDim = int64_t{1} << 20;

json parse_config(const std::string& name, const std::string& text) {
  try {
    json config = json::parse(text);
    TESSERA_CHECK(config.is_object(), "encoder '{}': config is not a JSON object", name);
    return config;
  } catch (const json::exception& e) {
    TESSERA_FAIL("encoder '{}': config is not valid JSON: {}", name, e.what());
  }
}

int64_t integer(const json& config, const std::string& name, const char* key, int64_t lo,
                int64_t hi) {
  const auto it = config.find(key);
  TESSERA_CHECK(it != config.end() && it->is_number_integer() && it->get<int64_t>() >= lo &&
                    it->get<int64_t>() <= hi,
                "encoder '{}': config \"{}\" must be an integer in [{}, {}]", name, key, lo, hi);
  return it->get<int64_t>();
}

Tensor take(std::map<std::string, Tensor>& tensors, const std::string& name) {
  const auto it = tensors.find(name);
  TESSERA_CHECK(it != tensors.end(), "tensor '{}' is missing", name);
  Tensor out = std::move(it->second);
  tensors.erase(it);
  return out;
}

// "bag": {"features", "table_dim", "pooling", "projection_dim"}.
struct BagConfig {
  int64_t features, table_dim, projection_dim;
  Pooling pooling;
  BagConfig(const std::string& name, const std::string& text) {
    const json config = parse_config(name, text);
    features = integer(config, name, "features", 1, kMaxRows);
    table_dim = integer(config, name, "table_dim", 1, kMaxDim);
    projection_dim = integer(config, name, "projection_dim", 0, kMaxDim);
    const auto pooling_name = config.find("pooling");
    TESSERA_CHECK(pooling_name != config.end() && pooling_name->is_string(),
                  "encoder '{}': config \"pooling\" must be a string", name);
    pooling = parse_enum<Pooling>(pooling_name->get<std::string>(), "pooling");
  }
};

Shapes bag_shapes(const std::string& name, const std::string& text) {
  const BagConfig c(name, text);
  Shapes shapes{{name + ".table", {c.features, c.table_dim}}};
  if (c.projection_dim > 0) shapes[name + ".projection"] = {c.table_dim, c.projection_dim};
  return shapes;
}

std::unique_ptr<Encoder> load_bag(const std::string& name, const std::string& text,
                                  std::map<std::string, Tensor>& tensors) {
  const BagConfig c(name, text);
  Tensor table = take(tensors, name + ".table");
  Tensor projection = c.projection_dim > 0 ? take(tensors, name + ".projection") : Tensor();
  return std::make_unique<BagEncoder>(name, std::move(table), c.pooling, std::move(projection));
}

// "id": {"ids", "dim"[, "names": one string per id]}.
Shapes id_shapes(const std::string& name, const std::string& text) {
  const json config = parse_config(name, text);
  return {{name + ".table",
           {integer(config, name, "ids", 1, kMaxRows), integer(config, name, "dim", 1, kMaxDim)}}};
}

std::unique_ptr<Encoder> load_id(const std::string& name, const std::string& text,
                                 std::map<std::string, Tensor>& tensors) {
  auto encoder = std::make_unique<IdEncoder>(name, take(tensors, name + ".table"));
  const json config = parse_config(name, text);
  if (const auto it = config.find("names"); it != config.end()) {
    TESSERA_CHECK(it->is_array(), "encoder '{}': config \"names\" must be an array", name);
    std::vector<std::string> names;
    names.reserve(it->size());
    for (const json& n : *it) {
      TESSERA_CHECK(n.is_string(), "encoder '{}': config \"names\" holds a non-string", name);
      names.push_back(n.get<std::string>());
    }
    encoder->set_names(std::move(names));
  }
  return encoder;
}

struct Kind {
  std::string_view name;
  Shapes (*shapes)(const std::string& name, const std::string& config);
  std::unique_ptr<Encoder> (*load)(const std::string& name, const std::string& config,
                                   std::map<std::string, Tensor>& tensors);
};

constexpr Kind kKinds[] = {
    {"bag", bag_shapes, load_bag},
    {"id", id_shapes, load_id},
};

const Kind& find_kind(std::string_view kind, const std::string& name) {
  std::string known;
  for (const Kind& k : kKinds) {
    if (k.name == kind) return k;
    known += (known.empty() ? "" : ", ") + std::string(k.name);
  }
  TESSERA_FAIL("encoder '{}' is of kind '{}', which this tessera does not know ({})", name, kind,
               known);
}

}  // namespace

Shapes encoder_tensor_shapes(std::string_view kind, const std::string& name,
                             const std::string& config_json) {
  return find_kind(kind, name).shapes(name, config_json);
}

std::unique_ptr<Encoder> load_encoder(std::string_view kind, const std::string& name,
                                      const std::string& config_json,
                                      std::map<std::string, Tensor>& tensors) {
  return find_kind(kind, name).load(name, config_json, tensors);
}

}  // namespace tessera
