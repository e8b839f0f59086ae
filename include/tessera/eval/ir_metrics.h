// Ranked-retrieval metrics with trec_eval semantics: the definitions BEIR reports through
// pytrec_eval, and those of the independent reference ../shared/bench/ir_metrics_ref.py, which
// the tests hold this code to (equal to 1e-4 on real runs).
//
// Per query, over the run's documents in trec_order (score descending, ties by doc id
// descending), cut at rank k; "relevant" means grade > 0:
//   nDCG@k    sum of grade / log2(rank + 1) over relevant docs in the top k (linear gain),
//             divided by the same sum for the ideal ranking of all the query's judged grades
//   Recall@k  |relevant in top k| / |relevant|
//   P@k       |relevant in top k| / k          (k, even when the run holds fewer documents)
//   MAP@k     sum over relevant hits in the top k of P@rank, divided by |relevant|
//   MRR@k     1 / rank of the first relevant document in the top k; 0 if none
//   Success@k 1 if a relevant document is in the top k, else 0 (accuracy@k of one-answer tasks)
// Queries: every qrels query with at least one relevant document is evaluated, and the mean is
// over those. One with no relevant document is skipped; one absent from the run (or with an
// empty list) scores 0 on everything (trec_eval -c; pytrec_eval and BEIR instead skip queries
// the run lacks, which only differs when a system returns nothing for a query). Run queries
// that the qrels do not judge are ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/eval/relevance.h"

namespace tessera {

enum class IrMeasure { kNdcg, kRecall, kPrecision, kMap, kMrr, kSuccess };

// One metric at one cutoff, named as BEIR names them: "nDCG@10", "Recall@100", "P@5", "MAP@100",
// "MRR@10", "Success@10".
struct IrMetric {
  IrMeasure measure = IrMeasure::kNdcg;
  int64_t k = 10;  // >= 1

  std::string name() const;
  // Parses a name as above; throws tessera::Error on an unknown measure or a bad cutoff.
  static IrMetric parse(std::string_view name);
  bool operator==(const IrMetric&) const = default;
};

std::vector<IrMetric> parse_ir_metrics(const std::vector<std::string>& names);

struct IrEvaluation {
  std::vector<IrMetric> metrics;
  // The evaluated queries (judged with at least one relevant document), ascending by id.
  std::vector<std::string> query_ids;
  // Row-major (query_ids.size() x metrics.size()): per_query[q * metrics.size() + m].
  std::vector<double> per_query;
  // The mean of each metric over query_ids; 0 when there are none.
  std::vector<double> means;

  int64_t num_queries() const { return static_cast<int64_t>(query_ids.size()); }
  // The mean of the metric named `name`; throws if it was not computed.
  double mean(std::string_view name) const;
  double value(size_t query, size_t metric) const {
    return per_query[query * metrics.size() + metric];
  }
};

// Scores `run` against `qrels` on every metric (see the top of this file). metrics must not be
// empty.
IrEvaluation evaluate_run(const Qrels& qrels, const Run& run, const std::vector<IrMetric>& metrics);

}  // namespace tessera
