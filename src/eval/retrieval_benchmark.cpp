#include "tessera/eval/retrieval_benchmark.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/core/ops.h"
#include "tessera/index/flat_index.h"
#include "tessera/index/funnel_index.h"

namespace tessera {

struct RetrievalBenchmark::Corpus {
  std::vector<std::string> ids;
  std::vector<std::string> texts;  // title + " " + text
  std::unordered_map<std::string, int64_t> index;
};

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Each row scaled to unit L2 length (a zero row stays zero, as in Model::embed).
Tensor unit_rows(const Tensor& vectors) {
  Tensor out = Tensor::empty({vectors.rows(), vectors.cols()});
  std::vector<float> norms(static_cast<size_t>(vectors.rows()));
  l2_normalize_forward(vectors, 1e-12f, out, norms);
  return out;
}

// The first `dim` columns of encoded vectors, normalized as `normalization` says (what
// Model::embed returns for the same texts).
Tensor prefix_vectors(const Tensor& encoded, int64_t dim, Normalization normalization) {
  Tensor prefix = encoded.prefix_cols(dim);
  if (normalization == Normalization::kNone) return prefix;
  return unit_rows(prefix);
}

int64_t full_dim_or_max(const Model* model) { return model == nullptr ? INT64_MAX : model->dim(); }

// The q-quantile of values (nearest rank); 0 when there are none.
double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

// Turns search results into a Run: the query's own document left out, at most `depth` kept.
template <typename Ids, typename Score>
void add_to_run(const std::string& query_id, int64_t self, const Ids& ids, const Score& score_of,
                int64_t depth, const std::vector<std::string>& doc_ids, Run& run) {
  std::vector<ScoredDoc>& docs = run[query_id];
  docs.reserve(static_cast<size_t>(depth));
  for (size_t j = 0; j < ids.size() && std::ssize(docs) < depth; ++j) {
    const int64_t id = ids[j];
    if (id < 0) break;
    if (id == self) continue;
    docs.push_back(ScoredDoc{doc_ids[static_cast<size_t>(id)], static_cast<double>(score_of(j))});
  }
}

}  // namespace

std::string method_name(RetrievalMethod method, int64_t dim, int64_t shortlist_dim,
                        Rescorer rescorer) {
  const char* codes = rescorer == Rescorer::kInt8 ? ":int8" : "";
  switch (method) {
    case RetrievalMethod::kDense:
      return fmt::format("dense@{}", dim);
    case RetrievalMethod::kInt8:
      return fmt::format("int8@{}", dim);
    case RetrievalMethod::kBinaryRescore:
      return shortlist_dim == 0 || shortlist_dim == dim
                 ? fmt::format("binary@{}+rescore{}", dim, codes)
                 : fmt::format("binary@{}+rescore@{}{}", shortlist_dim, dim, codes);
    case RetrievalMethod::kFunnel:
      return fmt::format("funnel@{}>{}{}", shortlist_dim, dim, codes);
    case RetrievalMethod::kHnsw:
      return fmt::format("hnsw@{}", dim);
    case RetrievalMethod::kBm25:
      return "bm25";
    case RetrievalMethod::kHybrid:
      return fmt::format("hybrid(bm25+dense@{})", dim);
  }
  TESSERA_FAIL("unknown retrieval method {}", static_cast<int>(method));
}

bool needs_model(RetrievalMethod method) { return method != RetrievalMethod::kBm25; }

RetrievalMethod parse_retrieval_method(std::string_view name) {
  if (name == "dense") return RetrievalMethod::kDense;
  if (name == "int8") return RetrievalMethod::kInt8;
  if (name == "binary") return RetrievalMethod::kBinaryRescore;
  if (name == "funnel") return RetrievalMethod::kFunnel;
  if (name == "hnsw") return RetrievalMethod::kHnsw;
  if (name == "bm25") return RetrievalMethod::kBm25;
  if (name == "hybrid") return RetrievalMethod::kHybrid;
  TESSERA_FAIL("unknown retrieval method '{}' (dense, int8, binary, funnel, hnsw, bm25, hybrid)",
               name);
}

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
    shared->texts.push_back(doc.title.empty() ? std::move(doc.text) : doc.title + " " + doc.text);
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
  for (const RetrievalMethod method : options.methods) {
    TESSERA_CHECK(!needs_model(method),
                  "dense and binary retrieval need a model; only bm25 runs without one");
  }
  return evaluate_methods(nullptr, {}, options);
}

BenchmarkResult RetrievalBenchmark::evaluate_methods(const Model* model,
                                                     const std::vector<int64_t>& dims,
                                                     const RetrievalOptions& options) const {
  const bool any_model_method =
      std::any_of(options.methods.begin(), options.methods.end(), needs_model);
  TESSERA_CHECK(model != nullptr || !any_model_method, "no model given for a model method");
  const std::vector<int64_t> dense_dims =
      model == nullptr ? std::vector<int64_t>{} : (dims.empty() ? model->prefixes() : dims);
  std::unordered_set<int64_t> seen_dims;
  for (const int64_t dim : dense_dims) {
    TESSERA_CHECK(dim >= 1 && dim <= model->dim(), "dim {} is outside the model's [1, {}]", dim,
                  model->dim());
    TESSERA_CHECK(seen_dims.insert(dim).second, "dim {} is asked for twice", dim);
  }
  TESSERA_CHECK(options.depth >= 1, "depth must be >= 1, got {}", options.depth);
  TESSERA_CHECK(options.binary_dim >= 0 && options.binary_dim <= full_dim_or_max(model),
                "binary dims must be in [0, the model's dim], got {}", options.binary_dim);
  TESSERA_CHECK(options.binary_candidates >= 1, "binary candidates must be >= 1, got {}",
                options.binary_candidates);
  TESSERA_CHECK(options.funnel_candidates >= 1, "funnel candidates must be >= 1, got {}",
                options.funnel_candidates);
  TESSERA_CHECK(!options.methods.empty(), "no retrieval method asked for");
  TESSERA_CHECK(!options.metrics.empty(), "no metric asked for");
  TESSERA_CHECK(options.batch_seconds >= 0, "batch seconds must be >= 0, got {}",
                options.batch_seconds);
  TESSERA_CHECK(options.latency_queries >= 0, "latency queries must be >= 0, got {}",
                options.latency_queries);
  const int64_t full_dim = model == nullptr ? 0 : model->dim();
  const bool funnel = std::find(options.methods.begin(), options.methods.end(),
                                RetrievalMethod::kFunnel) != options.methods.end();
  TESSERA_CHECK(!funnel || (options.funnel_dim >= 1 && options.funnel_dim < full_dim),
                "the funnel's shortlist dims must be in [1, {}), got {}", full_dim,
                options.funnel_dim);

  BenchmarkResult result;
  result.num_queries = num_queries();
  result.num_documents = num_documents();
  Clock::time_point start = Clock::now();
  Tensor doc_vectors, query_vectors;
  if (any_model_method) {
    doc_vectors = model->encode(corpus_->texts, Tower::kDocument);
    result.document_seconds = seconds_since(start);
    start = Clock::now();
    query_vectors = model->encode(query_texts_, Tower::kQuery);
    result.query_seconds = seconds_since(start);
  }
  const Normalization normalization =
      model == nullptr ? Normalization::kNone : model->normalization();

  // One more result than kept when a query may find its own id among the documents.
  const bool any_self = std::any_of(self_document_.begin(), self_document_.end(),
                                    [](int64_t doc) { return doc >= 0; });
  const int64_t extra = any_self ? 1 : 0;
  const int64_t nq = num_queries();
  const int64_t k = options.depth + extra;
  const int64_t latency_queries = std::min(options.latency_queries, nq);

  // Each query's top documents as its run, without the query's own document.
  auto to_run = [&](const TopK& top) {
    Run run;
    for (int64_t q = 0; q < nq; ++q) {
      const std::span<const float> scores = top.scores_of(q);
      add_to_run(
          query_ids_[static_cast<size_t>(q)], self_document_[static_cast<size_t>(q)], top.ids_of(q),
          [&](size_t j) { return scores[j]; }, options.depth, corpus_->ids, run);
    }
    return run;
  };
  auto finish = [&](MethodResult method, const TopK& top) {  // a copy: callers keep theirs
    method.queries_per_second =
        method.search_seconds > 0 ? static_cast<double>(nq) / method.search_seconds : 0.0;
    Run run = to_run(top);
    method.evaluation = evaluate_run(qrels_, run, options.metrics);
    if (options.keep_runs) method.run = std::move(run);
    result.methods.push_back(std::move(method));
  };

  // Searches with `search(q0, q1)` (queries [q0, q1) in one call): all at once, timed (the
  // fastest of the repeats), then one at a time for the latency percentiles.
  auto measure = [&](MethodResult& method, const auto& search) {
    start = Clock::now();
    TopK top = search(int64_t{0}, nq);
    method.search_seconds = seconds_since(start);
    for (double spent = method.search_seconds; spent < options.batch_seconds;) {
      start = Clock::now();
      (void)search(int64_t{0}, nq);
      const double seconds = seconds_since(start);
      method.search_seconds = std::min(method.search_seconds, seconds);
      spent += seconds;
    }
    std::vector<double> latencies;
    for (int64_t q = 0; q < latency_queries; ++q) {
      start = Clock::now();
      (void)search(q, q + 1);
      latencies.push_back(1000.0 * seconds_since(start));
    }
    method.p50_ms = percentile(latencies, 0.50);
    method.p99_ms = percentile(latencies, 0.99);
    return top;
  };

  // The bm25 index and the dense index at full dim, kept for hybrid.
  std::unique_ptr<Bm25Index> bm25_index;
  std::unique_ptr<Index> dense_index;
  double bm25_build_seconds = 0, dense_build_seconds = 0;
  Tensor dense_queries;
  auto query_texts = [&](int64_t q0, int64_t q1) {
    return std::span(query_texts_).subspan(static_cast<size_t>(q0), static_cast<size_t>(q1 - q0));
  };

  auto run_bm25 = [&](bool report) {
    MethodResult out;
    out.name = method_name(RetrievalMethod::kBm25, 0);
    out.method = RetrievalMethod::kBm25;
    start = Clock::now();
    bm25_index = std::make_unique<Bm25Index>(corpus_->texts, options.bm25);
    out.build_seconds = bm25_build_seconds = seconds_since(start);
    out.index_bytes = bm25_index->memory_bytes();
    if (!report) return out;
    const TopK top = measure(out, [&](int64_t q0, int64_t q1) {
      return bm25_index->search_batch(query_texts(q0, q1), k);
    });
    finish(out, top);
    return out;
  };

  // A vector index over the documents, searched with the queries (both as the index's dim()
  // prefix, normalized as the model says).
  auto run_index = [&](RetrievalMethod method, std::unique_ptr<Index> index, int64_t shortlist_dim,
                       bool report) {
    const int64_t dim = index->dim();
    MethodResult out;
    const bool rescored =
        method == RetrievalMethod::kBinaryRescore || method == RetrievalMethod::kFunnel;
    out.name =
        method_name(method, dim, shortlist_dim, rescored ? options.rescorer : Rescorer::kFloat);
    out.method = method;
    out.dim = dim;
    const Tensor base = prefix_vectors(doc_vectors, dim, normalization);
    Tensor queries = prefix_vectors(query_vectors, dim, normalization);
    start = Clock::now();
    index->add(base);
    out.build_seconds = seconds_since(start);
    out.bytes_per_vector = index->bytes_per_vector();
    out.index_bytes = index->memory_bytes();
    if (report) {
      const TopK top = measure(out, [&](int64_t q0, int64_t q1) {
        return index->search(queries.slice_rows(q0, q1), k);
      });
      finish(out, top);
    }
    if (method == RetrievalMethod::kDense && dim == full_dim) {
      dense_index = std::move(index);
      dense_build_seconds = out.build_seconds;
      dense_queries = std::move(queries);
    }
    return out;
  };

  // The rescoring index of binary and the funnel.
  auto rescorer = [&]() -> std::unique_ptr<Index> {
    if (options.rescorer == Rescorer::kInt8) return std::make_unique<Int8Index>(full_dim);
    return std::make_unique<FlatIndex>(full_dim);
  };

  for (const RetrievalMethod method : options.methods) {
    switch (method) {
      case RetrievalMethod::kBm25:
        run_bm25(true);
        break;
      case RetrievalMethod::kDense:
        for (const int64_t dim : dense_dims) {
          run_index(method, std::make_unique<FlatIndex>(dim), 0, true);
        }
        break;
      case RetrievalMethod::kInt8:
        run_index(method, std::make_unique<Int8Index>(full_dim), 0, true);
        break;
      case RetrievalMethod::kBinaryRescore: {
        FunnelOptions funnel_options;
        funnel_options.shortlist = options.binary_candidates;
        const int64_t bits = options.binary_dim > 0 ? options.binary_dim : full_dim;
        run_index(method,
                  std::make_unique<FunnelIndex>(std::make_unique<BinaryIndex>(bits), rescorer(),
                                                funnel_options),
                  bits, true);
        break;
      }
      case RetrievalMethod::kFunnel: {
        FunnelOptions funnel_options;
        funnel_options.shortlist = options.funnel_candidates;
        funnel_options.normalize_prefix = normalization != Normalization::kNone;
        std::unique_ptr<Index> shortlist;
        if (options.funnel_shortlist == FunnelShortlist::kHnsw) {
          shortlist = std::make_unique<HnswIndex>(options.funnel_dim, options.hnsw);
        } else if (options.funnel_shortlist == FunnelShortlist::kInt8) {
          shortlist = std::make_unique<Int8Index>(options.funnel_dim);
        } else {
          shortlist = std::make_unique<FlatIndex>(options.funnel_dim);
        }
        run_index(method,
                  std::make_unique<FunnelIndex>(std::move(shortlist), rescorer(), funnel_options),
                  options.funnel_dim, true);
        break;
      }
      case RetrievalMethod::kHnsw:
        run_index(method, std::make_unique<HnswIndex>(full_dim, options.hnsw), 0, true);
        break;
      case RetrievalMethod::kHybrid: {
        // Both lists as deep as the run, fused; timed end to end (both searches and fusion).
        MethodResult out;
        out.name = method_name(method, full_dim);
        out.method = method;
        out.dim = full_dim;
        if (!bm25_index) run_bm25(false);
        if (!dense_index) {
          run_index(RetrievalMethod::kDense, std::make_unique<FlatIndex>(full_dim), 0, false);
        }
        out.build_seconds = bm25_build_seconds + dense_build_seconds;  // both parts
        out.bytes_per_vector = dense_index->bytes_per_vector();
        out.index_bytes = bm25_index->memory_bytes() + dense_index->memory_bytes();
        const TopK top = measure(out, [&](int64_t q0, int64_t q1) {
          return fuse(bm25_index->search_batch(query_texts(q0, q1), k),
                      dense_index->search(dense_queries.slice_rows(q0, q1), k), k, options.fusion);
        });
        finish(out, top);
        break;
      }
    }
  }
  return result;
}

}  // namespace tessera
