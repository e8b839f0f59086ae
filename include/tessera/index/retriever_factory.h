// Retriever specs, and the one place that builds retrievers from them for `tessera index`,
// `tessera eval beir` and the quickstart:
//
//   <index spec>                 dense search: the model's query tower against an index of the
//                                document tower's vectors (index_spec.h: flat, int8, binary,
//                                hnsw, funnel, binary+rescore, A>R)
//   bm25                         BM25 over the documents' words (bm25.h); needs no model
//   hybrid                       BM25 fused with flat dense search (hybrid_retriever.h)
//   hybrid(bm25+<index spec>)    BM25 fused with that dense search
//
// Canonical names: the index spec's ("flat@256"), "bm25", "hybrid(bm25+flat@256)".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/index/bm25.h"
#include "tessera/index/fusion.h"
#include "tessera/index/index_spec.h"
#include "tessera/index/retriever.h"
#include "tessera/model/model.h"

namespace tessera {

struct RetrieverSpec {
  enum class Kind { kDense, kBm25, kHybrid };
  Kind kind = Kind::kDense;
  IndexSpec index;  // the dense search of kDense and kHybrid

  bool needs_model() const { return kind != Kind::kBm25; }
};

// Parses a spec; an Error naming the spec and what is wrong in it.
RetrieverSpec parse_retriever_spec(std::string_view spec);
// "flat@256" of "hybrid(bm25+flat@256)": the dense part of a hybrid's spec (an Error for a spec
// that is not of that form).
std::string hybrid_dense_part(std::string_view spec);

// The documents' vectors at `dim` dims (the document tower's, cut and normalized as the model
// says), handed to `add` in consecutive batches of rows.
using DocumentVectors =
    std::function<void(int64_t dim, const std::function<void(const Tensor& rows)>& add)>;

// What retrievers are built from.
struct RetrieverInputs {
  std::shared_ptr<const Model> model;  // null: bm25 only
  std::string query_tower = std::string(kQueryTower);
  DocumentVectors document_vectors;             // with a model
  std::span<const std::string> document_texts;  // for bm25 (kept by the caller)
  IndexDefaults defaults;
  Bm25Options bm25;
  FusionOptions fusion;
};

struct BuiltRetriever {
  std::shared_ptr<const Retriever> retriever;
  double build_seconds = 0;  // adding the vectors to the index / building BM25; for a hybrid both
};

class RetrieverFactory {
 public:
  explicit RetrieverFactory(RetrieverInputs inputs);

  // The retriever of spec over vectors of `dim` dims (0: the model's). Each distinct retriever
  // (by canonical name) is built once: a hybrid shares the bm25 and dense retrievers built
  // before it.
  BuiltRetriever build(const RetrieverSpec& spec, int64_t dim = 0);

 private:
  BuiltRetriever build_bm25();
  BuiltRetriever build_dense(const IndexSpec& spec, int64_t dim);

  RetrieverInputs inputs_;
  std::map<std::string, BuiltRetriever> built_;
};

}  // namespace tessera
