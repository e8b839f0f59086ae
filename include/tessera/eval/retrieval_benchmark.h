// RetrievalBenchmark: how well a Model's vectors retrieve, on a BEIR-style task (Thakur et al.,
// 2021): a corpus, queries and graded relevance judgements. For the `tessera eval beir` verb and
// for the trainer's dev-set evaluation alike.
//
// evaluate() embeds every document once (the document tower; text = title + " " + text) and
// every evaluated query once (the query tower), then scores each method on the same vectors
// (nothing is embedded when only bm25 is asked, which needs no model). Each vector method is an
// index of index/ built over the document vectors, searched with the query vectors:
//   dense@<d>            FlatIndex (exact inner product) over the first d dims of both, each
//                        prefix normalized as the model says (Matryoshka prefixes, Kusupati et
//                        al. 2022)
//   int8@<D>             Int8Index of the full D-dim vectors
//   binary@<D>+rescore   FunnelIndex: BinaryIndex of the sign bits shortlists, FlatIndex of the
//                        full vectors rescores (Binary Paragraph Vector; adaptive retrieval);
//                        binary@<b>+rescore@<D> takes the bits of the first b dims only
//   funnel@<d>><D>       FunnelIndex: a shortlist index over the d-dim prefixes (flat, or HNSW),
//                        rescored at D dims (Matryoshka adaptive retrieval)
//   hnsw@<D>             HnswIndex (approximate) of the full vectors
//   bm25                 Lucene's BM25 over the documents' tokens (index/bm25.h), no model:
//                        the Pyserini BEIR "flat" baseline
//   hybrid(bm25+dense@<D>)  fusion (index/fusion.h) of the bm25 and dense@<D> lists
// As in BEIR, a document whose id equals the query's id is never returned for that query.
// Evaluated queries are those the qrels judge with at least one relevant document; metrics
// follow ir_metrics.h (trec_eval semantics).
//
// Costs are measured in the same run: the index build time and memory, the throughput of one
// batch call over all queries (queries/s, from query vectors or texts to ranked lists; query
// embedding is reported apart), and the latency of each query searched alone (p50 / p99).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/data/beir.h"
#include "tessera/eval/ir_metrics.h"
#include "tessera/eval/relevance.h"
#include "tessera/index/bm25.h"
#include "tessera/index/fusion.h"
#include "tessera/index/hnsw_index.h"
#include "tessera/model/model.h"

namespace tessera {

enum class RetrievalMethod {
  kDense,          // dense@<d> for every requested d
  kInt8,           // int8@<model dim>
  kBinaryRescore,  // binary@<model dim>+rescore
  kFunnel,         // funnel@<funnel_dim>><model dim>
  kHnsw,           // hnsw@<model dim>
  kBm25,           // bm25 (needs no model)
  kHybrid,         // hybrid(bm25+dense@<model dim>)
};

// True for the methods that search a model's vectors.
bool needs_model(RetrievalMethod method);
// "dense", "int8", "binary", "funnel", "hnsw", "bm25", "hybrid"; throws on anything else.
RetrievalMethod parse_retrieval_method(std::string_view name);

// The shortlist index of the funnel method: exact fp32, exact over int8 codes (integer scan), or
// an HNSW graph.
enum class FunnelShortlist { kFlat, kInt8, kHnsw };

// What the binary and funnel methods rescore their shortlists with: the float vectors, or int8
// codes of them (a quarter of the bytes; "binary + int8 rescoring").
enum class Rescorer { kFloat, kInt8 };

struct RetrievalOptions {
  std::vector<RetrievalMethod> methods = {RetrievalMethod::kDense, RetrievalMethod::kBinaryRescore};
  // Dense results kept per query. 100 covers the metrics reported (Recall@100 the deepest) and
  // matches the binary shortlist, so queries/s compare like for like; BEIR's run files use 1000.
  int64_t depth = 100;
  int64_t binary_candidates = 100;  // Hamming shortlist re-ranked by binary+rescore (its depth)
  int64_t binary_dim = 0;           // sign bits of this prefix shortlist (0: the full vector)
  int64_t funnel_dim = 64;          // the funnel's shortlist dims
  int64_t funnel_candidates = 100;  // the funnel's shortlist, re-ranked at full dim
  FunnelShortlist funnel_shortlist = FunnelShortlist::kInt8;
  Rescorer rescorer = Rescorer::kFloat;  // binary and funnel
  HnswOptions hnsw;                      // for kHnsw and an HNSW funnel shortlist
  FusionOptions fusion;                  // for kHybrid
  int64_t latency_queries = 1000;        // queries timed one at a time for p50 / p99 (0: none)
  // The batch of all queries is searched again until this much time is spent (once at least); the
  // fastest search counts, so that queries/s holds still on a shared machine.
  double batch_seconds = 0.25;
  std::vector<IrMetric> metrics = {
      {IrMeasure::kNdcg, 10}, {IrMeasure::kRecall, 100}, {IrMeasure::kMrr, 10}};
  bool keep_runs = false;  // keep each method's Run in the result (to write TREC files)
  Bm25Options bm25;        // for kBm25 (its results kept per query: depth)
};

struct MethodResult {
  std::string name;  // "dense@256", "binary@256+rescore", "bm25", ...
  RetrievalMethod method = RetrievalMethod::kDense;
  int64_t dim = 0;            // dims searched (full dim for binary; 0 for bm25)
  IrEvaluation evaluation;    // means and per-query values of RetrievalOptions::metrics
  double build_seconds = 0;   // building the index from the corpus (bm25: tokenizing included)
  double search_seconds = 0;  // searching all queries in one call, from query vectors (bm25:
                              // query texts, analysis included) to ranked lists; the fastest of
                              // the repeats (RetrievalOptions::batch_seconds)
  double queries_per_second = 0;
  double p50_ms = 0;  // latency of one query searched alone (median, 99th percentile)
  double p99_ms = 0;
  double bytes_per_vector = 0;  // stored per document by a vector index (0 for bm25)
  int64_t index_bytes = 0;      // memory of the whole index
  Run run;                      // only with keep_runs

  // The mean of metric `name` ("nDCG@10"); throws if not computed.
  double metric(std::string_view metric_name) const { return evaluation.mean(metric_name); }
};

struct BenchmarkResult {
  int64_t num_queries = 0;
  int64_t num_documents = 0;
  double document_seconds = 0;  // embedding the corpus (0 without a model method)
  double query_seconds = 0;     // embedding the queries (0 without a model method)
  std::vector<MethodResult> methods;

  // The method named `name`; throws if absent.
  const MethodResult& method(std::string_view name) const;
};

class RetrievalBenchmark {
 public:
  // Takes the corpus, the queries and their judgements. Throws on a duplicate document or query
  // id, and on a qrels entry naming a query or document that is not given.
  RetrievalBenchmark(std::vector<BeirDocument> corpus, const std::vector<BeirQuery>& queries,
                     const Qrels& qrels);
  // A BEIR dataset with the qrels of one of its loaded splits (copies what it needs).
  static RetrievalBenchmark from_beir(const BeirDataset& dataset, const std::string& split);

  // The same corpus (shared, not copied) with only the named queries and their judgements, e.g.
  // a dev split carved out of train qrels. Every id must be one of query_ids().
  RetrievalBenchmark with_queries(const std::vector<std::string>& query_ids) const;

  // Scores each method of `options` with `model`. dims: the dense dims, each in [1, model.dim()]
  // (empty: the model's prefixes). Const and reentrant: the trainer may call it every epoch.
  BenchmarkResult evaluate(const Model& model, const std::vector<int64_t>& dims = {},
                           const RetrievalOptions& options = {}) const;
  // Scores methods that need no model (bm25); throws if options ask for one that does.
  BenchmarkResult evaluate(const RetrievalOptions& options) const;

  // The evaluated queries (judged relevant documents), in the order queries were given.
  const std::vector<std::string>& query_ids() const { return query_ids_; }
  int64_t num_queries() const { return static_cast<int64_t>(query_ids_.size()); }
  int64_t num_documents() const;
  // The judgements of the evaluated queries.
  const Qrels& qrels() const { return qrels_; }

 private:
  struct Corpus;
  RetrievalBenchmark(std::shared_ptr<const Corpus> corpus, std::vector<std::string> query_ids,
                     std::vector<std::string> query_texts, Qrels qrels);

  BenchmarkResult evaluate_methods(const Model* model, const std::vector<int64_t>& dims,
                                   const RetrievalOptions& options) const;

  std::shared_ptr<const Corpus> corpus_;
  std::vector<std::string> query_ids_;
  std::vector<std::string> query_texts_;
  std::vector<int64_t> self_document_;  // per query: the document with the query's id, or -1
  Qrels qrels_;
};

// The name evaluate() gives a method: "dense@64", "binary@256+rescore", "bm25" (dim unused),
// "funnel@64>256" (shortlist_dim used by binary and the funnel only); an int8 rescorer adds
// ":int8" ("binary@256+rescore:int8", "funnel@64>256:int8").
std::string method_name(RetrievalMethod method, int64_t dim, int64_t shortlist_dim = 0,
                        Rescorer rescorer = Rescorer::kFloat);

}  // namespace tessera
