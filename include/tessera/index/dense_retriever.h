// DenseRetriever: a model's tower embeds the queries (cut to the index's dims and normalized as
// the model says: a Matryoshka prefix), and a vector index of the documents' vectors searches
// them (index_spec.h names the kinds).
#pragma once

#include <memory>
#include <string>

#include "tessera/index/index.h"
#include "tessera/index/retriever.h"
#include "tessera/model/model.h"

namespace tessera {

class DenseRetriever final : public Retriever {
 public:
  // index holds the documents' vectors, cut to its dim() dims (at most the model's); name is
  // its spec's canonical name.
  DenseRetriever(std::shared_ptr<const Model> model, std::string query_tower,
                 std::unique_ptr<Index> index, std::string name);

  std::string name() const override { return name_; }
  int64_t query_dim() const override { return index_->dim(); }
  QueryBatch prepare(std::span<const std::string> texts,
                     const TextOrigin& origin = {"query", 1}) const override;
  TopK search(const QueryBatch& queries, int64_t k, const SearchParams& params = {}) const override;
  using Retriever::search;
  int64_t num_documents() const override { return index_->num_added(); }
  double bytes_per_vector() const override { return index_->bytes_per_vector(); }
  int64_t memory_bytes() const override { return index_->memory_bytes(); }
  void save(const std::string& directory) const override;

  const Index& index() const { return *index_; }
  const Model& model() const { return *model_; }

 private:
  std::shared_ptr<const Model> model_;
  std::string query_tower_;
  std::unique_ptr<Index> index_;
  std::string name_;
};

}  // namespace tessera
