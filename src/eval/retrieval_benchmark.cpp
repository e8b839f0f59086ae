#include "tessera/eval/retrieval_benchmark.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/core/stopwatch.h"
#include "tessera/index/retriever_factory.h"

namespace tessera {

struct RetrievalBenchmark::Corpus {
  std::vector<std::string> ids;
  std::vector<std::string> texts;  // document_text: title + " " + text
  std::unordered_map<std::string, int64_t> index;
};

namespace {

// The q-quantile of values (nearest rank); 0 when there are none.
double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

// Turns search results into a Run: the query's own document left out, at most `depth` kept.
void add_to_run(const std::string& query_id, int64_t self, std::span<const int64_t> ids,
                std::span<const float> scores, int64_t depth,
                const std::vector<std::string>& doc_ids, Run& run) {
  std::vector<ScoredDoc>& docs = run[query_id];
  docs.reserve(static_cast<size_t>(depth));
  for (size_t j = 0; j < ids.size() && std::ssize(docs) < depth; ++j) {
    const int64_t id = ids[j];
    if (id < 0) break;
    if (id == self) continue;
    docs.push_back(ScoredDoc{doc_ids[static_cast<size_t>(id)], static_cast<double>(scores[j])});
  }
}

}  // namespace

const MethodResult& BenchmarkResult::method(std::string_view name) const {
  for (const MethodResult& result : methods) {
    if (result.name == name) return result;
  }
  TESSERA_FAIL("no method '{}' was evaluated", name);
}

RetrievalBenchmark::RetrievalBenchmark(std::vector<BeirDocument> corpus,
                                       const std::vector<BeirQuery>& queries, const Qrels& qrels) {
  auto shared = std::make_shared<Corpus>();
  shared->ids.reserve(corpus.size());
  shared->texts.reserve(corpus.size());
  for (BeirDocument& doc : corpus) {
    const auto [it, inserted] = shared->index.emplace(doc.id, std::ssize(shared->ids));
    TESSERA_CHECK(inserted, "document id '{}' is given twice", doc.id);
    shared->texts.push_back(document_text(doc));
    shared->ids.push_back(std::move(doc.id));
  }
  std::unordered_map<std::string, size_t> query_index;
  for (size_t i = 0; i < queries.size(); ++i) {
    TESSERA_CHECK(query_index.emplace(queries[i].id, i).second, "query id '{}' is given twice",
                  queries[i].id);
  }
  std::vector<char> evaluated(queries.size(), 0);
  for (const auto& [query_id, judged] : qrels) {
    const auto query = query_index.find(query_id);
    TESSERA_CHECK(query != query_index.end(), "the qrels judge query '{}', which is not given",
                  query_id);
    for (const auto& [doc_id, grade] : judged) {
      TESSERA_CHECK(shared->index.count(doc_id) != 0,
                    "the qrels judge document '{}' (for query '{}'), which is not in the corpus",
                    doc_id, query_id);
      if (grade > 0) evaluated[query->second] = 1;
    }
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    if (!evaluated[i]) continue;
    query_ids_.push_back(queries[i].id);
    query_texts_.push_back(queries[i].text);
    qrels_.emplace(queries[i].id, qrels.at(queries[i].id));
  }
  corpus_ = std::move(shared);
  for (const std::string& id : query_ids_) {
    const auto doc = corpus_->index.find(id);
    self_document_.push_back(doc == corpus_->index.end() ? -1 : doc->second);
  }
}

RetrievalBenchmark::RetrievalBenchmark(std::shared_ptr<const Corpus> corpus,
                                       std::vector<std::string> query_ids,
                                       std::vector<std::string> query_texts, Qrels qrels)
    : corpus_(std::move(corpus)),
      query_ids_(std::move(query_ids)),
      query_texts_(std::move(query_texts)),
      qrels_(std::move(qrels)) {
  for (const std::string& id : query_ids_) {
    const auto doc = corpus_->index.find(id);
    self_document_.push_back(doc == corpus_->index.end() ? -1 : doc->second);
  }
}

RetrievalBenchmark RetrievalBenchmark::from_beir(const BeirDataset& dataset,
                                                 const std::string& split) {
  for (const BeirSplit& loaded : dataset.splits) {
    if (loaded.name == split) {
      return RetrievalBenchmark(dataset.corpus, dataset.queries, qrels_from(loaded.qrels));
    }
  }
  TESSERA_FAIL("the dataset has no qrels split '{}' loaded", split);
}

RetrievalBenchmark RetrievalBenchmark::with_queries(
    const std::vector<std::string>& query_ids) const {
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < query_ids_.size(); ++i) position.emplace(query_ids_[i], i);
  std::vector<char> chosen(query_ids_.size(), 0);
  for (const std::string& id : query_ids) {
    const auto found = position.find(id);
    TESSERA_CHECK(found != position.end(),
                  "query '{}' is not among the benchmark's {} evaluated queries", id,
                  query_ids_.size());
    chosen[found->second] = 1;
  }
  std::vector<std::string> ids, texts;
  Qrels qrels;
  for (size_t i = 0; i < query_ids_.size(); ++i) {
    if (!chosen[i]) continue;
    ids.push_back(query_ids_[i]);
    texts.push_back(query_texts_[i]);
    qrels.emplace(query_ids_[i], qrels_.at(query_ids_[i]));
  }
  return RetrievalBenchmark(corpus_, std::move(ids), std::move(texts), std::move(qrels));
}

int64_t RetrievalBenchmark::num_documents() const { return std::ssize(corpus_->ids); }

BenchmarkResult RetrievalBenchmark::evaluate(const Model& model, const std::vector<int64_t>& dims,
                                             const RetrievalOptions& options) const {
  return evaluate_methods(&model, dims, options);
}

BenchmarkResult RetrievalBenchmark::evaluate(const RetrievalOptions& options) const {
  return evaluate_methods(nullptr, {}, options);
}

BenchmarkResult RetrievalBenchmark::evaluate_methods(const Model* model,
                                                     const std::vector<int64_t>& dims,
                                                     const RetrievalOptions& options) const {
  TESSERA_CHECK(!options.methods.empty(), "no retrieval method asked for");
  TESSERA_CHECK(!options.metrics.empty(), "no metric asked for");
  TESSERA_CHECK(options.depth >= 1, "depth must be >= 1, got {}", options.depth);
  TESSERA_CHECK(options.batch_seconds >= 0, "batch seconds must be >= 0, got {}",
                options.batch_seconds);
  TESSERA_CHECK(options.latency_queries >= 0, "latency queries must be >= 0, got {}",
                options.latency_queries);
  std::vector<RetrieverSpec> specs;
  std::unordered_set<std::string> seen_specs;
  for (const std::string& method : options.methods) {
    TESSERA_CHECK(seen_specs.insert(method).second, "method '{}' is asked for twice", method);
    specs.push_back(parse_retriever_spec(method));
    TESSERA_CHECK(model != nullptr || !specs.back().needs_model(),
                  "method '{}' needs a model; only bm25 runs without one", method);
  }
  const bool any_model_method = std::any_of(specs.begin(), specs.end(),
                                            [](const RetrieverSpec& s) { return s.needs_model(); });
  const std::vector<int64_t> flat_dims =
      model == nullptr ? std::vector<int64_t>{} : (dims.empty() ? model->prefixes() : dims);
  std::unordered_set<int64_t> seen_dims;
  for (const int64_t dim : flat_dims) {
    TESSERA_CHECK(dim >= 1 && dim <= model->dim(), "dim {} is outside the model's [1, {}]", dim,
                  model->dim());
    TESSERA_CHECK(seen_dims.insert(dim).second, "dim {} is asked for twice", dim);
  }

  BenchmarkResult result;
  result.num_queries = num_queries();
  result.num_documents = num_documents();
  Tensor doc_vectors, query_vectors;
  if (any_model_method) {
    Stopwatch watch;
    doc_vectors = model->encode(corpus_->texts, kDocumentTower);
    result.document_seconds = watch.seconds();
    watch.restart();
    query_vectors = model->encode(query_texts_, kQueryTower);
    result.query_seconds = watch.seconds();
  }

  // One retriever per distinct method; hybrid shares the bm25 and dense ones built before it.
  RetrieverInputs inputs;
  if (model != nullptr) {
    // Not owned: the model outlives the factory and its retrievers, which end with this call.
    inputs.model = std::shared_ptr<const Model>(model, [](const Model*) {});
  }
  inputs.document_vectors = [&](int64_t dim, const std::function<void(const Tensor&)>& add) {
    add(model->cut(doc_vectors, dim));
  };
  inputs.document_texts = corpus_->texts;
  inputs.defaults = options.defaults;
  inputs.bm25 = options.bm25;
  inputs.fusion = options.fusion;
  RetrieverFactory factory(std::move(inputs));

  // One more result than kept when a query may find its own id among the documents.
  const bool any_self = std::any_of(self_document_.begin(), self_document_.end(),
                                    [](int64_t doc) { return doc >= 0; });
  const int64_t nq = num_queries();
  const int64_t k = options.depth + (any_self ? 1 : 0);
  const int64_t latency_queries = std::min(options.latency_queries, nq);

  auto run_method = [&](const RetrieverSpec& spec, int64_t dim) {
    const BuiltRetriever built = factory.build(spec, dim);
    const Retriever& retriever = *built.retriever;
    MethodResult method;
    method.name = retriever.name();
    TESSERA_CHECK(std::none_of(result.methods.begin(), result.methods.end(),
                               [&](const MethodResult& m) { return m.name == method.name; }),
                  "method {} is asked for twice", method.name);
    method.dim = retriever.query_dim();
    method.build_seconds = built.build_seconds;
    method.bytes_per_vector = retriever.bytes_per_vector();
    method.index_bytes = retriever.memory_bytes();
    QueryBatch queries;
    queries.texts = query_texts_;
    if (method.dim > 0) queries.vectors = model->cut(query_vectors, method.dim);
    // All queries in one call, timed (the fastest of the repeats), then one at a time for the
    // latency percentiles.
    Stopwatch watch;
    const TopK top = retriever.search(queries, k);
    method.search_seconds = watch.seconds();
    for (double spent = method.search_seconds; spent < options.batch_seconds;) {
      watch.restart();
      (void)retriever.search(queries, k);
      const double seconds = watch.seconds();
      method.search_seconds = std::min(method.search_seconds, seconds);
      spent += seconds;
    }
    std::vector<double> latencies;
    for (int64_t q = 0; q < latency_queries; ++q) {
      const QueryBatch one = queries.slice(q, q + 1);
      watch.restart();
      (void)retriever.search(one, k);
      latencies.push_back(watch.milliseconds());
    }
    method.p50_ms = percentile(latencies, 0.50);
    method.p99_ms = percentile(latencies, 0.99);
    method.queries_per_second =
        method.search_seconds > 0 ? static_cast<double>(nq) / method.search_seconds : 0.0;
    Run run;
    for (int64_t q = 0; q < nq; ++q) {
      add_to_run(query_ids_[static_cast<size_t>(q)], self_document_[static_cast<size_t>(q)],
                 top.ids_of(q), top.scores_of(q), options.depth, corpus_->ids, run);
    }
    method.evaluation = evaluate_run(qrels_, run, options.metrics);
    if (options.keep_runs) method.run = std::move(run);
    result.methods.push_back(std::move(method));
  };
  for (const RetrieverSpec& spec : specs) {
    const bool sweep = spec.kind == RetrieverSpec::Kind::kDense && !spec.index.two_stage() &&
                       spec.index.first.kind == IndexKind::kFlat && spec.index.first.dim == 0;
    if (sweep) {
      for (const int64_t dim : flat_dims) run_method(spec, dim);
    } else {
      run_method(spec, 0);
    }
  }
  return result;
}

}  // namespace tessera
