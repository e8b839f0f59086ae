#include "tessera/index/dense_retriever.h"

#include "tessera/core/check.h"

namespace tessera {

DenseRetriever::DenseRetriever(std::shared_ptr<const Model> model, std::string query_tower,
                               std::unique_ptr<Index> index, std::string name)
    : model_(std::move(model)),
      query_tower_(std::move(query_tower)),
      index_(std::move(index)),
      name_(std::move(name)) {
  TESSERA_CHECK(model_ != nullptr && index_ != nullptr,
                "a dense retriever needs a model and an index");
  TESSERA_CHECK(index_->dim() <= model_->dim(),
                "the index holds {}-dim vectors; the model gives {} dims", index_->dim(),
                model_->dim());
  model_->tower(query_tower_);  // the tower must exist
}

QueryBatch DenseRetriever::prepare(std::span<const std::string> texts,
                                   const TextOrigin& origin) const {
  QueryBatch out;
  out.texts.assign(texts.begin(), texts.end());
  out.vectors = model_->embed(out.texts, index_->dim(), query_tower_, origin);
  return out;
}

void DenseRetriever::save(const std::string& directory) const {
  index_->save(directory + "/" + kVectorIndexFile);
}

TopK DenseRetriever::search(const QueryBatch& queries, int64_t k,
                            const SearchParams& params) const {
  TESSERA_CHECK(queries.vectors.defined() && queries.vectors.cols() == index_->dim(),
                "{} searches {}-dim query vectors", name_, index_->dim());
  return index_->search(queries.vectors, k, params);
}

}  // namespace tessera
