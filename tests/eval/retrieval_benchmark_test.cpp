// RetrievalBenchmark on SciFact with a randomly initialized bag model (random word vectors make
// mean-pooled cosine a lexical-overlap score, so retrieval is far from random): every method
// against an independent implementation through Model::embed and the naive search oracles, and
// the metrics against ../shared/bench/ir_metrics_ref.py on the runs written to TREC files.
#include "tessera/eval/retrieval_benchmark.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "../data/data_test_support.h"
#include "../model/model_test_support.h"
#include "tessera/index/binary_codes.h"
#include "tessera/index/exact_search.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::shared_data;
using testing::TempDir;

constexpr int64_t kDim = 256;

struct Scifact {
  BeirDataset dataset;
  std::unique_ptr<Model> model;
  std::unique_ptr<RetrievalBenchmark> benchmark;
  std::unique_ptr<BenchmarkResult> result;  // flat@16/64/256 and binary@256, runs kept
};

// Options that keep the timings cheap (a few queries alone, one batch search): ctest runs each
// test in a process of its own, under the sanitizers too.
RetrievalOptions quick_options() {
  RetrievalOptions options;
  options.latency_queries = 20;
  options.batch_seconds = 0;
  return options;
}

// Loaded once for the whole suite; null when the shared data is missing.
const Scifact* scifact() {
  static const std::unique_ptr<Scifact> data = []() -> std::unique_ptr<Scifact> {
    const std::string dir = shared_data("beir/scifact");
    if (!std::filesystem::exists(dir + "/corpus.jsonl")) return nullptr;
    auto s = std::make_unique<Scifact>();
    s->dataset = load_beir(dir, {"test"});
    FeaturizerConfig config;
    config.buckets = 16384;
    config.tokenizer.remove_stop_words = true;
    VocabularyBuilder builder{Tokenizer(config.tokenizer)};
    std::vector<std::string> texts;
    for (const BeirDocument& doc : s->dataset.corpus) texts.push_back(doc.title + " " + doc.text);
    builder.add_texts(texts);
    ModelOptions options;
    options.dim = kDim;
    options.prefixes = {16, 64, 256};
    options.seed = 5;
    s->model = std::make_unique<Model>(Model::create(config, builder.build({2, 0}), options));
    s->benchmark =
        std::make_unique<RetrievalBenchmark>(RetrievalBenchmark::from_beir(s->dataset, "test"));
    RetrievalOptions retrieval = quick_options();
    retrieval.keep_runs = true;
    s->result = std::make_unique<BenchmarkResult>(s->benchmark->evaluate(*s->model, {}, retrieval));
    return s;
  }();
  return data.get();
}

#define REQUIRE_SCIFACT()          \
  const Scifact* data = scifact(); \
  if (data == nullptr)             \
    GTEST_SKIP() << "shared data beir/scifact not found under " << TESSERA_SHARED_DATA_DIR;

struct Texts {
  std::vector<std::string> query_ids, queries, doc_ids, docs;
  std::vector<int64_t> self;  // per query: the document with the same id, or -1
};

// The benchmark's evaluated queries and documents, rebuilt from the dataset.
Texts texts_of(const Scifact& s) {
  Texts t;
  std::unordered_map<std::string, std::string> query_text;
  for (const BeirQuery& query : s.dataset.queries) query_text[query.id] = query.text;
  std::unordered_map<std::string, int64_t> doc_index;
  for (const BeirDocument& doc : s.dataset.corpus) {
    doc_index[doc.id] = std::ssize(t.doc_ids);
    t.doc_ids.push_back(doc.id);
    t.docs.push_back(document_text(doc));
  }
  for (const std::string& id : s.benchmark->query_ids()) {
    t.query_ids.push_back(id);
    t.queries.push_back(query_text.at(id));
    const auto self = doc_index.find(id);
    t.self.push_back(self == doc_index.end() ? -1 : self->second);
  }
  return t;
}

TEST(RetrievalBenchmark, ScifactShapeAndQuality) {
  REQUIRE_SCIFACT();
  const BenchmarkResult& r = *data->result;
  EXPECT_EQ(r.num_documents, 5183);
  EXPECT_EQ(r.num_queries, 300);  // every SciFact test query has a relevant document
  ASSERT_EQ(r.methods.size(), 4u);
  EXPECT_EQ(r.methods[0].name, "flat@16");
  EXPECT_EQ(r.methods[2].name, "flat@256");
  EXPECT_EQ(r.methods[3].name, "binary@256+rescore");
  EXPECT_EQ(r.methods[3].dim, 256);
  for (const MethodResult& m : r.methods) {
    SCOPED_TRACE(m.name);
    EXPECT_EQ(m.evaluation.num_queries(), 300);
    EXPECT_GT(m.queries_per_second, 0);
    ASSERT_EQ(std::ssize(m.run), 300);
    EXPECT_EQ(m.run.at(m.evaluation.query_ids[0]).size(), 100u);  // the default depth
    // Chance level is ~0.001 (one or two relevant documents among 5183).
    EXPECT_GT(m.metric("nDCG@10"), 0.005);
    EXPECT_GE(m.metric("Recall@100"), m.metric("nDCG@10"));
  }
  // Random word vectors resolve lexical overlap better with more dims: ~0.01, 0.07, 0.3 at
  // 16, 64, 256 dims with this seed.
  EXPECT_LT(r.method("flat@16").metric("nDCG@10"), r.method("flat@64").metric("nDCG@10"));
  EXPECT_LT(r.method("flat@64").metric("nDCG@10"), r.method("flat@256").metric("nDCG@10"));
  EXPECT_GT(r.method("flat@256").metric("nDCG@10"), 0.2);
  EXPECT_GT(r.method("flat@256").metric("Recall@100"), 0.4);
}

TEST(RetrievalBenchmark, DenseMatchesModelEmbedAndNaiveSearch) {
  REQUIRE_SCIFACT();
  const Texts t = texts_of(*data);
  for (const int64_t dim : {16, 256}) {
    SCOPED_TRACE(dim);
    const Tensor queries = data->model->embed(t.queries, dim, kQueryTower);
    const Tensor docs = data->model->embed(t.docs, dim, kDocumentTower);
    const TopK top = exact_top_k_naive(queries, docs, 101);
    tessera::Run run;
    for (int64_t q = 0; q < top.num_queries; ++q) {
      auto& hits = run[t.query_ids[static_cast<size_t>(q)]];
      for (int64_t j = 0; j < top.k && std::ssize(hits) < 100; ++j) {
        const int64_t id = top.ids_of(q)[static_cast<size_t>(j)];
        if (id == t.self[static_cast<size_t>(q)]) continue;
        hits.push_back(
            {t.doc_ids[static_cast<size_t>(id)], top.scores_of(q)[static_cast<size_t>(j)]});
      }
    }
    const RetrievalOptions options = quick_options();
    const IrEvaluation expected = evaluate_run(data->benchmark->qrels(), run, options.metrics);
    const MethodResult& method = data->result->method(fmt::format("flat@{}", dim));
    for (size_t m = 0; m < options.metrics.size(); ++m) {
      EXPECT_NEAR(method.evaluation.means[m], expected.means[m], 1e-3) << options.metrics[m].name();
    }
  }
}

TEST(RetrievalBenchmark, BinaryRescoreMatchesIndependentImplementation) {
  REQUIRE_SCIFACT();
  const Texts t = texts_of(*data);
  const Tensor queries = data->model->embed(t.queries, 0, kQueryTower);
  const Tensor docs = data->model->embed(t.docs, 0, kDocumentTower);
  const HammingTopK shortlist =
      hamming_top_k_naive(pack_sign_bits(queries), pack_sign_bits(docs), 101);
  tessera::Run run;
  for (int64_t q = 0; q < shortlist.num_queries; ++q) {
    auto& hits = run[t.query_ids[static_cast<size_t>(q)]];
    for (const int64_t id : shortlist.ids_of(q)) {
      if (id == t.self[static_cast<size_t>(q)] || hits.size() == 100) continue;
      double cosine = 0;
      for (int64_t c = 0; c < kDim; ++c) {
        cosine += static_cast<double>(queries.row(q)[c]) * static_cast<double>(docs.row(id)[c]);
      }
      hits.push_back({t.doc_ids[static_cast<size_t>(id)], cosine});
    }
  }
  const RetrievalOptions options = quick_options();
  const IrEvaluation expected = evaluate_run(data->benchmark->qrels(), run, options.metrics);
  const MethodResult& method = data->result->method("binary@256+rescore");
  for (size_t m = 0; m < options.metrics.size(); ++m) {
    EXPECT_NEAR(method.evaluation.means[m], expected.means[m], 1e-3) << options.metrics[m].name();
  }
  // Binary codes lose some quality against the full float vectors, but not most of it.
  EXPECT_GT(method.metric("nDCG@10"), 0.5 * data->result->method("flat@256").metric("nDCG@10"));
}

// Runs ir_metrics_ref.py on a run file; its --json output, or null when it cannot run.
nlohmann::json run_reference(const std::string& qrels, const std::string& run,
                             const std::string& out) {
  const std::string script = shared_data("../bench/ir_metrics_ref.py");
  const std::string command = fmt::format(
      "/usr/bin/python3 '{}' '{}' '{}' --k 1,3,5,10,100,1000 "
      "--json > '{}'",
      script, qrels, run, out);
  if (std::system(command.c_str()) != 0) return nullptr;
  std::ifstream in(out);
  return nlohmann::json::parse(in);
}

TEST(RetrievalBenchmark, MetricsEqualTheReferenceScriptOnWrittenRuns) {
  REQUIRE_SCIFACT();
  const std::string script = shared_data("../bench/ir_metrics_ref.py");
  if (!std::filesystem::exists("/usr/bin/python3")) {
    GTEST_SKIP() << "/usr/bin/python3 not found: cannot run the reference " << script;
  }
  if (!std::filesystem::exists(script)) GTEST_SKIP() << "reference " << script << " not found";
  const std::string qrels = shared_data("beir/scifact/qrels/test.tsv");
  std::vector<std::string> names;
  for (const char* measure : {"nDCG", "Recall", "P", "MAP", "MRR"}) {
    for (const int k : {1, 3, 5, 10, 100, 1000}) names.push_back(fmt::format("{}@{}", measure, k));
  }
  const std::vector<IrMetric> metrics = parse_ir_metrics(names);
  // BEIR's depth too, so that the @1000 cutoffs see full lists.
  RetrievalOptions deep = quick_options();
  deep.methods = {"flat"};
  deep.depth = 1000;
  deep.keep_runs = true;
  const BenchmarkResult deep_result = data->benchmark->evaluate(*data->model, {64}, deep);
  ASSERT_EQ(deep_result.methods[0].run.begin()->second.size(), 1000u);
  TempDir dir;
  for (const MethodResult* method_ptr :
       {&data->result->method("flat@16"), &data->result->method("flat@256"),
        &data->result->method("binary@256+rescore"), &deep_result.methods[0]}) {
    const MethodResult& method = *method_ptr;
    SCOPED_TRACE(method.name);
    const std::string path = dir.file("run.trec");
    write_trec_run(path, method.run, "test");
    const nlohmann::json reference = run_reference(qrels, path, dir.file("ref.json"));
    ASSERT_FALSE(reference.is_null()) << "ir_metrics_ref.py failed";
    const IrEvaluation ours = evaluate_run(read_qrels(qrels), read_trec_run(path), metrics);
    EXPECT_EQ(reference.at("queries").get<int64_t>(), ours.num_queries());
    for (size_t m = 0; m < metrics.size(); ++m) {
      EXPECT_NEAR(ours.means[m], reference.at(names[m]).get<double>(), 1e-4) << names[m];
    }
    // The in-memory evaluation is the same numbers (scores survive the file bit for bit).
    for (size_t m = 0; m < method.evaluation.metrics.size(); ++m) {
      EXPECT_NEAR(method.evaluation.means[m],
                  reference.at(method.evaluation.metrics[m].name()).get<double>(), 1e-9);
    }
  }
}

// BM25 on SciFact test reproduces Pyserini's BEIR "flat" figures (nDCG@10 0.6789, Recall@100
// 0.9253) within the issue's +-0.01; ../shared/bench/bm25_ref.py gets 0.6769 / 0.9287.
TEST(RetrievalBenchmark, ScifactBm25ReproducesPyserini) {
  REQUIRE_SCIFACT();
  RetrievalOptions options = quick_options();
  options.methods = {"bm25"};
  options.keep_runs = true;
  const BenchmarkResult result = data->benchmark->evaluate(options);  // no model needed
  ASSERT_EQ(result.methods.size(), 1u);
  const MethodResult& bm25 = result.method("bm25");
  EXPECT_EQ(result.num_queries, 300);
  EXPECT_EQ(result.document_seconds, 0.0);  // nothing embedded
  EXPECT_GE(bm25.metric("nDCG@10"), 0.6689);
  EXPECT_LE(bm25.metric("nDCG@10"), 0.6889);
  EXPECT_GE(bm25.metric("Recall@100"), 0.9153);
  EXPECT_LE(bm25.metric("Recall@100"), 0.9353);
  EXPECT_GT(bm25.queries_per_second, 0.0);
  // Each query's run is the index's own ranking (100 deep, fewer when fewer documents match: one
  // query matches 66), without the query's own id.
  std::vector<std::string> documents;
  for (const BeirDocument& doc : data->dataset.corpus)
    documents.push_back(doc.title + " " + doc.text);
  const Bm25Index index(documents);
  size_t full_lists = 0;
  for (const BeirQuery& query : data->dataset.queries) {
    const auto found = bm25.run.find(query.id);
    if (found == bm25.run.end()) continue;
    std::vector<std::string> expected;
    for (const Bm25Hit& hit : index.search(query.text, 101)) {
      const std::string& id = data->dataset.corpus[static_cast<size_t>(hit.doc)].id;
      if (id != query.id && expected.size() < 100) expected.push_back(id);
    }
    std::vector<std::string> got;
    for (const ScoredDoc& doc : found->second) got.push_back(doc.doc_id);
    EXPECT_EQ(got, expected) << query.id;
    full_lists += got.size() == 100 ? 1 : 0;
  }
  EXPECT_GE(full_lists, 299u);
  // Model methods are refused without a model; with one, bm25 runs beside them.
  options.methods = {"bm25", "flat"};
  EXPECT_NE(error_message([&] { data->benchmark->evaluate(options); }).find("needs a model"),
            std::string::npos);
  options.keep_runs = false;
  const BenchmarkResult both = data->benchmark->evaluate(*data->model, {16}, options);
  ASSERT_EQ(both.methods.size(), 2u);
  EXPECT_EQ(both.methods[0].name, "bm25");
  EXPECT_EQ(both.methods[1].name, "flat@16");
  EXPECT_EQ(both.method("bm25").evaluation.means, bm25.evaluation.means);
}

TEST(RetrievalBenchmark, QuerySubsetKeepsPerQueryValues) {
  REQUIRE_SCIFACT();
  std::vector<std::string> ids(data->benchmark->query_ids().begin(),
                               data->benchmark->query_ids().begin() + 40);
  std::reverse(ids.begin(), ids.end());  // order given does not matter
  const RetrievalBenchmark subset = data->benchmark->with_queries(ids);
  EXPECT_EQ(subset.num_queries(), 40);
  EXPECT_EQ(subset.num_documents(), 5183);
  EXPECT_EQ(subset.qrels().size(), 40u);
  RetrievalOptions options = quick_options();
  options.methods = {"flat"};
  const BenchmarkResult r = subset.evaluate(*data->model, {256}, options);
  ASSERT_EQ(r.methods.size(), 1u);
  const IrEvaluation& part = r.methods[0].evaluation;
  const IrEvaluation& full = data->result->method("flat@256").evaluation;
  ASSERT_EQ(part.num_queries(), 40);
  for (size_t q = 0; q < part.query_ids.size(); ++q) {
    const size_t in_full = static_cast<size_t>(
        std::find(full.query_ids.begin(), full.query_ids.end(), part.query_ids[q]) -
        full.query_ids.begin());
    ASSERT_LT(in_full, full.query_ids.size());
    for (size_t m = 0; m < part.metrics.size(); ++m) {
      EXPECT_NEAR(part.value(q, m), full.value(in_full, m), 1e-9) << part.query_ids[q];
    }
  }
  EXPECT_NE(error_message([&] {
              data->benchmark->with_queries({"no-such-query"});
            }).find("no-such-query"),
            std::string::npos);
}

// A small benchmark where query "q1" is also document "q1" with the same text.
RetrievalBenchmark self_benchmark() {
  std::vector<BeirDocument> corpus = {{"q1", "", "the cat sat on the mat", 1},
                                      {"d2", "cat", "the cat sat", 2},
                                      {"d3", "", "the dog ran", 3}};
  const std::vector<BeirQuery> queries = {{"q1", "the cat sat on the mat", 1}, {"q2", "dog", 2}};
  const Qrels qrels = {{"q1", {{"d2", 1}}}, {"q2", {{"d3", 1}, {"d2", 0}}}};
  return RetrievalBenchmark(std::move(corpus), queries, qrels);
}

TEST(RetrievalBenchmark, NeverReturnsTheQuerysOwnId) {
  const Model model =
      Model::create(testing::small_config(), testing::small_vocabulary(), testing::small_options());
  RetrievalOptions options = quick_options();
  options.keep_runs = true;
  options.depth = 5;
  const BenchmarkResult r = self_benchmark().evaluate(model, {8, 16}, options);
  ASSERT_EQ(r.methods.size(), 3u);
  for (const MethodResult& m : r.methods) {
    SCOPED_TRACE(m.name);
    const auto& hits = m.run.at("q1");
    EXPECT_EQ(hits.size(), 2u);  // d2 and d3: the own id left out, the depth not reached
    for (const ScoredDoc& hit : hits) EXPECT_NE(hit.doc_id, "q1");
    EXPECT_EQ(m.run.at("q2").size(), 3u);
  }
  // Determinism: a second evaluation gives the same numbers.
  const BenchmarkResult again = self_benchmark().evaluate(model, {8, 16}, options);
  for (size_t i = 0; i < r.methods.size(); ++i) {
    EXPECT_EQ(r.methods[i].evaluation.means, again.methods[i].evaluation.means);
  }
}

TEST(RetrievalBenchmark, RejectsInconsistentInputAndOptions) {
  const Model model =
      Model::create(testing::small_config(), testing::small_vocabulary(), testing::small_options());
  const std::vector<BeirQuery> queries = {{"q", "cat", 1}};
  EXPECT_NE(error_message([&] {
              RetrievalBenchmark({{"d", "", "a", 1}, {"d", "", "b", 2}}, queries, {});
            }).find("given twice"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              RetrievalBenchmark({{"d", "", "a", 1}}, queries, {{"other", {{"d", 1}}}});
            }).find("query 'other'"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              RetrievalBenchmark({{"d", "", "a", 1}}, queries, {{"q", {{"x", 1}}}});
            }).find("document 'x'"),
            std::string::npos);
  const RetrievalBenchmark benchmark = self_benchmark();
  EXPECT_NE(error_message([&] { benchmark.evaluate(model, {32}); }).find("outside"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              benchmark.evaluate(model, {8, 8});
            }).find("twice"),
            std::string::npos);
  RetrievalOptions twice = quick_options();
  twice.methods = {"flat@16", "flat"};  // flat runs at 8 and 16: flat@16 twice
  EXPECT_NE(error_message([&] { benchmark.evaluate(model, {8, 16}, twice); })
                .find("flat@16 is asked for twice"),
            std::string::npos);
  RetrievalOptions none;
  none.methods.clear();
  EXPECT_NE(error_message([&] { benchmark.evaluate(model, {}, none); }).find("method"),
            std::string::npos);
  EXPECT_NE(
      error_message([&] { RetrievalBenchmark::from_beir(BeirDataset{}, "dev"); }).find("'dev'"),
      std::string::npos);
}

// Every index method over the same vectors: a funnel whose shortlist is the whole corpus and an
// HNSW walk as wide as the corpus are exact search again; hybrid with all the weight on one list
// ranks as that list; costs are measured for each.
TEST(RetrievalBenchmark, EveryIndexMethodAgainstExactSearch) {
  REQUIRE_SCIFACT();
  RetrievalOptions options = quick_options();
  options.methods = {"bm25",        "flat",   "int8",         "binary@64+rescore", "funnel",
                     "hnsw:ef5183", "hybrid", "flat@64>flat", "hnsw@64>int8"};
  options.defaults.shortlist = 5183;
  options.fusion.weight = 0;  // all dense
  const BenchmarkResult r = data->benchmark->evaluate(*data->model, {256}, options);
  std::vector<std::string> names;
  for (const MethodResult& m : r.methods) names.push_back(m.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"bm25", "flat@256", "int8@256", "binary@64+rescore@256",
                                      "funnel@64>256", "hnsw@256:ef5183", "hybrid(bm25+flat@256)",
                                      "flat@64>flat@256", "hnsw@64>int8@256"}));
  const MethodResult& dense = r.method("flat@256");
  for (const char* name :
       {"binary@64+rescore@256", "funnel@64>256", "hnsw@256:ef5183", "flat@64>flat@256"}) {
    EXPECT_NEAR(r.method(name).metric("nDCG@10"), dense.metric("nDCG@10"), 1e-6) << name;
    EXPECT_NEAR(r.method(name).metric("Recall@100"), dense.metric("Recall@100"), 1e-6) << name;
  }
  EXPECT_NEAR(r.method("hybrid(bm25+flat@256)").metric("nDCG@10"), dense.metric("nDCG@10"), 1e-9);
  EXPECT_NEAR(r.method("int8@256").metric("nDCG@10"), dense.metric("nDCG@10"), 0.01);
  EXPECT_EQ(dense.bytes_per_vector, 1024);
  EXPECT_EQ(r.method("int8@256").bytes_per_vector, 256);
  EXPECT_EQ(r.method("funnel@64>256").bytes_per_vector, 64 + 1024);  // int8 shortlist codes
  EXPECT_EQ(r.method("binary@64+rescore@256").bytes_per_vector, 8 + 1024);
  EXPECT_EQ(r.method("flat@64>flat@256").bytes_per_vector, 256 + 1024);
  EXPECT_EQ(r.method("bm25").bytes_per_vector, 0);
  // An HNSW shortlist as deep as the corpus, rescored by int8 codes, ranks as int8 codes do.
  EXPECT_NEAR(r.method("hnsw@64>int8@256").metric("nDCG@10"), dense.metric("nDCG@10"), 0.02);
  for (const MethodResult& m : r.methods) {
    EXPECT_GT(m.queries_per_second, 0) << m.name;
    EXPECT_GT(m.p50_ms, 0) << m.name;
    EXPECT_GE(m.p99_ms, m.p50_ms) << m.name;
    EXPECT_GT(m.index_bytes, 0) << m.name;
  }
  options.methods = {"bm25", "hybrid"};
  options.fusion.weight = 1;  // all bm25
  const BenchmarkResult lexical = data->benchmark->evaluate(*data->model, {256}, options);
  EXPECT_NEAR(lexical.methods[1].metric("nDCG@10"), lexical.methods[0].metric("nDCG@10"), 1e-9);
}

// With int8 rescoring, shortlists as deep as the corpus rank exactly as the int8 index does (the
// same codes, calibrated on the same vectors), at a quarter of the rescoring bytes.
TEST(RetrievalBenchmark, Int8RescoringRanksAsTheInt8Index) {
  REQUIRE_SCIFACT();
  RetrievalOptions options = quick_options();
  options.methods = {"int8", "binary+rescore", "funnel"};
  options.defaults.rescorer = Rescorer::kInt8;
  options.defaults.shortlist = 5183;
  const BenchmarkResult r = data->benchmark->evaluate(*data->model, {256}, options);
  const MethodResult& int8 = r.method("int8@256");
  for (const char* name : {"binary@256+rescore:int8", "funnel@64>256:int8"}) {
    EXPECT_NEAR(r.method(name).metric("nDCG@10"), int8.metric("nDCG@10"), 1e-6) << name;
    EXPECT_NEAR(r.method(name).metric("Recall@100"), int8.metric("Recall@100"), 1e-6) << name;
  }
  EXPECT_EQ(r.method("binary@256+rescore:int8").bytes_per_vector, 32 + 256);
  EXPECT_EQ(r.method("funnel@64>256:int8").bytes_per_vector, 64 + 256);
}

}  // namespace
}  // namespace tessera
