// Model <-> safetensors file. The metadata is checked against the tensors' shapes before any
// tensor is read, and every error names the file.
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/encoder_registry.h"
#include "tessera/model/model.h"
#include "tessera/model/safetensors.h"

namespace tessera {

namespace {

using nlohmann::json;

// The metadata keys of the model itself; a caller's extras must use others.
const std::set<std::string> kModelKeys = {"format",     "format_version",    "featurizer",
                                          "vocabulary", "vocabulary_counts", "model",
                                          "provenance", "extra_tensors"};

const std::string& required(const std::map<std::string, std::string>& metadata,
                            const std::string& key, const std::string& path) {
  auto it = metadata.find(key);
  if (it == metadata.end()) TESSERA_FAIL("{}: metadata has no \"{}\"", path, key);
  return it->second;
}

json parse_json(const std::string& text, const std::string& what, const std::string& path) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: metadata \"{}\" is not valid JSON: {}", path, what, e.what());
  }
}

Vocabulary parse_vocabulary(const std::map<std::string, std::string>& metadata,
                            const std::string& path) {
  const json words = parse_json(required(metadata, "vocabulary", path), "vocabulary", path);
  const json counts =
      parse_json(required(metadata, "vocabulary_counts", path), "vocabulary_counts", path);
  if (!words.is_array() || !counts.is_array() || words.size() != counts.size()) {
    TESSERA_FAIL(
        "{}: metadata \"vocabulary\" and \"vocabulary_counts\" must be arrays of equal "
        "length",
        path);
  }
  std::vector<std::pair<std::string, int64_t>> entries;
  entries.reserve(words.size());
  try {
    for (size_t i = 0; i < words.size(); ++i) {
      entries.emplace_back(words[i].get<std::string>(), counts[i].get<int64_t>());
    }
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: metadata vocabulary entry is malformed: {}", path, e.what());
  }
  Vocabulary vocabulary;
  try {
    vocabulary = Vocabulary::from_counts(entries);
  } catch (const Error& e) {
    TESSERA_FAIL("{}: invalid vocabulary: {}", path, e.what());
  }
  // Ids are positions in the table: the canonical order must reproduce the stored order.
  if (static_cast<size_t>(vocabulary.size()) != entries.size()) {
    TESSERA_FAIL("{}: vocabulary has words with non-positive counts", path);
  }
  for (int32_t id = 0; id < vocabulary.size(); ++id) {
    if (vocabulary.word(id) != entries[static_cast<size_t>(id)].first) {
      TESSERA_FAIL("{}: vocabulary is not in canonical order at id {} (\"{}\")", path, id,
                   entries[static_cast<size_t>(id)].first);
    }
  }
  return vocabulary;
}

// What metadata "model" says, in either format version: the encoders (kind and config, by
// name), the towers and how vectors are used.
struct ModelLayout {
  struct EncoderEntry {
    std::string kind;
    std::string config;  // JSON, as encoder_registry.h reads it
  };
  std::map<std::string, EncoderEntry> encoders;
  std::map<std::string, std::string> towers;
  int64_t dim = 0;
  std::vector<int64_t> prefixes;
  Normalization normalization = Normalization::kL2;
};

Normalization parse_normalization(const json& model) {
  return parse_enum<Normalization>(model.at("normalization").get<std::string>(), "normalization");
}

// format_version 1: {dim, table_dim, prefixes, pooling, two_towers, projection, normalization},
// bag towers "query" and (with two_towers) "document".
ModelLayout parse_v1_layout(const json& model, int64_t feature_rows, const std::string& path) {
  ModelLayout layout;
  const auto dim = model.at("dim").get<int64_t>();
  const auto table_dim = model.at("table_dim").get<int64_t>();
  const bool projection = model.at("projection").get<bool>();
  if (dim < 1 || dim > kMaxModelDim || table_dim < 1 || table_dim > (1 << 20) ||
      (!projection && table_dim != dim)) {
    TESSERA_FAIL("{}: metadata \"model\" has dim {} and table_dim {}, out of range", path, dim,
                 table_dim);
  }
  const json config = {{"features", feature_rows},
                       {"table_dim", table_dim},
                       {"pooling", model.at("pooling").get<std::string>()},
                       {"projection_dim", projection ? dim : 0}};
  layout.encoders["query"] = {"bag", config.dump()};
  layout.towers = {{"query", "query"}, {"document", "query"}};
  if (model.at("two_towers").get<bool>()) {
    layout.encoders["document"] = {"bag", config.dump()};
    layout.towers["document"] = "document";
  }
  layout.dim = dim;
  layout.prefixes = model.at("prefixes").get<std::vector<int64_t>>();
  layout.normalization = parse_normalization(model);
  return layout;
}

ModelLayout parse_v2_layout(const json& model) {
  ModelLayout layout;
  for (const auto& [name, entry] : model.at("encoders").items()) {
    layout.encoders[name] = {entry.at("kind").get<std::string>(), entry.at("config").dump()};
  }
  layout.towers = model.at("towers").get<std::map<std::string, std::string>>();
  layout.dim = model.at("dim").get<int64_t>();
  layout.prefixes = model.at("prefixes").get<std::vector<int64_t>>();
  layout.normalization = parse_normalization(model);
  return layout;
}

// A NaN or infinite weight would make every vector NaN and every search empty: refuse it.
void check_finite(const Tensor& tensor, const std::string& name, const std::string& path) {
  const float* values = tensor.data();
  const int64_t n = tensor.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) {
      const int64_t cols = tensor.cols();
      TESSERA_FAIL("{}: tensor '{}' holds a non-finite value ({}) at row {}, column {}: corrupted",
                   path, name, values[i], i / cols, i % cols);
    }
  }
}

}  // namespace

bool is_model_metadata_key(const std::string& key) {
  return kModelKeys.count(key) > 0 || key == kSafetensorsChecksumKey;
}

void Model::save(const std::string& path, const ModelFileExtras& extras) const {
  json words = json::array();
  json counts = json::array();
  const Vocabulary& vocabulary = featurizer_.vocabulary();
  for (int32_t id = 0; id < vocabulary.size(); ++id) {
    words.push_back(vocabulary.word(id));
    counts.push_back(vocabulary.count(id));
  }
  json encoders = json::object();
  std::map<std::string, Tensor> tensors;
  std::map<std::string, IntTensor> int_tensors;
  for (const auto& encoder : encoders_) {
    encoders[encoder->name()] = {{"kind", encoder->kind()},
                                 {"config", json::parse(encoder->config_json())}};
    for (const Parameter* p : std::as_const(*encoder).parameters()) {
      tensors.emplace(p->name, p->value);
    }
    for (const auto& [name, tensor] : encoder->int_tensors()) int_tensors.emplace(name, *tensor);
  }
  const json model = {{"dim", dim_},
                      {"prefixes", prefixes_},
                      {"normalization", name_of(normalization_)},
                      {"towers", towers_},
                      {"encoders", encoders}};
  std::map<std::string, std::string> metadata = {
      {"format", "tessera"},
      {"format_version", std::to_string(kModelFormatVersion)},
      {"featurizer", featurizer_.config().to_json()},
      {"vocabulary", words.dump()},
      {"vocabulary_counts", counts.dump()},
      {"model", model.dump()},
      {"provenance", provenance_},
  };
  for (const auto& [key, value] : extras.metadata) {
    TESSERA_CHECK(!kModelKeys.count(key), "extra metadata key \"{}\" is one of the model's", key);
    metadata.emplace(key, value);
  }
  json extra_names = json::array();
  for (const auto& [name, tensor] : extras.tensors) {
    TESSERA_CHECK(!int_tensors.count(name) && tensors.emplace(name, tensor).second,
                  "extra tensor \"{}\" has the name of a model parameter", name);
    extra_names.push_back(name);
  }
  if (!extras.tensors.empty()) metadata.emplace("extra_tensors", extra_names.dump());
  write_safetensors(path, metadata, tensors, int_tensors);
}

Model Model::load(const std::string& path) {
  const SafetensorsHeader header = read_safetensors_header(path);
  const std::map<std::string, std::string>& metadata = header.metadata;
  if (required(metadata, "format", path) != "tessera") {
    TESSERA_FAIL("{}: metadata format is \"{}\", not a tessera model", path, metadata.at("format"));
  }
  const std::string& version = required(metadata, "format_version", path);
  if (version != "1" && version != "2" && version != "3") {
    TESSERA_FAIL("{}: format_version \"{}\" is not one this tessera reads (1 to 3)", path, version);
  }
  // Version 3 always carries the checksum: without it, a flip in its key would pass unchecked.
  if (version == "3" && !metadata.count(kSafetensorsChecksumKey)) {
    TESSERA_FAIL("{}: format_version 3 file without its \"{}\" metadata: corrupted", path,
                 kSafetensorsChecksumKey);
  }
  // Tensors that are not the model's: those a version-2 or 3 file lists as extras, and a version-1
  // checkpoint's "trainer.*" state.
  std::map<std::string, SafetensorsEntry> tensors = header.tensors;
  if (version == "1") {
    std::erase_if(tensors, [](const auto& entry) { return entry.first.starts_with("trainer."); });
  } else if (const auto extra = metadata.find("extra_tensors"); extra != metadata.end()) {
    const json names = parse_json(extra->second, "extra_tensors", path);
    TESSERA_CHECK(names.is_array(), "{}: metadata \"extra_tensors\" is not an array", path);
    for (const json& name : names) {
      TESSERA_CHECK(name.is_string(), "{}: metadata \"extra_tensors\" holds a non-string", path);
      tensors.erase(name.get<std::string>());
    }
  }
  FeaturizerConfig config;
  try {
    config = FeaturizerConfig::from_json(required(metadata, "featurizer", path));
    config.validate();
  } catch (const Error& e) {
    TESSERA_FAIL("{}: metadata \"featurizer\": {}", path, e.what());
  }
  Vocabulary vocabulary = parse_vocabulary(metadata, path);
  const std::string provenance = required(metadata, "provenance", path);
  const json model = parse_json(required(metadata, "model", path), "model", path);
  ModelLayout layout;
  try {
    const int64_t feature_rows = static_cast<int64_t>(vocabulary.size()) + config.buckets;
    layout = version == "1" ? parse_v1_layout(model, feature_rows, path) : parse_v2_layout(model);
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: metadata \"model\" is malformed: {}", path, e.what());
  } catch (const Error& e) {
    TESSERA_FAIL("{}: metadata \"model\": {}", path, e.what());
  }

  // Every tensor's shape is checked against the metadata before any is read.
  std::map<std::string, TensorLayout> expected;
  try {
    for (const auto& [name, entry] : layout.encoders) {
      for (auto& [tensor, tensor_layout] : encoder_tensor_layouts(entry.kind, name, entry.config)) {
        TESSERA_CHECK(expected.emplace(tensor, std::move(tensor_layout)).second,
                      "two encoders hold a tensor '{}'", tensor);
      }
    }
  } catch (const Error& e) {
    TESSERA_FAIL("{}: {}", path, e.what());
  }
  for (const auto& [name, want] : expected) {
    const auto it = tensors.find(name);
    if (it == tensors.end()) TESSERA_FAIL("{}: tensor '{}' is missing", path, name);
    if (it->second.shape != want.shape) {
      TESSERA_FAIL("{}: tensor '{}' has shape [{}], the metadata implies [{}]", path, name,
                   fmt::join(it->second.shape, ", "), fmt::join(want.shape, ", "));
    }
    if (it->second.type != want.type) {
      TESSERA_FAIL("{}: tensor '{}' holds {}, the metadata implies {}", path, name,
                   name_of(it->second.type), name_of(want.type));
    }
  }
  if (tensors.size() != expected.size()) {
    std::vector<std::string> names;
    for (const auto& [name, entry] : tensors) names.push_back(name);
    TESSERA_FAIL("{}: unexpected tensors: the file holds [{}], the metadata implies {}", path,
                 fmt::join(names, ", "), expected.size());
  }

  std::set<std::string> names;
  for (const auto& [name, entry] : tensors) names.insert(name);
  SafetensorsContents contents = read_safetensors(path, header, &names);
  for (const auto& [name, tensor] : contents.tensors) check_finite(tensor, name, path);
  try {
    Featurizer featurizer = Featurizer::from_config(config, std::move(vocabulary));
    std::vector<std::unique_ptr<Encoder>> encoders;
    for (const auto& [name, entry] : layout.encoders) {
      encoders.push_back(
          load_encoder(entry.kind, name, entry.config, contents.tensors, contents.int_tensors));
    }
    Model loaded(std::move(featurizer), std::move(encoders), std::move(layout.towers),
                 std::move(layout.prefixes), layout.normalization, provenance);
    TESSERA_CHECK(loaded.dim() == layout.dim, "metadata \"model\" says dim {}, the towers give {}",
                  layout.dim, loaded.dim());
    return loaded;
  } catch (const Error& e) {
    TESSERA_FAIL("{}: {}", path, e.what());
  }
}

}  // namespace tessera
