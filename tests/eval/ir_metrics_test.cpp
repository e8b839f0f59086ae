// IR metrics on hand-made cases, each value worked out from the definitions in ir_metrics.h
// (the real-run comparison with ir_metrics_ref.py is in retrieval_benchmark_test.cpp).
#include "tessera/eval/ir_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../core/test_support.h"

namespace tessera {
namespace {

using testing::error_message;

const std::vector<IrMetric> kMetrics =
    parse_ir_metrics({"nDCG@3", "Recall@3", "P@3", "MAP@3", "MRR@3", "nDCG@10", "Recall@10", "P@10",
                      "MAP@10", "MRR@10", "MRR@1"});

double at(const IrEvaluation& e, const std::string& query, const std::string& metric) {
  for (size_t q = 0; q < e.query_ids.size(); ++q) {
    if (e.query_ids[q] != query) continue;
    for (size_t m = 0; m < e.metrics.size(); ++m) {
      if (e.metrics[m].name() == metric) return e.value(q, m);
    }
  }
  ADD_FAILURE() << "no value for " << query << " " << metric;
  return -1;
}

TEST(IrMetric, NamesRoundTripAndBadNamesAreErrors) {
  for (const char* name : {"nDCG@10", "Recall@100", "P@5", "MAP@1000", "MRR@10", "Success@1"}) {
    EXPECT_EQ(IrMetric::parse(name).name(), name);
  }
  EXPECT_EQ(IrMetric::parse("Recall@100"), (IrMetric{IrMeasure::kRecall, 100}));
  EXPECT_NE(error_message([] { IrMetric::parse("ndcg@10"); }).find("unknown measure"),
            std::string::npos);
  EXPECT_NE(error_message([] { IrMetric::parse("nDCG"); }).find("MEASURE@K"), std::string::npos);
  EXPECT_NE(error_message([] { IrMetric::parse("nDCG@0"); }).find("cutoff"), std::string::npos);
  EXPECT_NE(error_message([] { IrMetric::parse("nDCG@1x"); }).find("cutoff"), std::string::npos);
}

// Graded relevance, a tie, a non-relevant judged document and k beyond the list length.
TEST(EvaluateRun, GradedRelevanceTiesAndCutoffs) {
  const Qrels qrels = {{"q1", {{"d1", 2}, {"d2", 1}, {"d3", 0}, {"d4", 1}}}};
  // trec_eval order: d3 (0.9), d1 (0.8), d5 then d2 (tied at 0.7: higher doc id first), d4.
  const tessera::Run run = {
      {"q1", {{"d4", 0.1}, {"d2", 0.7}, {"d1", 0.8}, {"d5", 0.7}, {"d3", 0.9}}}};
  const IrEvaluation e = evaluate_run(qrels, run, kMetrics);
  ASSERT_EQ(e.query_ids, std::vector<std::string>{"q1"});
  // Ranked grades 0, 2, 0, 1, 1; ideal grades 2, 1, 1.
  const double ideal3 = 2.0 + 1.0 / std::log2(3.0) + 1.0 / 2.0;
  EXPECT_NEAR(at(e, "q1", "nDCG@3"), (2.0 / std::log2(3.0)) / ideal3, 1e-12);
  EXPECT_NEAR(at(e, "q1", "Recall@3"), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(at(e, "q1", "P@3"), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(at(e, "q1", "MAP@3"), (1.0 / 2.0) / 3.0, 1e-12);
  EXPECT_NEAR(at(e, "q1", "MRR@3"), 1.0 / 2.0, 1e-12);
  EXPECT_NEAR(at(e, "q1", "nDCG@10"),
              (2.0 / std::log2(3.0) + 1.0 / std::log2(5.0) + 1.0 / std::log2(6.0)) / ideal3, 1e-12);
  EXPECT_NEAR(at(e, "q1", "Recall@10"), 1.0, 1e-12);
  EXPECT_NEAR(at(e, "q1", "P@10"), 3.0 / 10.0, 1e-12);  // k, not the list length, divides
  EXPECT_NEAR(at(e, "q1", "MAP@10"), (1.0 / 2.0 + 2.0 / 4.0 + 3.0 / 5.0) / 3.0, 1e-12);
  EXPECT_NEAR(at(e, "q1", "MRR@10"), 1.0 / 2.0, 1e-12);
  EXPECT_NEAR(at(e, "q1", "MRR@1"), 0.0, 1e-12);
  EXPECT_NEAR(e.mean("MAP@10"), at(e, "q1", "MAP@10"), 1e-15);
}

// Success@k: whether any relevant document is in the top k (accuracy@k).
TEST(EvaluateRun, SuccessIsWhetherARelevantDocumentIsInTheTopK) {
  const Qrels qrels = {{"q1", {{"d2", 1}, {"d3", 1}}}, {"q2", {{"d9", 1}}}};
  const tessera::Run run = {{"q1", {{"d1", 0.9}, {"d2", 0.8}, {"d3", 0.7}}}, {"q2", {{"d1", 0.9}}}};
  const IrEvaluation e = evaluate_run(qrels, run, parse_ir_metrics({"Success@1", "Success@2"}));
  EXPECT_EQ(at(e, "q1", "Success@1"), 0.0);
  EXPECT_EQ(at(e, "q1", "Success@2"), 1.0);  // one hit counts once, not twice
  EXPECT_EQ(at(e, "q2", "Success@2"), 0.0);
  EXPECT_NEAR(e.mean("Success@2"), 0.5, 1e-12);
}

TEST(EvaluateRun, TiesAreBrokenByDocIdDescendingNotByListOrder) {
  const Qrels qrels = {{"q", {{"a", 1}}}};
  // All scores equal: trec_eval ranks c, b, a whatever the order given.
  const tessera::Run run = {{"q", {{"a", 1.0}, {"b", 1.0}, {"c", 1.0}}}};
  const IrEvaluation e = evaluate_run(qrels, run, parse_ir_metrics({"MRR@10", "P@2"}));
  EXPECT_NEAR(e.mean("MRR@10"), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(e.mean("P@2"), 0.0, 1e-12);
  // Byte-wise order: "b10" > "b1" > "B2"; a higher score still wins over any id.
  const Qrels qrels2 = {{"q", {{"b1", 1}}}};
  const tessera::Run run2 = {{"q", {{"b1", 0.5}, {"b10", 0.5}, {"B2", 0.5}, {"a", 0.6}}}};
  EXPECT_NEAR(evaluate_run(qrels2, run2, parse_ir_metrics({"MRR@10"})).mean("MRR@10"), 1.0 / 3.0,
              1e-12);
}

TEST(EvaluateRun, WhichQueriesCount) {
  const Qrels qrels = {
      {"judged", {{"d1", 1}}},
      {"no-relevant", {{"d1", 0}, {"d2", -1}}},  // skipped: nothing relevant
      {"missing", {{"d1", 1}}},                  // absent from the run: scores 0, counted
      {"empty", {{"d2", 1}}},                    // an empty list: scores 0, counted
  };
  const tessera::Run run = {{"judged", {{"d1", 3.0}, {"d2", 1.0}}},
                            {"no-relevant", {{"d1", 1.0}}},
                            {"empty", {}},
                            {"unjudged", {{"d1", 1.0}}}};  // not in the qrels: ignored
  const IrEvaluation e = evaluate_run(qrels, run, parse_ir_metrics({"nDCG@10", "Recall@100"}));
  EXPECT_EQ(e.query_ids, (std::vector<std::string>{"empty", "judged", "missing"}));
  EXPECT_EQ(e.num_queries(), 3);
  EXPECT_NEAR(at(e, "judged", "nDCG@10"), 1.0, 1e-12);
  EXPECT_NEAR(at(e, "missing", "nDCG@10"), 0.0, 1e-12);
  EXPECT_NEAR(at(e, "empty", "Recall@100"), 0.0, 1e-12);
  EXPECT_NEAR(e.mean("nDCG@10"), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(e.mean("Recall@100"), 1.0 / 3.0, 1e-12);
}

TEST(EvaluateRun, NegativeGradesGainNothing) {
  const Qrels qrels = {{"q", {{"bad", -2}, {"good", 1}}}};
  const tessera::Run run = {{"q", {{"bad", 2.0}, {"good", 1.0}}}};
  const IrEvaluation e = evaluate_run(qrels, run, parse_ir_metrics({"nDCG@2", "P@2"}));
  EXPECT_NEAR(e.mean("nDCG@2"), (1.0 / std::log2(3.0)) / 1.0, 1e-12);
  EXPECT_NEAR(e.mean("P@2"), 0.5, 1e-12);
}

TEST(EvaluateRun, NoQueriesGivesZeroMeansAndUnknownMetricIsAnError) {
  const IrEvaluation e = evaluate_run({}, {}, parse_ir_metrics({"nDCG@10"}));
  EXPECT_EQ(e.num_queries(), 0);
  EXPECT_EQ(e.mean("nDCG@10"), 0.0);
  EXPECT_NE(error_message([&] { (void)e.mean("MRR@10"); }).find("not computed"), std::string::npos);
  EXPECT_NE(error_message([] { evaluate_run({}, {}, {}); }).find("at least one metric"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
