#include "tessera/eval/ir_metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>

#include "tessera/core/check.h"

namespace tessera {

namespace {

struct MeasureName {
  IrMeasure measure;
  const char* name;
};
constexpr MeasureName kMeasureNames[] = {
    {IrMeasure::kNdcg, "nDCG"}, {IrMeasure::kRecall, "Recall"}, {IrMeasure::kPrecision, "P"},
    {IrMeasure::kMap, "MAP"},   {IrMeasure::kMrr, "MRR"},       {IrMeasure::kSuccess, "Success"}};

// One query's ranked grades (the run's documents in trec_order, cut at the largest k) scored on
// every metric into out[0 .. metrics.size()).
void score_query(const std::vector<int64_t>& ranked_grades, const std::vector<int64_t>& ideal,
                 const std::vector<IrMetric>& metrics, double* out) {
  const auto relevant = static_cast<double>(ideal.size());
  for (size_t m = 0; m < metrics.size(); ++m) {
    const int64_t k = metrics[m].k;
    const auto top = static_cast<size_t>(std::min<int64_t>(k, std::ssize(ranked_grades)));
    double value = 0.0;
    switch (metrics[m].measure) {
      case IrMeasure::kNdcg: {
        double dcg = 0.0, idcg = 0.0;
        for (size_t i = 0; i < top; ++i) {
          const int64_t grade = ranked_grades[i];
          if (grade > 0) dcg += static_cast<double>(grade) / std::log2(static_cast<double>(i) + 2);
        }
        const auto ideal_top = static_cast<size_t>(std::min<int64_t>(k, std::ssize(ideal)));
        for (size_t i = 0; i < ideal_top; ++i) {
          idcg += static_cast<double>(ideal[i]) / std::log2(static_cast<double>(i) + 2);
        }
        value = idcg > 0 ? dcg / idcg : 0.0;
        break;
      }
      case IrMeasure::kRecall:
      case IrMeasure::kPrecision: {
        int64_t hits = 0;
        for (size_t i = 0; i < top; ++i) hits += ranked_grades[i] > 0 ? 1 : 0;
        value = static_cast<double>(hits) /
                (metrics[m].measure == IrMeasure::kRecall ? relevant : static_cast<double>(k));
        break;
      }
      case IrMeasure::kMap: {
        int64_t hits = 0;
        double sum = 0.0;
        for (size_t i = 0; i < top; ++i) {
          if (ranked_grades[i] > 0) {
            ++hits;
            sum += static_cast<double>(hits) / static_cast<double>(i + 1);
          }
        }
        value = sum / relevant;
        break;
      }
      case IrMeasure::kSuccess:
        for (size_t i = 0; i < top; ++i) {
          if (ranked_grades[i] > 0) {
            value = 1.0;
            break;
          }
        }
        break;
      case IrMeasure::kMrr: {
        for (size_t i = 0; i < top; ++i) {
          if (ranked_grades[i] > 0) {
            value = 1.0 / static_cast<double>(i + 1);
            break;
          }
        }
        break;
      }
    }
    out[m] = value;
  }
}

}  // namespace

std::string IrMetric::name() const {
  for (const MeasureName& entry : kMeasureNames) {
    if (entry.measure == measure) return fmt::format("{}@{}", entry.name, k);
  }
  TESSERA_FAIL("unknown IR measure {}", static_cast<int>(measure));
}

IrMetric IrMetric::parse(std::string_view name) {
  const size_t at = name.find('@');
  TESSERA_CHECK(at != std::string_view::npos,
                "metric '{}' is not of the form MEASURE@K (nDCG, Recall, P, MAP or MRR; e.g. "
                "nDCG@10)",
                name);
  const std::string_view measure = name.substr(0, at);
  const std::string_view cutoff = name.substr(at + 1);
  IrMetric metric;
  const auto [end, error] = std::from_chars(cutoff.data(), cutoff.data() + cutoff.size(), metric.k);
  TESSERA_CHECK(!cutoff.empty() && error == std::errc() && end == cutoff.data() + cutoff.size() &&
                    metric.k >= 1,
                "metric '{}' needs a cutoff K >= 1 after '@'", name);
  for (const MeasureName& entry : kMeasureNames) {
    if (measure == entry.name) {
      metric.measure = entry.measure;
      return metric;
    }
  }
  TESSERA_FAIL("metric '{}': unknown measure '{}' (expected nDCG, Recall, P, MAP or MRR)", name,
               measure);
}

std::vector<IrMetric> parse_ir_metrics(const std::vector<std::string>& names) {
  std::vector<IrMetric> metrics;
  metrics.reserve(names.size());
  for (const std::string& name : names) metrics.push_back(IrMetric::parse(name));
  return metrics;
}

double IrEvaluation::mean(std::string_view name) const {
  for (size_t m = 0; m < metrics.size(); ++m) {
    if (metrics[m].name() == name) return means[m];
  }
  TESSERA_FAIL("metric '{}' was not computed", name);
}

IrEvaluation evaluate_run(const Qrels& qrels, const Run& run,
                          const std::vector<IrMetric>& metrics) {
  TESSERA_CHECK(!metrics.empty(), "evaluate_run needs at least one metric");
  int64_t max_k = 0;
  for (const IrMetric& metric : metrics) {
    TESSERA_CHECK(metric.k >= 1, "metric cutoff {} must be >= 1", metric.k);
    max_k = std::max(max_k, metric.k);
  }
  IrEvaluation result;
  result.metrics = metrics;
  for (const auto& [query_id, judged] : qrels) {
    const bool any_relevant = std::any_of(judged.begin(), judged.end(),
                                          [](const auto& entry) { return entry.second > 0; });
    if (any_relevant) result.query_ids.push_back(query_id);
  }
  std::sort(result.query_ids.begin(), result.query_ids.end());

  const size_t num_metrics = metrics.size();
  result.per_query.assign(result.query_ids.size() * num_metrics, 0.0);
  std::vector<int64_t> ideal;
  std::vector<int64_t> ranked_grades;
  std::vector<const ScoredDoc*> ranked;
  for (size_t q = 0; q < result.query_ids.size(); ++q) {
    const auto& judged = qrels.at(result.query_ids[q]);
    ideal.clear();
    for (const auto& [doc_id, grade] : judged) {
      if (grade > 0) ideal.push_back(grade);
    }
    std::sort(ideal.begin(), ideal.end(), std::greater<>());

    ranked_grades.clear();
    if (const auto found = run.find(result.query_ids[q]); found != run.end()) {
      ranked.clear();
      for (const ScoredDoc& doc : found->second) ranked.push_back(&doc);
      const auto top = static_cast<size_t>(std::min<int64_t>(max_k, std::ssize(ranked)));
      std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(top),
                        ranked.end(),
                        [](const ScoredDoc* a, const ScoredDoc* b) { return trec_before(*a, *b); });
      for (size_t i = 0; i < top; ++i) {
        const auto grade = judged.find(ranked[i]->doc_id);
        ranked_grades.push_back(grade == judged.end() ? 0 : grade->second);
      }
    }
    score_query(ranked_grades, ideal, metrics, &result.per_query[q * num_metrics]);
  }

  result.means.assign(num_metrics, 0.0);
  if (!result.query_ids.empty()) {
    for (size_t m = 0; m < num_metrics; ++m) {
      double sum = 0.0;
      for (size_t q = 0; q < result.query_ids.size(); ++q) sum += result.value(q, m);
      result.means[m] = sum / static_cast<double>(result.query_ids.size());
    }
  }
  return result;
}

}  // namespace tessera
