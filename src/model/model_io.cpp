// Model <-> safetensors file. The metadata is checked against the tensors' shapes before any
// tensor is read, and every error names the file.
#include <nlohmann/json.hpp>

#include "tessera/core/check.h"
#include "tessera/model/model.h"
#include "tessera/model/safetensors.h"

namespace tessera {

namespace {

using nlohmann::json;

constexpr const char* kTowerNames[] = {"query", "document"};

Pooling parse_pooling(const std::string& name, const std::string& path) {
  for (Pooling pooling : {Pooling::kSum, Pooling::kMean, Pooling::kSqrtN}) {
    if (name == pooling_name(pooling)) return pooling;
  }
  TESSERA_FAIL("{}: unknown pooling \"{}\"", path, name);
}

Normalization parse_normalization(const std::string& name, const std::string& path) {
  for (Normalization n : {Normalization::kNone, Normalization::kL2}) {
    if (name == normalization_name(n)) return n;
  }
  TESSERA_FAIL("{}: unknown normalization \"{}\"", path, name);
}

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

// The settings in metadata "model".
struct ModelMetadata {
  int64_t dim = 0;
  int64_t table_dim = 0;
  std::vector<int64_t> prefixes;
  Pooling pooling = Pooling::kMean;
  bool two_towers = false;
  bool projection = false;
  Normalization normalization = Normalization::kL2;
};

ModelMetadata parse_model_metadata(const std::string& text, const std::string& path) {
  const json model = parse_json(text, "model", path);
  ModelMetadata out;
  try {
    out.dim = model.at("dim").get<int64_t>();
    out.table_dim = model.at("table_dim").get<int64_t>();
    out.prefixes = model.at("prefixes").get<std::vector<int64_t>>();
    out.pooling = parse_pooling(model.at("pooling").get<std::string>(), path);
    out.two_towers = model.at("two_towers").get<bool>();
    out.projection = model.at("projection").get<bool>();
    out.normalization = parse_normalization(model.at("normalization").get<std::string>(), path);
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: metadata \"model\" is malformed: {}", path, e.what());
  }
  if (out.dim < 1 || out.dim > kMaxModelDim || out.table_dim < 1 || out.table_dim > (1 << 20) ||
      (!out.projection && out.table_dim != out.dim)) {
    TESSERA_FAIL("{}: metadata \"model\" has dim {} and table_dim {}, out of range", path, out.dim,
                 out.table_dim);
  }
  return out;
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

void expect_shape(const SafetensorsHeader& header, const std::string& name,
                  std::vector<int64_t> shape, const std::string& path) {
  auto it = header.tensors.find(name);
  if (it == header.tensors.end()) TESSERA_FAIL("{}: tensor '{}' is missing", path, name);
  if (it->second.shape != shape) {
    TESSERA_FAIL("{}: tensor '{}' has shape [{}], the metadata implies [{}]", path, name,
                 fmt::join(it->second.shape, ", "), fmt::join(shape, ", "));
  }
}

}  // namespace

void Model::save(const std::string& path, const std::map<std::string, std::string>& extra_metadata,
                 const std::map<std::string, Tensor>& extra_tensors) const {
  const BagEncoder& query = towers_.front();
  json words = json::array();
  json counts = json::array();
  const Vocabulary& vocabulary = featurizer_.vocabulary();
  for (int32_t id = 0; id < vocabulary.size(); ++id) {
    words.push_back(vocabulary.word(id));
    counts.push_back(vocabulary.count(id));
  }
  const json model = {{"dim", dim()},
                      {"table_dim", query.table_dim()},
                      {"prefixes", prefixes_},
                      {"pooling", pooling_name(query.pooling())},
                      {"two_towers", two_towers()},
                      {"projection", query.has_projection()},
                      {"normalization", normalization_name(normalization_)}};
  std::map<std::string, std::string> metadata = {
      {"format", "tessera"},
      {"format_version", std::to_string(kModelFormatVersion)},
      {"featurizer", featurizer_.config().to_json()},
      {"vocabulary", words.dump()},
      {"vocabulary_counts", counts.dump()},
      {"model", model.dump()},
      {"provenance", provenance_},
  };
  std::map<std::string, Tensor> tensors;
  for (size_t t = 0; t < towers_.size(); ++t) {
    const std::string prefix = kTowerNames[t];
    tensors.emplace(prefix + ".table", towers_[t].table().value);
    if (towers_[t].has_projection()) {
      tensors.emplace(prefix + ".projection", towers_[t].projection().value);
    }
  }
  for (const auto& [key, value] : extra_metadata) {
    TESSERA_CHECK(key.starts_with("trainer"), "extra metadata key \"{}\" must start with trainer",
                  key);
    metadata.emplace(key, value);
  }
  for (const auto& [name, tensor] : extra_tensors) {
    TESSERA_CHECK(name.starts_with(kTrainerTensorPrefix), "extra tensor \"{}\" must start with {}",
                  name, kTrainerTensorPrefix);
    tensors.emplace(name, tensor);
  }
  write_safetensors(path, metadata, tensors);
}

Model Model::load(const std::string& path) {
  SafetensorsHeader header = read_safetensors_header(path);
  // A checkpoint's trainer state is not part of the model: never read.
  std::erase_if(header.tensors,
                [](const auto& entry) { return entry.first.starts_with(kTrainerTensorPrefix); });
  const std::map<std::string, std::string>& metadata = header.metadata;
  if (required(metadata, "format", path) != "tessera") {
    TESSERA_FAIL("{}: metadata format is \"{}\", not a tessera model", path, metadata.at("format"));
  }
  const std::string& version = required(metadata, "format_version", path);
  if (version != std::to_string(kModelFormatVersion)) {
    TESSERA_FAIL("{}: format_version \"{}\" is not one this tessera reads ({})", path, version,
                 kModelFormatVersion);
  }
  FeaturizerConfig config;
  try {
    config = FeaturizerConfig::from_json(required(metadata, "featurizer", path));
    config.validate();
  } catch (const Error& e) {
    TESSERA_FAIL("{}: metadata \"featurizer\": {}", path, e.what());
  }
  Vocabulary vocabulary = parse_vocabulary(metadata, path);
  const ModelMetadata model = parse_model_metadata(required(metadata, "model", path), path);
  const std::string provenance = required(metadata, "provenance", path);

  // Every tensor's shape is checked against the metadata before any is read.
  const int64_t rows = static_cast<int64_t>(vocabulary.size()) + config.buckets;
  const size_t tower_count = model.two_towers ? 2 : 1;
  size_t expected_tensors = 0;
  for (size_t t = 0; t < tower_count; ++t) {
    const std::string prefix = kTowerNames[t];
    expect_shape(header, prefix + ".table", {rows, model.table_dim}, path);
    ++expected_tensors;
    if (model.projection) {
      expect_shape(header, prefix + ".projection", {model.table_dim, model.dim}, path);
      ++expected_tensors;
    }
  }
  if (header.tensors.size() != expected_tensors) {
    std::vector<std::string> names;
    for (const auto& [name, entry] : header.tensors) names.push_back(name);
    TESSERA_FAIL("{}: unexpected tensors: the file holds [{}], the metadata implies {}", path,
                 fmt::join(names, ", "), expected_tensors);
  }

  SafetensorsContents contents = read_safetensors(path, std::move(header));
  try {
    Featurizer featurizer = Featurizer::from_config(config, std::move(vocabulary));
    std::vector<BagEncoder> towers;
    for (size_t t = 0; t < tower_count; ++t) {
      const std::string prefix = kTowerNames[t];
      Tensor projection;
      if (model.projection) projection = contents.tensors.at(prefix + ".projection");
      towers.emplace_back(prefix, contents.tensors.at(prefix + ".table"), model.pooling,
                          projection);
    }
    return Model(std::move(featurizer), std::move(towers), model.prefixes, model.normalization,
                 provenance);
  } catch (const Error& e) {
    TESSERA_FAIL("{}: {}", path, e.what());
  }
}

}  // namespace tessera
