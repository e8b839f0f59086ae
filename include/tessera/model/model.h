// Model: a featurizer and one or two BagEncoder towers, with the metadata that says how their
// vectors are used: output dim, Matryoshka prefixes (Kusupati et al., "Matryoshka
// Representation Learning", 2022), normalization and free-form provenance.
//
// One shared tower embeds queries and documents alike; `two_towers` gives documents their own
// (asymmetric retrieval, as in dual encoders). Saved as a safetensors file (safetensors.h):
//   tensors   "query.table" (num_features x table_dim), "query.projection" (table_dim x dim,
//             only with a projection), and "document.table" / "document.projection" for two towers
//   metadata  "format" = "tessera", "format_version" = "1", "featurizer" = FeaturizerConfig JSON,
//             "vocabulary" / "vocabulary_counts" = JSON arrays in id order, "model" = JSON
//             {dim, table_dim, prefixes, pooling, two_towers, projection, normalization},
//             "provenance" = a JSON object (data, options, tessera_version, ...)
//
// Immutable once built or loaded apart from the weights (the trainer updates them through
// tower()); embed and encode are const and safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/embedding_bag.h"
#include "tessera/core/tensor.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/text/featurizer.h"

namespace tessera {

inline constexpr int64_t kMaxModelDim = 1024;
inline constexpr int kModelFormatVersion = 1;
// Names of the tensors a trainer's checkpoint adds to a model file.
inline constexpr std::string_view kTrainerTensorPrefix = "trainer.";

enum class Tower { kQuery, kDocument };

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

struct ModelOptions {
  int64_t dim = 256;        // output dim (<= kMaxModelDim)
  bool projection = false;  // table_dim -> dim learned linear map after pooling
  int64_t table_dim = 0;    // width of the table with a projection; 0: dim
  Pooling pooling = Pooling::kMean;
  bool two_towers = false;  // separate query and document towers
  // Matryoshka prefixes, ascending, last == dim; empty: 32,64,128,256 for dim 256, else {dim}.
  std::vector<int64_t> prefixes;
  Normalization normalization = Normalization::kL2;
  float init_std = 0.1f;          // weights start as N(0, init_std^2)
  uint64_t seed = 42;             // of the initial weights; equal seeds give equal models
  std::string provenance = "{}";  // a JSON object; tessera_version is added when missing
};

class Model {
 public:
  // A freshly initialized model over config + vocabulary; throws on invalid options.
  static Model create(const FeaturizerConfig& config, Vocabulary vocabulary,
                      const ModelOptions& options = {});
  // Reads a file written by save(); every inconsistency is an Error naming the file.
  static Model load(const std::string& path);
  // Writes the model atomically (temporary file + rename). A trainer's checkpoint adds its own
  // state: tensors named "trainer.*" and metadata keys "trainer*", which load() skips, so a
  // checkpoint also loads as the model it holds.
  void save(const std::string& path, const std::map<std::string, std::string>& extra_metadata = {},
            const std::map<std::string, Tensor>& extra_tensors = {}) const;

  // texts -> (n x dim) vectors: featurize, pool, project, keep the first `dim` columns and
  // normalize them as the model says. dim = 0 means the full output dim; any 1 <= dim <=
  // output dim is accepted, though only the prefixes were trained to stand alone. `origin`
  // names where the texts come from in errors about one of them (invalid UTF-8).
  Tensor embed(const std::vector<std::string>& texts, int64_t dim = 0, Tower tower = Tower::kQuery,
               const TextOrigin& origin = {}) const;
  // texts -> (n x output dim) unnormalized full vectors (what embed cuts and normalizes).
  Tensor encode(const std::vector<std::string>& texts, Tower tower = Tower::kQuery,
                const TextOrigin& origin = {}) const;
  // The feature bags of texts, featurized in parallel (for encode and for training).
  Bags featurize(const std::vector<std::string>& texts, const TextOrigin& origin = {}) const;

  int64_t dim() const { return towers_.front().output_dim(); }
  const std::vector<int64_t>& prefixes() const { return prefixes_; }
  Normalization normalization() const { return normalization_; }
  bool two_towers() const { return towers_.size() == 2; }
  const std::string& provenance() const { return provenance_; }
  // Replaces the provenance (a JSON object; the trainer knows the data only once it has run).
  void set_provenance(std::string provenance);
  const Featurizer& featurizer() const { return featurizer_; }
  // The tower that embeds `tower`'s texts (the shared one unless two_towers()).
  BagEncoder& tower(Tower tower);
  const BagEncoder& tower(Tower tower) const;

 private:
  Model(Featurizer featurizer, std::vector<BagEncoder> towers, std::vector<int64_t> prefixes,
        Normalization normalization, std::string provenance);

  Featurizer featurizer_;
  std::vector<BagEncoder> towers_;  // [query] or [query, document]
  std::vector<int64_t> prefixes_;
  Normalization normalization_;
  std::string provenance_;
};

// Names used in files and messages.
const char* pooling_name(Pooling pooling);
const char* normalization_name(Normalization normalization);

}  // namespace tessera
