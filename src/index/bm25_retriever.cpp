#include "tessera/index/bm25_retriever.h"

#include "tessera/core/check.h"

namespace tessera {

Bm25Retriever::Bm25Retriever(std::shared_ptr<const Bm25Index> index) : index_(std::move(index)) {
  TESSERA_CHECK(index_ != nullptr, "a BM25 retriever needs an index");
}

QueryBatch Bm25Retriever::prepare(std::span<const std::string> texts,
                                  const TextOrigin& /*origin*/) const {
  QueryBatch out;
  out.texts.assign(texts.begin(), texts.end());
  return out;
}

void Bm25Retriever::save(const std::string& directory) const {
  index_->save(directory + "/" + kBm25IndexFile);
}

TopK Bm25Retriever::search(const QueryBatch& queries, int64_t k,
                           const SearchParams& /*params*/) const {
  TESSERA_CHECK(static_cast<int64_t>(queries.texts.size()) == queries.size(),
                "BM25 searches query texts");
  return index_->search_batch(queries.texts, k);
}

}  // namespace tessera
