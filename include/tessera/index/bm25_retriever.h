// Bm25Retriever: BM25 (bm25.h) over the documents' words, as a Retriever.
#pragma once

#include <memory>

#include "tessera/index/bm25.h"
#include "tessera/index/retriever.h"

namespace tessera {

class Bm25Retriever final : public Retriever {
 public:
  explicit Bm25Retriever(std::shared_ptr<const Bm25Index> index);

  std::string name() const override { return "bm25"; }
  int64_t query_dim() const override { return 0; }
  QueryBatch prepare(std::span<const std::string> texts,
                     const TextOrigin& origin = {"query", 1}) const override;
  // Reads the texts: the analysis of each query is part of its search.
  TopK search(const QueryBatch& queries, int64_t k, const SearchParams& params = {}) const override;
  using Retriever::search;
  int64_t num_documents() const override { return index_->num_documents(); }
  double bytes_per_vector() const override { return 0; }
  int64_t memory_bytes() const override { return index_->memory_bytes(); }
  void save(const std::string& directory) const override;

  const Bm25Index& index() const { return *index_; }

 private:
  std::shared_ptr<const Bm25Index> index_;
};

}  // namespace tessera
