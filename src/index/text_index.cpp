#include "tessera/index/text_index.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/index/flat_index.h"
#include "tessera/index/funnel_index.h"

namespace tessera {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr const char* kFormat = "tessera-text-index";
constexpr int kVersion = 1;
constexpr size_t kEmbedBatch = 8192;  // documents embedded and added per step (bounds memory)

constexpr const char* kMethodNames[] = {"flat",   "int8", "binary", "hnsw",
                                        "funnel", "bm25", "hybrid"};

std::string document_text(const BeirDocument& doc) {
  return doc.title.empty() ? doc.text : doc.title + " " + doc.text;
}

// The empty vector index of a method over `dim` dims.
std::unique_ptr<Index> make_vector_index(const TextIndexOptions& options, int64_t dim,
                                         bool normalized) {
  switch (options.method) {
    case TextIndexMethod::kFlat:
    case TextIndexMethod::kHybrid:
      return std::make_unique<FlatIndex>(dim);
    case TextIndexMethod::kInt8:
      return std::make_unique<Int8Index>(dim);
    case TextIndexMethod::kHnsw:
      return std::make_unique<HnswIndex>(dim, options.hnsw);
    case TextIndexMethod::kBinary: {
      FunnelOptions funnel;
      funnel.shortlist = options.shortlist;
      return std::make_unique<FunnelIndex>(std::make_unique<BinaryIndex>(dim),
                                           std::make_unique<FlatIndex>(dim), funnel);
    }
    case TextIndexMethod::kFunnel: {
      TESSERA_CHECK(options.funnel_dim >= 1 && options.funnel_dim < dim,
                    "the funnel's shortlist dims must be in [1, {}), got {}", dim,
                    options.funnel_dim);
      FunnelOptions funnel;
      funnel.shortlist = options.shortlist;
      funnel.normalize_prefix = normalized;
      return std::make_unique<FunnelIndex>(std::make_unique<Int8Index>(options.funnel_dim),
                                           std::make_unique<FlatIndex>(dim), funnel);
    }
    case TextIndexMethod::kBm25:
      break;
  }
  TESSERA_FAIL("method {} has no vector index", text_index_method_name(options.method));
}

void write_text(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  file.write(text);
  file.commit();
}

// Hits of one query from a TopK row.
std::vector<TextHit> hits_of(const TopK& top, int64_t q) {
  std::vector<TextHit> hits;
  const std::span<const int64_t> ids = top.ids_of(q);
  for (size_t j = 0; j < ids.size() && ids[j] >= 0; ++j) {
    hits.push_back(TextHit{ids[j], top.scores_of(q)[j]});
  }
  return hits;
}

}  // namespace

TextIndexMethod parse_text_index_method(std::string_view name) {
  for (size_t i = 0; i < std::size(kMethodNames); ++i) {
    if (name == kMethodNames[i]) return static_cast<TextIndexMethod>(i);
  }
  TESSERA_FAIL("unknown index method '{}' (flat, int8, binary, hnsw, funnel, bm25, hybrid)", name);
}

const char* text_index_method_name(TextIndexMethod method) {
  return kMethodNames[static_cast<size_t>(method)];
}

bool uses_vectors(TextIndexMethod method) { return method != TextIndexMethod::kBm25; }
bool uses_bm25(TextIndexMethod method) {
  return method == TextIndexMethod::kBm25 || method == TextIndexMethod::kHybrid;
}

TextIndex TextIndex::build(std::vector<BeirDocument> documents, std::shared_ptr<const Model> model,
                           const std::string& model_path, const TextIndexOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  TextIndex index;
  index.options_ = options;
  index.model_ = std::move(model);
  if (uses_vectors(options.method)) {
    TESSERA_CHECK(index.model_ != nullptr, "the {} method needs a model",
                  text_index_method_name(options.method));
    const int64_t model_dim = index.model_->dim();
    index.dim_ = options.dim == 0 ? model_dim : options.dim;
    TESSERA_CHECK(index.dim_ >= 1 && index.dim_ <= model_dim,
                  "dim {} is outside the model's [1, {}]", index.dim_, model_dim);
    index.model_path_ = fs::absolute(model_path).lexically_normal().string();
    index.vectors_ = make_vector_index(options, index.dim_,
                                       index.model_->normalization() != Normalization::kNone);
    std::vector<std::string> texts;
    for (size_t begin = 0; begin < documents.size(); begin += kEmbedBatch) {
      const size_t end = std::min(documents.size(), begin + kEmbedBatch);
      texts.clear();
      for (size_t d = begin; d < end; ++d) texts.push_back(document_text(documents[d]));
      TextOrigin origin;
      origin.source = "document";
      origin.first_line = static_cast<int64_t>(begin) + 1;
      index.vectors_->add(index.model_->embed(texts, index.dim_, Tower::kDocument, origin));
    }
  }
  if (uses_bm25(options.method)) {
    std::vector<std::string> texts;
    texts.reserve(documents.size());
    for (const BeirDocument& doc : documents) texts.push_back(document_text(doc));
    index.bm25_ = std::make_unique<Bm25Index>(texts, options.bm25);
  }
  index.documents_ = std::move(documents);
  index.build_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return index;
}

Tensor TextIndex::query_vectors(std::span<const std::string> queries) const {
  return model_->embed(std::vector<std::string>(queries.begin(), queries.end()), dim_,
                       Tower::kQuery, TextOrigin{"query", 1});
}

std::vector<std::vector<TextHit>> TextIndex::search(std::span<const std::string> queries, int64_t k,
                                                    const SearchParams& params) const {
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  std::vector<std::vector<TextHit>> results(queries.size());
  if (queries.empty()) return results;
  TopK top;
  if (options_.method == TextIndexMethod::kBm25) {
    top = bm25_->search_batch(queries, k);
  } else if (options_.method == TextIndexMethod::kHybrid) {
    // Both lists deeper than k, so that a document ranked low by one list can still win.
    const int64_t depth = std::max<int64_t>(k, 100);
    top = fuse(bm25_->search_batch(queries, depth),
               vectors_->search(query_vectors(queries), depth, params), k, options_.fusion);
  } else {
    top = vectors_->search(query_vectors(queries), k, params);
  }
  for (size_t q = 0; q < queries.size(); ++q) results[q] = hits_of(top, static_cast<int64_t>(q));
  return results;
}

void TextIndex::save(const std::string& directory) const {
  std::error_code error;
  fs::create_directories(directory, error);
  TESSERA_CHECK(!error, "cannot create index directory {}: {}", directory, error.message());
  const fs::path dir(directory);
  {
    std::string lines;
    for (const BeirDocument& doc : documents_) {
      const Json line = {{"_id", doc.id}, {"title", doc.title}, {"text", doc.text}};
      lines += line.dump(-1, ' ', false, Json::error_handler_t::replace);
      lines += '\n';
    }
    write_text((dir / "documents.jsonl").string(), lines);
  }
  if (vectors_) vectors_->save((dir / "vectors.index").string());
  if (bm25_) bm25_->save((dir / "bm25.index").string());
  Json manifest = {{"format", kFormat},
                   {"version", kVersion},
                   {"method", text_index_method_name(options_.method)},
                   {"model", model_path_.empty() ? Json() : Json(model_path_)},
                   {"model_dim", model_ ? model_->dim() : 0},
                   {"dim", dim_},
                   {"documents", documents_.size()},
                   {"build_seconds", build_seconds_},
                   {"fusion",
                    {{"method", options_.fusion.method == FusionMethod::kRrf ? "rrf" : "convex"},
                     {"weight", options_.fusion.weight},
                     {"rrf_k", options_.fusion.rrf_k}}}};
  write_text((dir / "manifest.json").string(), manifest.dump(1) + "\n");
}

TextIndex TextIndex::load(const std::string& directory, std::shared_ptr<const Model> model) {
  const fs::path dir(directory);
  const std::string manifest_path = (dir / "manifest.json").string();
  std::ifstream in(manifest_path);
  TESSERA_CHECK(in.good(), "{}: not a tessera index directory (no manifest.json)", directory);
  Json manifest;
  try {
    manifest = Json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("{}: invalid JSON: {}", manifest_path, e.what());
  }
  TextIndex index;
  try {
    TESSERA_CHECK(manifest.value("format", "") == kFormat, "not a tessera text index manifest");
    const int version = manifest.at("version").get<int>();
    TESSERA_CHECK(version == kVersion, "index version {}, this tessera reads version {}", version,
                  kVersion);
    index.options_.method = parse_text_index_method(manifest.at("method").get<std::string>());
    index.dim_ = manifest.at("dim").get<int64_t>();
    index.build_seconds_ = manifest.value("build_seconds", 0.0);
    const Json& fusion = manifest.at("fusion");
    index.options_.fusion.method = parse_fusion_method(fusion.at("method").get<std::string>());
    index.options_.fusion.weight = fusion.at("weight").get<double>();
    index.options_.fusion.rrf_k = fusion.at("rrf_k").get<double>();
    if (!manifest.at("model").is_null()) {
      index.model_path_ = manifest.at("model").get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("{}: {}", manifest_path, e.what());
  } catch (const Error& e) {
    TESSERA_FAIL("{}: {}", manifest_path, e.what());
  }

  {
    BeirCorpusReader reader(LineSource::open((dir / "documents.jsonl").string()));
    BeirDocument doc;
    while (reader.next(doc)) index.documents_.push_back(std::move(doc));
  }
  const auto num_documents = static_cast<int64_t>(index.documents_.size());
  if (uses_vectors(index.options_.method)) {
    if (model == nullptr) {
      TESSERA_CHECK(!index.model_path_.empty(), "{}: the manifest names no model", manifest_path);
      TESSERA_CHECK(fs::exists(index.model_path_),
                    "{}: the index's model {} is missing (pass --model)", directory,
                    index.model_path_);
      model = std::make_shared<const Model>(Model::load(index.model_path_));
    }
    index.vectors_ = load_index((dir / "vectors.index").string());
    TESSERA_CHECK(index.vectors_->dim() == index.dim_ && index.dim_ <= model->dim(),
                  "{}: the index holds {}-dim vectors; the model gives {} dims", directory,
                  index.vectors_->dim(), model->dim());
    TESSERA_CHECK(index.vectors_->num_added() == num_documents,
                  "{}: vectors.index holds {} vectors for {} documents", directory,
                  index.vectors_->num_added(), num_documents);
    index.model_ = std::move(model);
  }
  if (uses_bm25(index.options_.method)) {
    index.bm25_ = std::make_unique<Bm25Index>(Bm25Index::load((dir / "bm25.index").string()));
    TESSERA_CHECK(index.bm25_->num_documents() == num_documents,
                  "{}: bm25.index holds {} documents, documents.jsonl {}", directory,
                  index.bm25_->num_documents(), num_documents);
    index.options_.bm25 = index.bm25_->options();
  }
  return index;
}

}  // namespace tessera
