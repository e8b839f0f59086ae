#include "tessera/eval/retrieval_benchmark.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"
#include "tessera/index/binary_codes.h"
#include "tessera/index/exact_search.h"

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

std::string method_name(RetrievalMethod method, int64_t dim) {
  switch (method) {
    case RetrievalMethod::kDense:
      return fmt::format("dense@{}", dim);
    case RetrievalMethod::kBinaryRescore:
      return fmt::format("binary@{}+rescore", dim);
    case RetrievalMethod::kBm25:
      return "bm25";
  }
  TESSERA_FAIL("unknown retrieval method {}", static_cast<int>(method));
}

bool needs_model(RetrievalMethod method) { return method != RetrievalMethod::kBm25; }

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
  TESSERA_CHECK(options.binary_candidates >= 1, "binary candidates must be >= 1, got {}",
                options.binary_candidates);
  TESSERA_CHECK(!options.methods.empty(), "no retrieval method asked for");
  TESSERA_CHECK(!options.metrics.empty(), "no metric asked for");

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

  // One more result than kept when a query may find its own id among the documents.
  const bool any_self = std::any_of(self_document_.begin(), self_document_.end(),
                                    [](int64_t doc) { return doc >= 0; });
  const int64_t extra = any_self ? 1 : 0;
  const int64_t nq = num_queries();

  auto finish = [&](MethodResult method, Run run, double seconds) {
    method.search_seconds = seconds;
    method.queries_per_second = seconds > 0 ? static_cast<double>(nq) / seconds : 0.0;
    method.evaluation = evaluate_run(qrels_, run, options.metrics);
    if (options.keep_runs) method.run = std::move(run);
    result.methods.push_back(std::move(method));
  };

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

  for (const RetrievalMethod method : options.methods) {
    if (method == RetrievalMethod::kBm25) {
      start = Clock::now();
      const Bm25Index index(corpus_->texts, options.bm25);
      const double build_seconds = seconds_since(start);
      start = Clock::now();
      const TopK top = index.search_batch(query_texts_, options.depth + extra);
      const double seconds = seconds_since(start);
      Run run = to_run(top);
      MethodResult out;
      out.name = method_name(method, 0);
      out.method = method;
      out.build_seconds = build_seconds;
      finish(std::move(out), std::move(run), seconds);
    } else if (method == RetrievalMethod::kDense) {
      for (const int64_t dim : dense_dims) {
        const Tensor base = prefix_vectors(doc_vectors, dim, model->normalization());  // the index
        start = Clock::now();
        const Tensor queries = prefix_vectors(query_vectors, dim, model->normalization());
        const TopK top = exact_top_k(queries, base, options.depth + extra);
        const double seconds = seconds_since(start);
        Run run = to_run(top);
        MethodResult out;
        out.name = method_name(method, dim);
        out.method = method;
        out.dim = dim;
        finish(std::move(out), std::move(run), seconds);
      }
    } else {
      // The index: sign codes of the full vectors, and the unit vectors that rescore.
      const BinaryCodes doc_codes = pack_sign_bits(doc_vectors);
      const Tensor doc_units = unit_rows(doc_vectors);
      start = Clock::now();
      const BinaryCodes query_codes = pack_sign_bits(query_vectors);
      const HammingTopK shortlist =
          hamming_top_k(query_codes, doc_codes, options.binary_candidates + extra);
      const Tensor query_units = unit_rows(query_vectors);
      // Rescored shortlists, query by query: (cosine, doc id) best first.
      std::vector<std::vector<std::pair<float, int64_t>>> rescored(static_cast<size_t>(nq));
      parallel_for(
          nq,
          [&](int64_t begin, int64_t end, int) {
            for (int64_t q = begin; q < end; ++q) {
              auto& hits = rescored[static_cast<size_t>(q)];
              const int64_t self = self_document_[static_cast<size_t>(q)];
              for (const int64_t id : shortlist.ids_of(q)) {
                if (id < 0 || std::ssize(hits) == options.binary_candidates) break;
                if (id == self) continue;
                hits.emplace_back(
                    kernels::dot(query_units.row(q), doc_units.row(id), query_units.cols()), id);
              }
              std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
                return a.first > b.first || (a.first == b.first && a.second < b.second);
              });
            }
          },
          16);
      const double seconds = seconds_since(start);
      Run run;
      for (int64_t q = 0; q < nq; ++q) {
        const auto& hits = rescored[static_cast<size_t>(q)];
        std::vector<int64_t> ids(hits.size());
        for (size_t j = 0; j < hits.size(); ++j) ids[j] = hits[j].second;
        add_to_run(
            query_ids_[static_cast<size_t>(q)], -1, ids, [&](size_t j) { return hits[j].first; },
            options.binary_candidates, corpus_->ids, run);
      }
      MethodResult out;
      out.name = method_name(method, model->dim());
      out.method = method;
      out.dim = model->dim();
      finish(std::move(out), std::move(run), seconds);
    }
  }
  return result;
}

}  // namespace tessera
