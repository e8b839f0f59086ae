#include "tessera/model/encoder_registry.h"

#include <nlohmann/json.hpp>

#include "tessera/core/check.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/compact_bag_encoder.h"
#include "tessera/model/id_encoder.h"

namespace tessera {

namespace {

using nlohmann::json;
using Layouts = std::map<std::string, TensorLayout>;
using Tensors = std::map<std::string, Tensor>;
using IntTensors = std::map<std::string, IntTensor>;

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

template <typename T>
T take(std::map<std::string, T>& tensors, const std::string& name) {
  const auto it = tensors.find(name);
  TESSERA_CHECK(it != tensors.end(), "tensor '{}' is missing", name);
  T out = std::move(it->second);
  tensors.erase(it);
  return out;
}

// "bag": {"features", "table_dim", "pooling", "projection_dim"}; "compact_bag" adds "rows" and
// "int8".
struct BagConfig {
  int64_t features, table_dim, projection_dim;
  Pooling pooling;
  BagConfig(const std::string& name, const json& config) {
    features = integer(config, name, "features", 1, kMaxRows);
    table_dim = integer(config, name, "table_dim", 1, kMaxDim);
    projection_dim = integer(config, name, "projection_dim", 0, kMaxDim);
    const auto pooling_name = config.find("pooling");
    TESSERA_CHECK(pooling_name != config.end() && pooling_name->is_string(),
                  "encoder '{}': config \"pooling\" must be a string", name);
    pooling = parse_enum<Pooling>(pooling_name->get<std::string>(), "pooling");
  }
};

Layouts bag_layouts(const std::string& name, const std::string& text) {
  const BagConfig c(name, parse_config(name, text));
  Layouts layouts{{name + ".table", {{c.features, c.table_dim}}}};
  if (c.projection_dim > 0) layouts[name + ".projection"] = {{c.table_dim, c.projection_dim}};
  return layouts;
}

std::unique_ptr<Encoder> load_bag(const std::string& name, const std::string& text,
                                  Tensors& tensors, IntTensors&) {
  const BagConfig c(name, parse_config(name, text));
  Tensor table = take(tensors, name + ".table");
  Tensor projection = c.projection_dim > 0 ? take(tensors, name + ".projection") : Tensor();
  return std::make_unique<BagEncoder>(name, std::move(table), c.pooling, std::move(projection));
}

struct CompactBagConfig : BagConfig {
  int64_t rows;
  bool int8;
  CompactBagConfig(const std::string& name, const json& config) : BagConfig(name, config) {
    rows = integer(config, name, "rows", 1, features);
    const auto flag = config.find("int8");
    TESSERA_CHECK(flag != config.end() && flag->is_boolean(),
                  "encoder '{}': config \"int8\" must be true or false", name);
    int8 = flag->get<bool>();
  }
};

Layouts compact_bag_layouts(const std::string& name, const std::string& text) {
  const CompactBagConfig c(name, parse_config(name, text));
  Layouts layouts;
  if (c.rows < c.features) layouts[name + ".feature_ids"] = {{c.rows}, ElementType::kI32};
  if (c.int8) {
    layouts[name + ".codes"] = {{c.rows, c.table_dim}, ElementType::kI8};
    layouts[name + ".scales"] = {{c.rows}};
  } else {
    layouts[name + ".table"] = {{c.rows, c.table_dim}};
  }
  if (c.projection_dim > 0) layouts[name + ".projection"] = {{c.table_dim, c.projection_dim}};
  return layouts;
}

std::unique_ptr<Encoder> load_compact_bag(const std::string& name, const std::string& text,
                                          Tensors& tensors, IntTensors& int_tensors) {
  const CompactBagConfig c(name, parse_config(name, text));
  CompactBagEncoder::Table table;
  if (c.rows < c.features) {
    const IntTensor ids = take(int_tensors, name + ".feature_ids");
    table.feature_ids.assign(ids.i32().begin(), ids.i32().end());
  }
  if (c.int8) {
    table.codes = take(int_tensors, name + ".codes");
    table.scales = take(tensors, name + ".scales");
  } else {
    table.rows = take(tensors, name + ".table");
  }
  Tensor projection = c.projection_dim > 0 ? take(tensors, name + ".projection") : Tensor();
  return std::make_unique<CompactBagEncoder>(name, c.features, std::move(table), c.pooling,
                                             std::move(projection));
}

// "id": {"ids", "dim"[, "names": one string per id]}.
Layouts id_layouts(const std::string& name, const std::string& text) {
  const json config = parse_config(name, text);
  return {
      {name + ".table",
       {{integer(config, name, "ids", 1, kMaxRows), integer(config, name, "dim", 1, kMaxDim)}}}};
}

std::unique_ptr<Encoder> load_id(const std::string& name, const std::string& text, Tensors& tensors,
                                 IntTensors&) {
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
  Layouts (*layouts)(const std::string& name, const std::string& config);
  std::unique_ptr<Encoder> (*load)(const std::string& name, const std::string& config,
                                   Tensors& tensors, IntTensors& int_tensors);
};

constexpr Kind kKinds[] = {
    {"bag", bag_layouts, load_bag},
    {"compact_bag", compact_bag_layouts, load_compact_bag},
    {"id", id_layouts, load_id},
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

Layouts encoder_tensor_layouts(std::string_view kind, const std::string& name,
                               const std::string& config_json) {
  return find_kind(kind, name).layouts(name, config_json);
}

std::unique_ptr<Encoder> load_encoder(std::string_view kind, const std::string& name,
                                      const std::string& config_json, Tensors& tensors,
                                      IntTensors& int_tensors) {
  return find_kind(kind, name).load(name, config_json, tensors, int_tensors);
}

}  // namespace tessera
