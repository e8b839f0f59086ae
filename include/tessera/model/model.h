// Model: a featurizer and named towers, each an Encoder (encoder.h), with the metadata that says
// how their vectors are used: output dim, Matryoshka prefixes (Kusupati et al., "Matryoshka
// Representation Learning", 2022), normalization and free-form provenance.
//
// A tower is a role: "query" and "document" (retrieval), "label" (classification), "entity",
// "relation", "item", "user", ... Two towers may share one encoder: a retrieval model embeds
// queries and documents with one shared bag encoder unless it has two towers (asymmetric
// retrieval, as in dual encoders). Every tower gives vectors of the model's dim, so any two can be
// compared, and every Matryoshka prefix applies to all of them.
//
// Saved as a safetensors file (safetensors.h), format_version 3:
//   tensors   every encoder's parameters by name ("query.table", "query.projection",
//             "label.table", ...)
//   metadata  "format" = "tessera", "format_version" = "3", "featurizer" = FeaturizerConfig
//             JSON, "vocabulary" / "vocabulary_counts" = JSON arrays in id order, "model" = JSON
//             {dim, prefixes, normalization, towers: {tower: encoder name}, encoders: {name:
//             {kind, config}}}, "provenance" = a JSON object (data, options, tessera_version, ...),
//             "checksum" (safetensors.h), which version 3 requires
// Files of format_version 2 (the same without the checksum) and 1 (one or two bag towers,
// written before towers had names) load as the same model. A caller may store more in the file (a
// trainer's checkpoint): metadata keys and tensors of its own, which load() skips, so that such a
// file also loads as the model.
//
// Immutable once built or loaded apart from the weights (a trainer updates them through the
// encoders' parameters); embed and encode are const and safe to call from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/embedding_bag.h"
#include "tessera/core/enum_names.h"
#include "tessera/core/tensor.h"
#include "tessera/model/encoder.h"
#include "tessera/text/featurizer.h"

namespace tessera {

inline constexpr int64_t kMaxModelDim = 1024;
inline constexpr int kModelFormatVersion = 3;

// The towers of retrieval.
inline constexpr std::string_view kQueryTower = "query";
inline constexpr std::string_view kDocumentTower = "document";

// Where a batch of texts comes from, for error messages: text i is line first_line + i of
// source, and an error about it reads "source:line: ...". An empty source adds nothing.
struct TextOrigin {
  std::string_view source;
  int64_t first_line = 1;
};

enum class Normalization {
  kNone,  // vectors as the encoder gives them
  kL2,    // each requested prefix scaled to unit L2 length
};
inline constexpr EnumName<Normalization> kNormalizationNames[] = {{Normalization::kNone, "none"},
                                                                  {Normalization::kL2, "l2"}};
template <>
inline constexpr EnumNames<Normalization> enum_names<Normalization> = kNormalizationNames;

// What Model::create builds: a bag-encoder "query" tower (compact, over feature_rows, when
// given), shared as "document" or beside its own "document" tower, and any number of id towers.
// The Matryoshka prefixes a model of `dim` gets when none are given: 32,64,128,256 at 256 dims,
// else {dim}.
std::vector<int64_t> default_prefixes(int64_t dim);
// What is wrong with `prefixes` for a model of `dim` ("must be positive and ascending, got ...",
// "must end at dim ..."), or "" when they fit: the one rule, for models and their options alike.
std::string prefixes_problem(const std::vector<int64_t>& prefixes, int64_t dim);

struct ModelOptions {
  int64_t dim = 256;        // output dim (<= kMaxModelDim)
  bool projection = false;  // table_dim -> dim learned linear map after pooling
  int64_t table_dim = 0;    // width of the table with a projection; 0: dim
  Pooling pooling = Pooling::kMean;
  bool two_towers = false;  // separate query and document towers
  // Towers of one learned row per id (IdEncoder), by name: e.g. {"label": number of labels}.
  std::map<std::string, int64_t> id_towers;
  // Names of an id tower's rows (IdEncoder::set_names), by tower; towers not here have none.
  std::map<std::string, std::vector<std::string>> id_names;
  // More towers that read texts with the document tower's encoder: e.g. {"label"} for labels
  // embedded from their descriptions, in the texts' space.
  std::vector<std::string> document_towers;
  // Matryoshka prefixes, ascending, last == dim; empty: 32,64,128,256 for dim 256, else {dim}.
  std::vector<int64_t> prefixes;
  Normalization normalization = Normalization::kL2;
  // The features (ascending ids) the bag towers have rows for, or empty: every feature. With
  // fewer than every feature the towers are CompactBagEncoders (compact_bag_encoder.h): a model
  // over hashed buckets needs rows for the features its training texts hold, not for the hash
  // space.
  std::vector<int32_t> feature_rows;
  float init_std = 0.1f;          // weights start as N(0, init_std^2)
  uint64_t seed = 42;             // of the initial weights; equal seeds give equal models
  std::string provenance = "{}";  // a JSON object; tessera_version is added when missing
};

// Whether a metadata key is the model's own (format, featurizer, vocabulary, model, provenance,
// ...) rather than a caller's extra (a classifier's head, a trainer's state).
bool is_model_metadata_key(const std::string& key);

// What a caller stores in a model file beside the model: metadata keys other than the model's
// and tensors named apart from its parameters. load() skips both.
struct ModelFileExtras {
  std::map<std::string, std::string> metadata;
  std::map<std::string, Tensor> tensors;
};

class Model {
 public:
  // A model of the given encoders (distinct names) and towers (tower name -> encoder name; every
  // encoder serves at least one tower). Throws when an encoder of features does not read the
  // featurizer's feature ids, when the towers' dims differ or the prefixes do not end at that
  // dim, or when provenance is not a JSON object.
  Model(Featurizer featurizer, std::vector<std::unique_ptr<Encoder>> encoders,
        std::map<std::string, std::string> towers, std::vector<int64_t> prefixes,
        Normalization normalization, std::string provenance);
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;
  Model(const Model&) = delete;  // encoders own big tables: no silent copies
  Model& operator=(const Model&) = delete;
  ~Model();

  // A freshly initialized model over config + vocabulary; throws on invalid options.
  static Model create(const FeaturizerConfig& config, Vocabulary vocabulary,
                      const ModelOptions& options = {});
  // The same over a featurizer already built (one its caller featurized texts with).
  static Model create(Featurizer featurizer, const ModelOptions& options = {});
  // Reads a file written by save() (or a format_version 1 file); every inconsistency is an
  // Error naming the file: the checksum (safetensors.h) when the file has one, the metadata
  // against the tensors, and every weight finite.
  static Model load(const std::string& path);
  // Writes the model (and extras) atomically: temporary file + rename.
  void save(const std::string& path, const ModelFileExtras& extras = {}) const;

  // texts -> (n x dim) vectors of `tower`: featurize, encode, keep the first `dim` columns and
  // normalize them as the model says. dim = 0 means the full output dim; any 1 <= dim <= output
  // dim is accepted, though only the prefixes were trained to stand alone. `origin` names where
  // the texts come from in errors about one of them (invalid UTF-8).
  Tensor embed(const std::vector<std::string>& texts, int64_t dim = 0,
               std::string_view tower = kQueryTower, const TextOrigin& origin = {}) const;
  // Any input the tower's encoder reads (ids of an id tower) -> (n x dim), as embed does.
  Tensor embed_input(const EncoderInput& input, int64_t dim, std::string_view tower) const;
  // texts -> (n x dim()) unnormalized full vectors (what embed cuts and normalizes).
  Tensor encode(const std::vector<std::string>& texts, std::string_view tower = kQueryTower,
                const TextOrigin& origin = {}) const;
  // The first `dim` columns of vectors encode() gave, normalized as the model says: what embed
  // returns for the same texts (0: the full dim).
  Tensor cut(const Tensor& encoded, int64_t dim) const;
  // The feature bags of texts, featurized in parallel (for encode and for training).
  Bags featurize(const std::vector<std::string>& texts, const TextOrigin& origin = {}) const;

  int64_t dim() const { return dim_; }
  const std::vector<int64_t>& prefixes() const { return prefixes_; }
  Normalization normalization() const { return normalization_; }
  const std::string& provenance() const { return provenance_; }
  // Replaces the provenance (a JSON object; the trainer knows the data only once it has run).
  void set_provenance(std::string provenance);
  const Featurizer& featurizer() const { return featurizer_; }

  // The encoder of a tower; an Error naming the model's towers when it has no such tower.
  Encoder& tower(std::string_view tower);
  const Encoder& tower(std::string_view tower) const;
  // Tower name -> encoder name.
  const std::map<std::string, std::string>& towers() const { return towers_; }
  // Whether towers a and b are one encoder (shared weights).
  bool shared(std::string_view a, std::string_view b) const;
  // Every encoder once, by name.
  const std::vector<std::unique_ptr<Encoder>>& encoders() const { return encoders_; }
  // Every parameter of every encoder once, in encoder order.
  std::vector<Parameter*> parameters();

 private:
  // dim = 0 (the full dim) or 1..dim(); an Error otherwise.
  void check_dim(int64_t dim) const;

  Featurizer featurizer_;
  std::vector<std::unique_ptr<Encoder>> encoders_;
  std::map<std::string, std::string> towers_;
  int64_t dim_ = 0;
  std::vector<int64_t> prefixes_;
  Normalization normalization_;
  std::string provenance_;
};

}  // namespace tessera
