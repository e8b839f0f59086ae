// Retriever: query texts -> the ranked ids (positions in the documents indexed) and scores of
// the best documents, the one interface of every way tessera searches text:
//   dense_retriever.h   a model's query tower and a vector index of its document vectors
//   bm25_retriever.h    BM25 over the documents' words
//   hybrid_retriever.h  the fusion of two retrievers' lists (BM25 and dense)
// `tessera search` and `tessera eval beir` both search through it.
//
// A search is two steps, so that a benchmark can time the search alone: prepare() turns query
// texts into what search() reads (vectors embedded by the model, the texts kept for BM25, which
// analyzes them itself), and search() ranks. search is const and safe from many threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tessera/core/tensor.h"
#include "tessera/index/exact_search.h"
#include "tessera/index/index.h"
#include "tessera/model/model.h"

namespace tessera {

// Queries ready to search: their texts, and their vectors when a retriever reads vectors.
struct QueryBatch {
  std::vector<std::string> texts;
  Tensor vectors;  // one row per query, the retriever's query_dim() columns; undefined if unused

  int64_t size() const;
  // Queries [begin, end) (texts copied, vectors viewed).
  QueryBatch slice(int64_t begin, int64_t end) const;
};

class Retriever {
 public:
  virtual ~Retriever() = default;

  // The canonical spec of what it searches ("flat@256", "bm25", "hybrid(bm25+flat@256)").
  virtual std::string name() const = 0;
  // The dims of the query vectors it reads (0: it reads texts only).
  virtual int64_t query_dim() const = 0;
  // origin names the texts in errors about one of them ("query:7: invalid UTF-8 ...").
  virtual QueryBatch prepare(std::span<const std::string> texts,
                             const TextOrigin& origin = {"query", 1}) const = 0;
  // The k best documents per query, best first; ids -1 and scores -infinity pad rows with
  // fewer results.
  virtual TopK search(const QueryBatch& queries, int64_t k,
                      const SearchParams& params = {}) const = 0;
  TopK search(std::span<const std::string> texts, int64_t k, const SearchParams& params = {},
              const TextOrigin& origin = {"query", 1}) const {
    return search(prepare(texts, origin), k, params);
  }

  virtual int64_t num_documents() const = 0;
  // Bytes stored per document by a vector index (0 for BM25), and the memory of the whole.
  virtual double bytes_per_vector() const = 0;
  virtual int64_t memory_bytes() const = 0;

  // Writes its index files into directory, each atomically: kVectorIndexFile (dense search),
  // kBm25IndexFile (BM25); a hybrid writes both its parts'.
  virtual void save(const std::string& directory) const = 0;
};

inline constexpr const char* kVectorIndexFile = "vectors.index";
inline constexpr const char* kBm25IndexFile = "bm25.index";

}  // namespace tessera
