#include "tessera/index/hybrid_retriever.h"

#include <algorithm>

#include "tessera/core/check.h"

namespace tessera {

HybridRetriever::HybridRetriever(std::shared_ptr<const Retriever> first,
                                 std::shared_ptr<const Retriever> second, FusionOptions fusion)
    : first_(std::move(first)), second_(std::move(second)), fusion_(fusion) {
  TESSERA_CHECK(first_ != nullptr && second_ != nullptr, "hybrid search needs two retrievers");
  TESSERA_CHECK(first_->num_documents() == second_->num_documents(),
                "hybrid search over {} and {} documents", first_->num_documents(),
                second_->num_documents());
  TESSERA_CHECK(first_->query_dim() == 0 || second_->query_dim() == 0 ||
                    first_->query_dim() == second_->query_dim(),
                "the two lists of a hybrid read query vectors of {} and {} dims",
                first_->query_dim(), second_->query_dim());
  TESSERA_CHECK(fusion_.depth >= 1, "the fusion depth must be >= 1, got {}", fusion_.depth);
}

std::string HybridRetriever::name() const {
  return "hybrid(" + first_->name() + "+" + second_->name() + ")";
}

int64_t HybridRetriever::query_dim() const {
  return std::max(first_->query_dim(), second_->query_dim());
}

QueryBatch HybridRetriever::prepare(std::span<const std::string> texts,
                                    const TextOrigin& origin) const {
  QueryBatch out =
      second_->query_dim() > 0 ? second_->prepare(texts, origin) : first_->prepare(texts, origin);
  if (out.texts.empty()) out.texts.assign(texts.begin(), texts.end());
  return out;
}

TopK HybridRetriever::search(const QueryBatch& queries, int64_t k,
                             const SearchParams& params) const {
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  const int64_t depth = std::max(k, fusion_.depth);
  return fuse(first_->search(queries, depth, params), second_->search(queries, depth, params), k,
              fusion_);
}

void HybridRetriever::save(const std::string& directory) const {
  first_->save(directory);
  second_->save(directory);
}

double HybridRetriever::bytes_per_vector() const {
  return first_->bytes_per_vector() + second_->bytes_per_vector();
}

int64_t HybridRetriever::memory_bytes() const {
  return first_->memory_bytes() + second_->memory_bytes();
}

}  // namespace tessera
