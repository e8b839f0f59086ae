// RetrievalBenchmark: how well a Model's vectors retrieve, on a BEIR-style task (Thakur et al.,
// 2021): a corpus, queries and graded relevance judgements. For the `tessera eval beir` verb, the
// quickstart and the trainer's dev-set evaluation alike.
//
// evaluate() embeds every document once (the document tower; text = title + " " + text) and
// every evaluated query once (the query tower), then scores each method on the same vectors
// (nothing is embedded when only bm25 is asked, which needs no model). A method is a retriever
// spec (retriever_factory.h), built by the RetrieverFactory over the document vectors and searched
// through the Retriever interface, and named by its canonical name:
//   flat                 exact search at each of the dims asked (flat@64, flat@256: Matryoshka
//                        prefixes, Kusupati et al. 2022); every other spec without dims runs at
//                        the model's full dim
//   int8, binary+rescore, funnel, hnsw, A>R, ...   the index specs of index_spec.h
//   bm25                 Lucene's BM25 over the documents' tokens (index/bm25.h), no model: the
//                        Pyserini BEIR "flat" baseline
//   hybrid               BM25 fused with flat search (index/hybrid_retriever.h)
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
#include "tessera/index/index_spec.h"
#include "tessera/model/model.h"

namespace tessera {

// The methods `tessera eval beir` runs with a model unless told others: BM25, flat search at
// every prefix, int8 codes, binary codes + rescoring, the Matryoshka funnel, HNSW and hybrid.
inline constexpr const char* kEveryRetrievalMethod =
    "bm25,flat,int8,binary+rescore,funnel,hnsw,hybrid";

struct RetrievalOptions {
  // Retriever specs, in the order their results are reported.
  std::vector<std::string> methods = {"flat", "binary+rescore"};
  // Results kept per query. 100 covers the metrics reported (Recall@100 the deepest) and matches
  // the default shortlist, so queries/s compare like for like; BEIR's run files use 1000.
  int64_t depth = 100;
  IndexDefaults defaults;  // what the specs leave open: shortlist, funnel dims, rescorer, HNSW
  FusionOptions fusion;    // for hybrid
  int64_t latency_queries = 1000;  // queries timed one at a time for p50 / p99 (0: none)
  // The batch of all queries is searched again until this much time is spent (once at least); the
  // fastest search counts, so that queries/s holds still on a shared machine.
  double batch_seconds = 0.25;
  std::vector<IrMetric> metrics = {
      {IrMeasure::kNdcg, 10}, {IrMeasure::kRecall, 100}, {IrMeasure::kMrr, 10}};
  bool keep_runs = false;  // keep each method's Run in the result (to write TREC files)
  Bm25Options bm25;        // for bm25 and hybrid
};

struct MethodResult {
  std::string name;           // "flat@256", "binary@256+rescore", "bm25", ...
  int64_t dim = 0;            // dims of the query vectors searched (0 for bm25)
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

  // Scores each method of `options` with `model`. dims: those of flat, each in [1, model.dim()]
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

}  // namespace tessera
