#include "tessera/index/retriever_factory.h"

#include "tessera/core/check.h"
#include "tessera/core/stopwatch.h"
#include "tessera/index/bm25_retriever.h"
#include "tessera/index/dense_retriever.h"
#include "tessera/index/hybrid_retriever.h"

namespace tessera {

namespace {
constexpr std::string_view kHybridOpen = "hybrid(bm25+";
}  // namespace

std::string hybrid_dense_part(std::string_view spec) {
  TESSERA_CHECK(
      spec.starts_with(kHybridOpen) && spec.ends_with(")") && spec.size() > kHybridOpen.size() + 1,
      "retriever spec '{}': a hybrid is 'hybrid' or 'hybrid(bm25+<index spec>)'", spec);
  return std::string(spec.substr(kHybridOpen.size(), spec.size() - kHybridOpen.size() - 1));
}

RetrieverSpec parse_retriever_spec(std::string_view spec) {
  RetrieverSpec out;
  if (spec == "bm25") {
    out.kind = RetrieverSpec::Kind::kBm25;
    return out;
  }
  if (spec == "hybrid") {
    out.kind = RetrieverSpec::Kind::kHybrid;
    out.index = parse_index_spec("flat");
    return out;
  }
  if (spec.starts_with("hybrid")) {
    out.kind = RetrieverSpec::Kind::kHybrid;
    out.index = parse_index_spec(hybrid_dense_part(spec));
    return out;
  }
  out.index = parse_index_spec(spec);
  return out;
}

RetrieverFactory::RetrieverFactory(RetrieverInputs inputs) : inputs_(std::move(inputs)) {}

BuiltRetriever RetrieverFactory::build_bm25() {
  if (const auto it = built_.find("bm25"); it != built_.end()) return it->second;
  const Stopwatch watch;
  auto index = std::make_shared<const Bm25Index>(inputs_.document_texts, inputs_.bm25);
  BuiltRetriever out{std::make_shared<Bm25Retriever>(std::move(index)), watch.seconds()};
  built_.emplace("bm25", out);
  return out;
}

BuiltRetriever RetrieverFactory::build_dense(const IndexSpec& spec, int64_t dim) {
  const Model* model = inputs_.model.get();
  TESSERA_CHECK(model != nullptr, "dense search needs a model");
  const ResolvedIndexSpec resolved = resolve(spec, dim, inputs_.defaults);
  const std::string name = resolved.name();
  if (const auto it = built_.find(name); it != built_.end()) return it->second;
  std::unique_ptr<Index> index =
      make_index(resolved, model->normalization() != Normalization::kNone);
  double seconds = 0;
  inputs_.document_vectors(resolved.dim(), [&](const Tensor& rows) {
    const Stopwatch watch;
    index->add(rows);
    seconds += watch.seconds();
  });
  BuiltRetriever out{
      std::make_shared<DenseRetriever>(inputs_.model, inputs_.query_tower, std::move(index), name),
      seconds};
  built_.emplace(name, out);
  return out;
}

BuiltRetriever RetrieverFactory::build(const RetrieverSpec& spec, int64_t dim) {
  if (spec.kind == RetrieverSpec::Kind::kBm25) return build_bm25();
  TESSERA_CHECK(inputs_.model != nullptr, "{} needs a model",
                spec.kind == RetrieverSpec::Kind::kHybrid ? "hybrid search" : "dense search");
  const int64_t full = inputs_.model->dim();
  const int64_t vectors = dim == 0 ? full : dim;
  TESSERA_CHECK(vectors >= 1 && vectors <= full, "dim {} is outside the model's [1, {}]", vectors,
                full);
  if (spec.kind == RetrieverSpec::Kind::kDense) return build_dense(spec.index, vectors);
  const BuiltRetriever lexical = build_bm25();
  const BuiltRetriever dense = build_dense(spec.index, vectors);
  auto hybrid =
      std::make_shared<HybridRetriever>(lexical.retriever, dense.retriever, inputs_.fusion);
  const std::string name = hybrid->name();
  if (const auto it = built_.find(name); it != built_.end()) return it->second;
  BuiltRetriever out{std::move(hybrid), lexical.build_seconds + dense.build_seconds};
  built_.emplace(name, out);
  return out;
}

}  // namespace tessera
