#include "tessera/eval/pair_accuracy.h"

#include "tessera/core/check.h"
#include "tessera/index/exact_search.h"

namespace tessera {

double pair_accuracy(const Model& model, const std::vector<TextPair>& pairs, int64_t dim) {
  TESSERA_CHECK(!pairs.empty(), "pair accuracy needs at least one pair");
  std::vector<std::string> queries, positives;
  queries.reserve(pairs.size());
  positives.reserve(pairs.size());
  for (const TextPair& p : pairs) {
    queries.push_back(p.query);
    positives.push_back(p.positive);
  }
  const Tensor q = model.embed(queries, dim, kQueryTower);
  const Tensor d = model.embed(positives, dim, kDocumentTower);
  const TopK top = exact_top_k(q, d, 1);
  int64_t correct = 0;
  for (int64_t i = 0; i < top.num_queries; ++i) correct += top.ids_of(i)[0] == i;
  return static_cast<double>(correct) / static_cast<double>(pairs.size());
}

}  // namespace tessera
