// TextIndex: a searchable collection of documents, what `tessera index` builds and `tessera
// search` opens. It pairs the documents with a vector index of their embeddings (a Model's
// document tower), a BM25 index of their text, or both (hybrid), and searches query texts.
//
// Methods (the vector ones index the first `dim` dims of the document vectors, normalized as the
// model says, and search with the query tower's vectors cut the same way):
//   flat     FlatIndex (exact)              int8     Int8Index
//   binary   binary shortlist + fp32 rescoring (a FunnelIndex)
//   hnsw     HnswIndex (approximate)        funnel   Int8Index at funnel_dim, rescored at dim
//   bm25     Bm25Index (no model)           hybrid   bm25 and flat, fused (fusion.h)
//
// On disk, a directory:
//   manifest.json     {"format": "tessera-text-index", "version": 1, "method", "model" (the
//                     model file's absolute path, null for bm25), "model_dim", "dim", "documents",
//                     "build_seconds", and the method's options}
//   documents.jsonl   the documents as a BEIR corpus ({"_id", "title", "text"})
//   vectors.index     the vector index (index_file.h), for vector methods and hybrid
//   bm25.index        the BM25 index, for bm25 and hybrid
// Every file is written atomically and the manifest last, so an interrupted save never leaves a
// directory that opens as a different index.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/data/beir.h"
#include "tessera/index/bm25.h"
#include "tessera/index/fusion.h"
#include "tessera/index/hnsw_index.h"
#include "tessera/index/index.h"
#include "tessera/model/model.h"

namespace tessera {

enum class TextIndexMethod { kFlat, kInt8, kBinary, kHnsw, kFunnel, kBm25, kHybrid };

// "flat", "int8", "binary", "hnsw", "funnel", "bm25", "hybrid"; throws on anything else.
TextIndexMethod parse_text_index_method(std::string_view name);
const char* text_index_method_name(TextIndexMethod method);

struct TextIndexOptions {
  TextIndexMethod method = TextIndexMethod::kFlat;
  int64_t dim = 0;          // dims indexed (0: the model's full dim)
  int64_t funnel_dim = 64;  // funnel: the shortlist's dims
  int64_t shortlist = 100;  // funnel and binary: candidates rescored per query
  HnswOptions hnsw;
  Bm25Options bm25;
  FusionOptions fusion;  // hybrid (weight: bm25's share)
};

struct TextHit {
  int64_t doc = -1;  // position in documents()
  float score = 0;
};

class TextIndex {
 public:
  // Embeds (in batches, with the document tower) and indexes documents. model may be null only
  // for bm25; model_path is recorded in the manifest so that search can find the model again.
  static TextIndex build(std::vector<BeirDocument> documents, std::shared_ptr<const Model> model,
                         const std::string& model_path, const TextIndexOptions& options);

  // Writes the directory (created if missing; files in it replaced atomically).
  void save(const std::string& directory) const;
  // Opens a directory save() wrote. model: the model to embed queries with; null loads the one
  // the manifest names. A model of another dim than the index's is an Error.
  static TextIndex load(const std::string& directory, std::shared_ptr<const Model> model = nullptr);

  // The k best documents per query text, best first (fewer when fewer match).
  std::vector<std::vector<TextHit>> search(std::span<const std::string> queries, int64_t k,
                                           const SearchParams& params = {}) const;

  const std::vector<BeirDocument>& documents() const { return documents_; }
  TextIndexMethod method() const { return options_.method; }
  const TextIndexOptions& options() const { return options_; }
  int64_t dim() const { return dim_; }
  double build_seconds() const { return build_seconds_; }
  const Model* model() const { return model_.get(); }
  const Index* vector_index() const { return vectors_.get(); }
  const Bm25Index* bm25_index() const { return bm25_.get(); }

 private:
  TextIndex() = default;
  // The query tower's vectors of texts, cut to dim_ and normalized as the model says.
  Tensor query_vectors(std::span<const std::string> queries) const;

  std::vector<BeirDocument> documents_;
  TextIndexOptions options_;
  std::shared_ptr<const Model> model_;
  std::string model_path_;
  int64_t dim_ = 0;
  double build_seconds_ = 0;
  std::unique_ptr<Index> vectors_;
  std::unique_ptr<Bm25Index> bm25_;
};

// Whether a method searches vectors (needs a model).
bool uses_vectors(TextIndexMethod method);
bool uses_bm25(TextIndexMethod method);

}  // namespace tessera
