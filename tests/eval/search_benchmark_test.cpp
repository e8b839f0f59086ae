// run_search_benchmark: exact kinds recall everything, in one call or in calls of few queries; a
// target recall picks the first effort of the sweep that reaches it.
#include "tessera/eval/search_benchmark.h"

#include <gtest/gtest.h>

#include "../index/index_test_support.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::random_unit_vectors;
using testing::Rng;

TEST(SearchBenchmark, ExactKindsHaveFullRecall) {
  Rng rng(1);
  const Tensor base = random_unit_vectors(2000, 32, rng);
  const Tensor queries = random_unit_vectors(50, 32, rng);
  SearchBenchmarkOptions options;
  options.repeat = 1;
  const SearchBenchmarkResult flat = run_search_benchmark(base, queries, options);
  EXPECT_EQ(flat.chosen.recall, 1.0);
  EXPECT_EQ(flat.bytes_per_vector, 128);
  EXPECT_GT(flat.chosen.queries_per_second, 0);
  EXPECT_EQ(flat.sweep.size(), 1u);
  options.method = "funnel";
  options.defaults.funnel_dim = 8;
  options.defaults.shortlist = 2000;  // the whole base
  const SearchBenchmarkResult funnel = run_search_benchmark(base, queries, options);
  EXPECT_EQ(funnel.method, "funnel@8>32");
  EXPECT_EQ(funnel.chosen.recall, 1.0);
  EXPECT_EQ(funnel.chosen.effort, 2000);
  // A prefix spec searches the renormalized prefixes: recall against the whole vectors drops.
  options.method = "flat@16";
  const SearchBenchmarkResult prefix = run_search_benchmark(base, queries, options);
  EXPECT_EQ(prefix.bytes_per_vector, 64);
  EXPECT_LT(prefix.chosen.recall, 0.9);
  EXPECT_GT(prefix.chosen.recall, 0.1);
}

TEST(SearchBenchmark, CallsOfFewQueriesFindWhatOneCallFinds) {
  Rng rng(3);
  const Tensor base = random_unit_vectors(1500, 24, rng);
  const Tensor queries = random_unit_vectors(41, 24, rng);  // not a multiple of the batches
  SearchBenchmarkOptions options;
  options.repeat = 1;
  for (const int64_t batch : {1, 3, 40, 41, 100}) {
    options.batch = batch;
    EXPECT_EQ(run_search_benchmark(base, queries, options).chosen.recall, 1.0) << batch;
  }
  options.batch = -1;
  EXPECT_NE(error_message([&] { run_search_benchmark(base, queries, options); }).find("batch"),
            std::string::npos);
}

TEST(SearchBenchmark, TargetRecallPicksTheFirstEffortThatReachesIt) {
  Rng rng(2);
  const Tensor base = random_unit_vectors(3000, 32, rng);
  const Tensor queries = random_unit_vectors(50, 32, rng);
  SearchBenchmarkOptions options;
  options.method = "hnsw";
  options.repeat = 1;
  options.target_recall = 0.97;
  const SearchBenchmarkResult r = run_search_benchmark(base, queries, options);
  ASSERT_TRUE(r.reached_target);
  EXPECT_GE(r.chosen.recall, 0.97);
  EXPECT_EQ(r.chosen.effort, r.sweep.back().effort);
  for (size_t i = 0; i + 1 < r.sweep.size(); ++i) {
    EXPECT_LT(r.sweep[i].recall, 0.97);
    EXPECT_LT(r.sweep[i].effort, r.sweep[i + 1].effort);
  }
  options.method = "ivf";
  EXPECT_NE(error_message([&] {
              (void)run_search_benchmark(base, queries, options);
            }).find("unknown index kind 'ivf'"),
            std::string::npos);
  options.method = "flat";
  options.efforts = {8};
  EXPECT_NE(error_message([&] {
              (void)run_search_benchmark(base, queries, options);
            }).find("not flat@32"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
