// HybridRetriever: two retrievers' ranked lists fused (fusion.h) into one: BM25 and dense search
// together, the one implementation of hybrid search in tessera. Each list is searched to
// max(k, fusion.depth) results (depth 100 by default) before the k best of the fusion are kept.
// Named "hybrid(<first>+<second>)", e.g. "hybrid(bm25+flat@256)"; the fusion weight is the
// first list's.
#pragma once

#include <memory>

#include "tessera/index/fusion.h"
#include "tessera/index/retriever.h"

namespace tessera {

class HybridRetriever final : public Retriever {
 public:
  // Both over the same documents.
  HybridRetriever(std::shared_ptr<const Retriever> first, std::shared_ptr<const Retriever> second,
                  FusionOptions fusion);

  std::string name() const override;
  int64_t query_dim() const override;
  QueryBatch prepare(std::span<const std::string> texts,
                     const TextOrigin& origin = {"query", 1}) const override;
  TopK search(const QueryBatch& queries, int64_t k, const SearchParams& params = {}) const override;
  using Retriever::search;
  int64_t num_documents() const override { return first_->num_documents(); }
  double bytes_per_vector() const override;
  int64_t memory_bytes() const override;
  void save(const std::string& directory) const override;

  const Retriever& first() const { return *first_; }
  const Retriever& second() const { return *second_; }
  const FusionOptions& fusion() const { return fusion_; }

 private:
  std::shared_ptr<const Retriever> first_, second_;
  FusionOptions fusion_;
};

}  // namespace tessera
