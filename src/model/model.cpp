#include "tessera/model/model.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tessera/core/check.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"
#include "tessera/version.h"

namespace tessera {

const char* pooling_name(Pooling pooling) {
  switch (pooling) {
    case Pooling::kSum:
      return "sum";
    case Pooling::kMean:
      return "mean";
    case Pooling::kSqrtN:
      return "sqrt_n";
  }
  return "?";
}

const char* normalization_name(Normalization normalization) {
  return normalization == Normalization::kL2 ? "l2" : "none";
}

namespace {

std::vector<int64_t> default_prefixes(int64_t dim) {
  if (dim == 256) return {32, 64, 128, 256};
  return {dim};
}

}  // namespace

Model::Model(Featurizer featurizer, std::vector<BagEncoder> towers, std::vector<int64_t> prefixes,
             Normalization normalization, std::string provenance)
    : featurizer_(std::move(featurizer)),
      towers_(std::move(towers)),
      prefixes_(std::move(prefixes)),
      normalization_(normalization),
      provenance_(std::move(provenance)) {
  TESSERA_CHECK(towers_.size() == 1 || towers_.size() == 2, "a model has 1 or 2 towers, not {}",
                towers_.size());
  const BagEncoder& query = towers_.front();
  TESSERA_CHECK(query.num_features() == featurizer_.num_features(),
                "the table has {} rows, the featurizer {} features (vocabulary {} + buckets {})",
                query.num_features(), featurizer_.num_features(), featurizer_.vocabulary().size(),
                featurizer_.config().buckets);
  TESSERA_CHECK(dim() >= 1 && dim() <= kMaxModelDim, "output dim {} is outside [1, {}]", dim(),
                kMaxModelDim);
  if (towers_.size() == 2) {
    const BagEncoder& document = towers_.back();
    TESSERA_CHECK(document.num_features() == query.num_features() &&
                      document.table_dim() == query.table_dim() &&
                      document.output_dim() == query.output_dim() &&
                      document.has_projection() == query.has_projection() &&
                      document.pooling() == query.pooling(),
                  "the document tower differs in shape or pooling from the query tower");
  }
  TESSERA_CHECK(!prefixes_.empty() && prefixes_.back() == dim(),
                "Matryoshka prefixes must end at the output dim {}", dim());
  for (size_t i = 0; i < prefixes_.size(); ++i) {
    TESSERA_CHECK(prefixes_[i] >= 1 && (i == 0 || prefixes_[i] > prefixes_[i - 1]),
                  "Matryoshka prefixes must be positive and ascending, got {}",
                  fmt::join(prefixes_, ","));
  }
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(provenance_);
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("model provenance is not valid JSON: {}", e.what());
  }
  TESSERA_CHECK(parsed.is_object(), "model provenance must be a JSON object");
}

Model Model::create(const FeaturizerConfig& config, Vocabulary vocabulary,
                    const ModelOptions& options) {
  TESSERA_CHECK(options.dim >= 1 && options.dim <= kMaxModelDim, "model dim {} is outside [1, {}]",
                options.dim, kMaxModelDim);
  TESSERA_CHECK(options.table_dim >= 0, "table dim {} is negative", options.table_dim);
  TESSERA_CHECK(options.projection || options.table_dim == 0 || options.table_dim == options.dim,
                "table dim {} differs from dim {} without a projection", options.table_dim,
                options.dim);
  Featurizer featurizer = Featurizer::from_config(config, std::move(vocabulary));
  const int64_t table_dim = options.table_dim > 0 ? options.table_dim : options.dim;
  const int64_t projection_dim = options.projection ? options.dim : 0;

  std::mt19937_64 rng(options.seed);
  std::vector<BagEncoder> towers;
  towers.emplace_back("query", featurizer.num_features(), table_dim, options.pooling,
                      projection_dim);
  if (options.two_towers) {
    towers.emplace_back("document", featurizer.num_features(), table_dim, options.pooling,
                        projection_dim);
  }
  for (BagEncoder& tower : towers) tower.init_normal(options.init_std, rng);

  nlohmann::json provenance;
  try {
    provenance = nlohmann::json::parse(options.provenance);
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("model provenance is not valid JSON: {}", e.what());
  }
  TESSERA_CHECK(provenance.is_object(), "model provenance must be a JSON object");
  if (!provenance.contains("tessera_version")) provenance["tessera_version"] = TESSERA_VERSION;

  return Model(std::move(featurizer), std::move(towers),
               options.prefixes.empty() ? default_prefixes(options.dim) : options.prefixes,
               options.normalization, provenance.dump());
}

BagEncoder& Model::tower(Tower which) {
  return which == Tower::kDocument && towers_.size() == 2 ? towers_.back() : towers_.front();
}

const BagEncoder& Model::tower(Tower which) const {
  return which == Tower::kDocument && towers_.size() == 2 ? towers_.back() : towers_.front();
}

void Model::set_provenance(std::string provenance) {
  TESSERA_CHECK(nlohmann::json::accept(provenance) && nlohmann::json::parse(provenance).is_object(),
                "provenance must be a JSON object");
  provenance_ = std::move(provenance);
}

Bags Model::featurize(const std::vector<std::string>& texts, const TextOrigin& origin) const {
  // Texts are featurized in parallel into their own slots, then packed in order, so the bags do
  // not depend on the thread count.
  std::vector<Features> features(texts.size());
  parallel_for(
      static_cast<int64_t>(texts.size()),
      [&](int64_t begin, int64_t end, int) {
        for (int64_t i = begin; i < end; ++i) {
          try {
            features[static_cast<size_t>(i)] = featurizer_.featurize(texts[static_cast<size_t>(i)]);
          } catch (const Error& e) {
            // The location is formatted only on failure: the common path stays free of it.
            if (origin.source.empty()) throw;
            throw Error(fmt::format("{}:{}: {}", origin.source, origin.first_line + i, e.what()));
          }
        }
      },
      16);
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

Tensor Model::encode(const std::vector<std::string>& texts, Tower which,
                     const TextOrigin& origin) const {
  return tower(which).encode(featurize(texts, origin));
}

Tensor Model::embed(const std::vector<std::string>& texts, int64_t dim, Tower which,
                    const TextOrigin& origin) const {
  const int64_t full = this->dim();
  const int64_t keep = dim == 0 ? full : dim;
  TESSERA_CHECK(keep >= 1 && keep <= full, "embedding dim {} is outside [1, {}]", dim, full);
  Tensor vectors = encode(texts, which, origin);
  Tensor prefix = keep == full ? vectors : vectors.prefix_cols(keep);
  if (normalization_ == Normalization::kNone) return keep == full ? vectors : prefix.clone();
  Tensor out = Tensor::empty({prefix.rows(), keep});
  std::vector<float> norms(static_cast<size_t>(prefix.rows()));
  // A zero vector (a text with no known features) stays zero instead of dividing by zero.
  l2_normalize_forward(prefix, 1e-12f, out, norms);
  return out;
}

}  // namespace tessera
