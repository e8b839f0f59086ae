#include "tessera/model/compact_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/compact_bag_encoder.h"
#include "tessera/model/id_encoder.h"

namespace tessera {

namespace {

// The squared norm of each row of table (n x d), or of its image through directions (k x d):
// sum over the k directions of (direction . row)^2. With more directions than dims that is
// row' G row, G = the directions' Gram matrix (d x d), the cheaper form for many labels.
std::vector<double> row_weights(const Tensor& table, const Tensor& directions) {
  const int64_t n = table.dim(0);
  const int64_t d = table.cols();
  std::vector<double> out(static_cast<size_t>(n));
  if (directions.defined() && directions.dim(0) > d) {
    std::vector<double> gram(static_cast<size_t>(d * d), 0.0);
    for (int64_t k = 0; k < directions.dim(0); ++k) {
      const float* w = directions.row(k);
      for (int64_t a = 0; a < d; ++a) {
        for (int64_t b = 0; b < d; ++b) gram[static_cast<size_t>(a * d + b)] += double(w[a]) * w[b];
      }
    }
    parallel_for(
        n,
        [&](int64_t begin, int64_t end, int) {
          for (int64_t r = begin; r < end; ++r) {
            const float* row = table.row(r);
            double sum = 0;
            for (int64_t a = 0; a < d; ++a) {
              double dot = 0;
              for (int64_t b = 0; b < d; ++b) dot += gram[static_cast<size_t>(a * d + b)] * row[b];
              sum += row[a] * dot;
            }
            out[static_cast<size_t>(r)] = std::max(0.0, sum);  // rounding may dip below 0
          }
        },
        1024);
    return out;
  }
  parallel_for(
      n,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) {
          const float* row = table.row(r);
          double sum = 0;
          if (!directions.defined()) {
            for (int64_t c = 0; c < d; ++c) sum += static_cast<double>(row[c]) * row[c];
          } else {
            for (int64_t k = 0; k < directions.dim(0); ++k) {
              const float* direction = directions.row(k);
              double dot = 0;
              for (int64_t c = 0; c < d; ++c) dot += static_cast<double>(direction[c]) * row[c];
              sum += dot * dot;
            }
          }
          out[static_cast<size_t>(r)] = sum;
        }
      },
      4096);
  return out;
}

// The indices of table's `cutoff` rows of largest weight (row_weights, times the square of the
// row's count when counts, one per row, are given; ties to the lower index), ascending; rows of
// weight 0 (counted by no text) are never kept. cutoff 0 keeps every row.
std::vector<int32_t> rows_to_keep(const Tensor& table, int64_t cutoff,
                                  const std::vector<int64_t>& counts, const Tensor& directions) {
  const int64_t n = table.dim(0);
  std::vector<int32_t> ids(static_cast<size_t>(n));
  std::iota(ids.begin(), ids.end(), 0);
  if (cutoff == 0) return ids;
  std::vector<double> norm = row_weights(table, directions);
  if (!counts.empty()) {
    for (int64_t r = 0; r < n; ++r) {
      const auto count = static_cast<double>(counts[static_cast<size_t>(r)]);
      norm[static_cast<size_t>(r)] *= count * count;
    }
  }
  std::erase_if(ids, [&](int32_t id) {
    return norm[static_cast<size_t>(id)] == 0 ||
           (!counts.empty() && counts[static_cast<size_t>(id)] == 0);
  });
  const auto keep = std::min<size_t>(static_cast<size_t>(cutoff), ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(keep), ids.end(),
                    [&](int32_t a, int32_t b) {
                      return norm[static_cast<size_t>(a)] != norm[static_cast<size_t>(b)]
                                 ? norm[static_cast<size_t>(a)] > norm[static_cast<size_t>(b)]
                                 : a < b;
                    });
  ids.resize(keep);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Rows `rows` of table as float rows, or as int8 codes with one scale per row
// (scale = max |x| / 127, code = rint(x / scale), as core/quantize.h rounds).
CompactBagEncoder::Table gather_rows(const Tensor& table, const std::vector<int32_t>& rows,
                                     bool int8) {
  const auto n = static_cast<int64_t>(rows.size());
  const int64_t dim = table.cols();
  CompactBagEncoder::Table out;
  if (!int8) {
    out.rows = Tensor::empty({n, dim});
    for (int64_t r = 0; r < n; ++r) {
      std::copy_n(table.row(rows[static_cast<size_t>(r)]), dim, out.rows.row(r));
    }
    return out;
  }
  std::vector<int8_t> codes(static_cast<size_t>(n * dim));
  out.scales = Tensor::empty({n});
  for (int64_t r = 0; r < n; ++r) {
    const float* row = table.row(rows[static_cast<size_t>(r)]);
    float largest = 0;
    for (int64_t c = 0; c < dim; ++c) largest = std::max(largest, std::abs(row[c]));
    const float scale = largest / 127.0f;
    out.scales.data()[r] = scale;
    for (int64_t c = 0; c < dim; ++c) {
      const float q = scale > 0 ? std::nearbyint(row[c] / scale) : 0.0f;
      codes[static_cast<size_t>(r * dim + c)] = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
    }
  }
  out.codes = IntTensor::of_i8({n, dim}, codes);
  return out;
}

std::unique_ptr<Encoder> copy_id_encoder(const IdEncoder& encoder) {
  auto copy = std::make_unique<IdEncoder>(encoder.name(), encoder.table().value.clone());
  copy->set_names(encoder.names());
  return copy;
}

// A bag encoder's float table as compaction reads it: a BagEncoder's (a row per feature) or a
// float CompactBagEncoder's (rows for some features: what training over hashed buckets makes).
struct BagTable {
  const Encoder* encoder;
  const Tensor* rows;
  std::vector<int32_t> feature_ids;  // of each row, ascending
  Pooling pooling;
  const Tensor* projection;  // nullptr: none
};

// The table of a bag encoder, or nothing for the other kinds; an Error when it is int8 already.
std::optional<BagTable> bag_table(const Encoder& encoder) {
  if (encoder.kind() == "bag") {
    const auto& bag = static_cast<const BagEncoder&>(encoder);
    std::vector<int32_t> ids(static_cast<size_t>(bag.input_size()));
    std::iota(ids.begin(), ids.end(), 0);
    return BagTable{&encoder, &bag.table().value, std::move(ids), bag.pooling(),
                    bag.has_projection() ? &bag.projection().value : nullptr};
  }
  if (encoder.kind() != "compact_bag") return std::nullopt;
  const auto& bag = static_cast<const CompactBagEncoder&>(encoder);
  TESSERA_CHECK(!bag.int8(),
                "encoder '{}' holds int8 codes already: compact the model it was made from",
                encoder.name());
  return BagTable{&encoder, &bag.table().value, bag.feature_ids(), bag.pooling(),
                  bag.has_projection() ? &bag.projection().value : nullptr};
}

// Directions (k x output dim) as they act on the rows of bag's table: through its projection
// P (table_dim x output dim), a row r adds r P to the output, so direction w sees w P^T.
Tensor table_directions(const BagTable& bag, const Tensor& directions) {
  if (!directions.defined()) return directions;
  TESSERA_CHECK(directions.ndim() == 2 && directions.cols() == bag.encoder->output_dim(),
                "ranking directions of {} columns for encoder '{}' of dim {}", directions.cols(),
                bag.encoder->name(), bag.encoder->output_dim());
  if (bag.projection == nullptr) return directions;
  const Tensor& p = *bag.projection;
  Tensor out = Tensor::zeros({directions.dim(0), p.dim(0)});
  for (int64_t k = 0; k < directions.dim(0); ++k) {
    for (int64_t c = 0; c < p.dim(0); ++c) {
      double dot = 0;
      for (int64_t o = 0; o < p.cols(); ++o) {
        dot += static_cast<double>(directions.row(k)[o]) * p.row(c)[o];
      }
      out.row(k)[c] = static_cast<float>(dot);
    }
  }
  return out;
}

// What a bag encoder keeps: rows of its table and their features, both ascending.
struct KeptRows {
  std::vector<int32_t> rows;
  std::vector<int32_t> features;
};

// The rows each bag encoder keeps, by name.
std::map<std::string, KeptRows> kept_rows(const Model& model, const CompactOptions& options) {
  TESSERA_CHECK(options.cutoff >= 0, "cutoff {} is negative", options.cutoff);
  TESSERA_CHECK(options.counts.empty() || static_cast<int64_t>(options.counts.size()) ==
                                              model.featurizer().num_features(),
                "{} feature counts for the model's {} features", options.counts.size(),
                model.featurizer().num_features());
  std::map<std::string, KeptRows> kept;
  for (const auto& encoder : model.encoders()) {
    const std::optional<BagTable> bag = bag_table(*encoder);
    if (!bag) continue;
    std::vector<int64_t> counts;  // of each row
    if (!options.counts.empty()) {
      for (const int32_t id : bag->feature_ids) {
        counts.push_back(options.counts[static_cast<size_t>(id)]);
      }
    }
    KeptRows& out = kept[encoder->name()];
    out.rows = rows_to_keep(*bag->rows, options.cutoff, counts,
                            table_directions(*bag, options.rank_through));
    for (const int32_t r : out.rows)
      out.features.push_back(bag->feature_ids[static_cast<size_t>(r)]);
  }
  TESSERA_CHECK(!kept.empty(), "the model has no bag encoder to compact");
  return kept;
}

}  // namespace

std::vector<bool> compact_kept_features(const Model& model, const CompactOptions& options) {
  std::vector<bool> features(static_cast<size_t>(model.featurizer().num_features()), false);
  for (const auto& [name, kept] : kept_rows(model, options)) {
    for (const int32_t id : kept.features) features[static_cast<size_t>(id)] = true;
  }
  return features;
}

Model compact_model(const Model& model, const CompactOptions& options) {
  const std::map<std::string, KeptRows> kept = kept_rows(model, options);
  const Featurizer& featurizer = model.featurizer();
  const Vocabulary& vocabulary = featurizer.vocabulary();
  const int32_t words = vocabulary.size();

  // The words any bag encoder keeps.
  std::vector<bool> word_kept(static_cast<size_t>(words), false);
  for (const auto& [name, rows] : kept) {
    for (const int32_t id : rows.features) {
      if (id < words) word_kept[static_cast<size_t>(id)] = true;
    }
  }

  // The vocabulary of the kept words (a subsequence keeps the canonical order) and each old
  // feature id's new one: word ids close up, buckets follow the vocabulary.
  std::vector<std::pair<std::string, int64_t>> entries;
  std::vector<int32_t> new_word_id(static_cast<size_t>(words), -1);
  for (int32_t id = 0; id < words; ++id) {
    if (!word_kept[static_cast<size_t>(id)]) continue;
    new_word_id[static_cast<size_t>(id)] = static_cast<int32_t>(entries.size());
    entries.emplace_back(vocabulary.word(id), vocabulary.count(id));
  }
  const auto new_words = static_cast<int32_t>(entries.size());
  auto new_feature_id = [&](int32_t id) {
    return id < words ? new_word_id[static_cast<size_t>(id)] : id - words + new_words;
  };
  Featurizer compact_featurizer =
      Featurizer::from_config(featurizer.config(), Vocabulary::from_counts(std::move(entries)));
  const int64_t features = compact_featurizer.num_features();

  std::vector<std::unique_ptr<Encoder>> encoders;
  nlohmann::json rows_kept = nlohmann::json::object();
  for (const auto& encoder : model.encoders()) {
    if (encoder->kind() == "id") {
      encoders.push_back(copy_id_encoder(static_cast<const IdEncoder&>(*encoder)));
      continue;
    }
    const std::optional<BagTable> bag = bag_table(*encoder);
    TESSERA_CHECK(bag.has_value(), "encoder '{}' of kind '{}' cannot be compacted", encoder->name(),
                  encoder->kind());
    const KeptRows& rows = kept.at(encoder->name());
    const std::vector<int32_t>& ids = rows.features;
    CompactBagEncoder::Table table = gather_rows(*bag->rows, rows.rows, options.int8);
    if (static_cast<int64_t>(ids.size()) < features) {
      for (const int32_t id : ids) table.feature_ids.push_back(new_feature_id(id));
    }
    rows_kept[encoder->name()] = ids.size();
    encoders.push_back(std::make_unique<CompactBagEncoder>(
        encoder->name(), features, std::move(table), bag->pooling,
        bag->projection != nullptr ? bag->projection->clone() : Tensor()));
  }
  nlohmann::json provenance = nlohmann::json::parse(model.provenance());
  provenance["compact"] = {{"cutoff", options.cutoff},
                           {"int8", options.int8},
                           {"rank_by", options.rank_through.defined() ? "scores" : "norm"},
                           {"counted", !options.counts.empty()},
                           {"rows_kept", rows_kept}};
  return Model(std::move(compact_featurizer), std::move(encoders), model.towers(), model.prefixes(),
               model.normalization(), provenance.dump());
}

}  // namespace tessera
