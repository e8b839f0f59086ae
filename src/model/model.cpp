#include "tessera/model/model.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "tessera/core/check.h"
#include "tessera/core/ops.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/compact_bag_encoder.h"
#include "tessera/model/id_encoder.h"
#include "tessera/version.h"

namespace tessera {

namespace {

nlohmann::json parse_provenance(const std::string& provenance) {
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(provenance);
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("model provenance is not valid JSON: {}", e.what());
  }
  TESSERA_CHECK(parsed.is_object(), "model provenance must be a JSON object");
  return parsed;
}

std::string tower_list(const std::map<std::string, std::string>& towers) {
  std::string out;
  for (const auto& [name, encoder] : towers) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::vector<int64_t> default_prefixes(int64_t dim) {
  if (dim == 256) return {32, 64, 128, 256};
  return {dim};
}

std::string prefixes_problem(const std::vector<int64_t>& prefixes, int64_t dim) {
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (prefixes[i] < 1 || (i > 0 && prefixes[i] <= prefixes[i - 1])) {
      return fmt::format("must be positive and ascending, got {}", fmt::join(prefixes, ","));
    }
  }
  if (prefixes.empty() || prefixes.back() != dim) {
    return fmt::format("must end at dim {}, got {}", dim, fmt::join(prefixes, ","));
  }
  return {};
}

Model::Model(Featurizer featurizer, std::vector<std::unique_ptr<Encoder>> encoders,
             std::map<std::string, std::string> towers, std::vector<int64_t> prefixes,
             Normalization normalization, std::string provenance)
    : featurizer_(std::move(featurizer)),
      encoders_(std::move(encoders)),
      towers_(std::move(towers)),
      prefixes_(std::move(prefixes)),
      normalization_(normalization),
      provenance_(std::move(provenance)) {
  TESSERA_CHECK(!encoders_.empty() && !towers_.empty(), "a model needs at least one tower");
  std::sort(encoders_.begin(), encoders_.end(),
            [](const auto& a, const auto& b) { return a->name() < b->name(); });
  for (size_t i = 0; i < encoders_.size(); ++i) {
    const Encoder& encoder = *encoders_[i];
    TESSERA_CHECK(i == 0 || encoders_[i - 1]->name() != encoder.name(),
                  "two encoders are named '{}'", encoder.name());
    TESSERA_CHECK(encoder.input_kind() != EncoderInputKind::kFeatures ||
                      encoder.input_size() == featurizer_.num_features(),
                  "encoder '{}' reads {} features, the featurizer gives {} (vocabulary {} + "
                  "buckets {})",
                  encoder.name(), encoder.input_size(), featurizer_.num_features(),
                  featurizer_.vocabulary().size(), featurizer_.config().buckets);
    TESSERA_CHECK(encoder.output_dim() == encoders_.front()->output_dim(),
                  "encoder '{}' gives {} dims, encoder '{}' {}: every tower gives the model's dim",
                  encoder.name(), encoder.output_dim(), encoders_.front()->name(),
                  encoders_.front()->output_dim());
    TESSERA_CHECK(std::any_of(towers_.begin(), towers_.end(),
                              [&](const auto& t) { return t.second == encoder.name(); }),
                  "encoder '{}' serves no tower", encoder.name());
  }
  for (const auto& entry : towers_) {
    const std::string& encoder = entry.second;  // (clang 14 cannot capture structured bindings)
    TESSERA_CHECK(!entry.first.empty(), "a tower needs a name");
    TESSERA_CHECK(std::any_of(encoders_.begin(), encoders_.end(),
                              [&](const auto& e) { return e->name() == encoder; }),
                  "tower '{}' names encoder '{}', which the model does not have", entry.first,
                  encoder);
  }
  dim_ = encoders_.front()->output_dim();
  TESSERA_CHECK(dim_ >= 1 && dim_ <= kMaxModelDim, "output dim {} is outside [1, {}]", dim_,
                kMaxModelDim);
  const std::string problem = prefixes_problem(prefixes_, dim_);
  TESSERA_CHECK(problem.empty(), "Matryoshka prefixes {}", problem);
  parse_provenance(provenance_);
}

Model::~Model() = default;

Model Model::create(const FeaturizerConfig& config, Vocabulary vocabulary,
                    const ModelOptions& options) {
  return create(Featurizer::from_config(config, std::move(vocabulary)), options);
}

Model Model::create(Featurizer featurizer, const ModelOptions& options) {
  TESSERA_CHECK(options.dim >= 1 && options.dim <= kMaxModelDim, "model dim {} is outside [1, {}]",
                options.dim, kMaxModelDim);
  TESSERA_CHECK(options.table_dim >= 0, "table dim {} is negative", options.table_dim);
  TESSERA_CHECK(options.projection || options.table_dim == 0 || options.table_dim == options.dim,
                "table dim {} differs from dim {} without a projection", options.table_dim,
                options.dim);
  for (const auto& [name, names] : options.id_names) {
    TESSERA_CHECK(options.id_towers.count(name), "names are given for '{}', which is no id tower",
                  name);
  }
  const int64_t table_dim = options.table_dim > 0 ? options.table_dim : options.dim;
  const int64_t projection_dim = options.projection ? options.dim : 0;

  const auto rows = static_cast<int64_t>(options.feature_rows.size());
  TESSERA_CHECK(rows <= featurizer.num_features(), "{} feature rows for {} features", rows,
                featurizer.num_features());
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t id = options.feature_rows[static_cast<size_t>(r)];
    TESSERA_CHECK(id >= 0 && id < featurizer.num_features() &&
                      (r == 0 || id > options.feature_rows[static_cast<size_t>(r) - 1]),
                  "feature row {} is feature {}: not ascending in [0, {})", r, id,
                  featurizer.num_features());
  }
  // Rows for every feature are the plain table.
  const bool compact = rows > 0 && rows < featurizer.num_features();

  // Weights are drawn tower by tower in this order (query, document, then the id towers by
  // name), so a seed gives the same retrieval model whatever id towers are added.
  std::mt19937_64 rng(options.seed);
  std::vector<std::unique_ptr<Encoder>> encoders;
  std::map<std::string, std::string> towers;
  for (const std::string_view name : {kQueryTower, kDocumentTower}) {
    if (name == kDocumentTower && !options.two_towers) {
      towers.emplace(kDocumentTower, kQueryTower);
      continue;
    }
    if (compact) {
      CompactBagEncoder::Table table;
      table.feature_ids = options.feature_rows;
      table.rows = Tensor::zeros({static_cast<int64_t>(options.feature_rows.size()), table_dim});
      auto encoder = std::make_unique<CompactBagEncoder>(
          std::string(name), featurizer.num_features(), std::move(table), options.pooling,
          projection_dim > 0 ? Tensor::zeros({table_dim, projection_dim}) : Tensor());
      encoder->init_normal(options.init_std, rng);
      encoders.push_back(std::move(encoder));
    } else {
      auto encoder = std::make_unique<BagEncoder>(std::string(name), featurizer.num_features(),
                                                  table_dim, options.pooling, projection_dim);
      encoder->init_normal(options.init_std, rng);
      encoders.push_back(std::move(encoder));
    }
    towers.emplace(name, name);
  }
  for (const auto& [name, ids] : options.id_towers) {
    TESSERA_CHECK(!towers.count(name), "tower '{}' is given twice", name);
    auto encoder = std::make_unique<IdEncoder>(name, ids, options.dim);
    encoder->init_normal(options.init_std, rng);
    if (const auto names = options.id_names.find(name); names != options.id_names.end()) {
      encoder->set_names(names->second);
    }
    towers.emplace(name, name);
    encoders.push_back(std::move(encoder));
  }
  for (const std::string& name : options.document_towers) {
    TESSERA_CHECK(towers.emplace(name, towers.at(std::string(kDocumentTower))).second,
                  "tower '{}' is given twice", name);
  }

  nlohmann::json provenance = parse_provenance(options.provenance);
  if (!provenance.contains("tessera_version")) provenance["tessera_version"] = TESSERA_VERSION;
  return Model(std::move(featurizer), std::move(encoders), std::move(towers),
               options.prefixes.empty() ? default_prefixes(options.dim) : options.prefixes,
               options.normalization, provenance.dump());
}

const Encoder& Model::tower(std::string_view tower) const {
  const auto it = towers_.find(std::string(tower));
  TESSERA_CHECK(it != towers_.end(), "the model has no tower '{}' (its towers: {})", tower,
                tower_list(towers_));
  for (const auto& encoder : encoders_) {
    if (encoder->name() == it->second) return *encoder;
  }
  TESSERA_FAIL("tower '{}' has no encoder", tower);
}

Encoder& Model::tower(std::string_view tower) {
  return const_cast<Encoder&>(static_cast<const Model&>(*this).tower(tower));
}

bool Model::shared(std::string_view a, std::string_view b) const { return &tower(a) == &tower(b); }

std::vector<Parameter*> Model::parameters() {
  std::vector<Parameter*> out;
  for (const auto& encoder : encoders_) {
    for (Parameter* p : encoder->parameters()) out.push_back(p);
  }
  return out;
}

void Model::set_provenance(std::string provenance) {
  parse_provenance(provenance);
  provenance_ = std::move(provenance);
}

Bags Model::featurize(const std::vector<std::string>& texts, const TextOrigin& origin) const {
  const std::vector<Features> features =
      featurizer_.featurize_all(texts, origin.source, origin.first_line);
  Bags bags;
  size_t total = 0;
  for (const Features& f : features) total += f.ids.size();
  bags.ids.reserve(total);
  bags.weights.reserve(total);
  bags.offsets.reserve(features.size() + 1);
  // Weights are kept for every bag (an empty bag adds none), so either all bags have them or
  // none does, as Bags requires.
  for (const Features& f : features) bags.add(f.ids, f.weights);
  return bags;
}

Tensor Model::encode(const std::vector<std::string>& texts, std::string_view tower_name,
                     const TextOrigin& origin) const {
  const Encoder& encoder = tower(tower_name);
  TESSERA_CHECK(encoder.input_kind() == EncoderInputKind::kFeatures,
                "tower '{}' embeds ids, not texts", tower_name);
  return encoder.encode(EncoderInput{featurize(texts, origin)});
}

Tensor Model::cut(const Tensor& encoded, int64_t dim) const {
  check_dim(dim);
  const int64_t keep = dim == 0 ? dim_ : dim;
  if (normalization_ == Normalization::kNone) {
    return keep == encoded.cols() ? encoded : encoded.prefix_cols(keep).clone();
  }
  return l2_normalized_prefix(encoded, keep);
}

Tensor Model::embed(const std::vector<std::string>& texts, int64_t dim, std::string_view tower,
                    const TextOrigin& origin) const {
  check_dim(dim);  // before the work
  return cut(encode(texts, tower, origin), dim);
}

Tensor Model::embed_input(const EncoderInput& input, int64_t dim,
                          std::string_view tower_name) const {
  check_dim(dim);
  return cut(tower(tower_name).encode(input), dim);
}

void Model::check_dim(int64_t dim) const {
  TESSERA_CHECK(dim >= 0 && dim <= dim_, "embedding dim {} is outside [1, {}]", dim, dim_);
}

}  // namespace tessera
