// TextIndex: a searchable collection of documents, what `tessera index` builds and `tessera
// search` opens: the documents and a Retriever over them (retriever.h), built from a retriever
// spec (retriever_factory.h: an index spec for dense search with a model's towers, bm25, or a
// hybrid of the two).
//
// On disk, a directory:
//   manifest.json     {"format": "tessera-text-index", "version": 2, "method" (the retriever's
//                     canonical name, e.g. "funnel@64>256", "bm25", "hybrid(bm25+flat@256)"),
//                     "model" (the model file's absolute path, null for bm25), "model_dim",
//                     "dim", "documents", "build_seconds", "fusion", "files" (each file's
//                     bytes and checksum: the whole file's for documents.jsonl, the one an
//                     index file ends with for the others)}
//   documents.jsonl   the documents as a BEIR corpus ({"_id", "title", "text"})
//   vectors.index     the vector index (index_file.h), for dense and hybrid search
//   bm25.index        the BM25 index, for bm25 and hybrid
// The directory is one unit: save() writes it beside the target and swaps it in with one rename
// (atomic_directory.h), under a lock, so a save killed at any point leaves the complete old
// index or the complete new one, and a second writer of the same directory fails at once. load()
// checks every file against the manifest and the document count. Directories saved before the
// manifest listed its files, and those of version 1 (methods flat, int8, binary, hnsw, funnel,
// bm25, hybrid), open as well.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tessera/data/beir.h"
#include "tessera/index/bm25.h"
#include "tessera/index/fusion.h"
#include "tessera/index/index_spec.h"
#include "tessera/index/retriever.h"
#include "tessera/model/model.h"

namespace tessera {

struct TextIndexOptions {
  std::string method = "flat";  // a retriever spec
  int64_t dim = 0;              // dims of the vectors indexed (a Matryoshka prefix; 0: all)
  IndexDefaults defaults;       // what the spec leaves open (shortlist, funnel dims, HNSW)
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

  // Writes the directory: created, or an existing index directory (or empty one) replaced as a
  // whole; any other existing path is an Error.
  void save(const std::string& directory) const;
  // Opens a directory save() wrote. model: the model to embed queries with; null loads the one
  // the manifest names. A model of another dim than the index's is an Error.
  static TextIndex load(const std::string& directory, std::shared_ptr<const Model> model = nullptr);

  // The k best documents per query text, best first (fewer when fewer match). origin names the
  // queries in errors about one of them.
  std::vector<std::vector<TextHit>> search(std::span<const std::string> queries, int64_t k,
                                           const SearchParams& params = {},
                                           const TextOrigin& origin = {"query", 1}) const;

  const std::vector<BeirDocument>& documents() const { return documents_; }
  // The retriever's canonical name.
  std::string method() const { return retriever_->name(); }
  const Retriever& retriever() const { return *retriever_; }
  int64_t dim() const { return dim_; }  // 0 for bm25
  double build_seconds() const { return build_seconds_; }
  const Model* model() const { return model_.get(); }

 private:
  TextIndex() = default;

  std::vector<BeirDocument> documents_;
  std::shared_ptr<const Model> model_;
  std::string model_path_;
  std::shared_ptr<const Retriever> retriever_;
  FusionOptions fusion_;
  int64_t dim_ = 0;
  double build_seconds_ = 0;
};

}  // namespace tessera
