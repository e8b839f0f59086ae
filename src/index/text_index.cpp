#include "tessera/index/text_index.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>

#include "tessera/core/atomic_directory.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/checksum.h"
#include "tessera/core/fault_injection.h"
#include "tessera/core/stopwatch.h"
#include "tessera/index/bm25_retriever.h"
#include "tessera/index/dense_retriever.h"
#include "tessera/index/funnel_index.h"
#include "tessera/index/hybrid_retriever.h"
#include "tessera/index/retriever_factory.h"

namespace tessera {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr const char* kFormat = "tessera-text-index";
constexpr int kVersion = 2;
constexpr size_t kEmbedBatch = 8192;  // documents embedded and added per step (bounds memory)

void write_text(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  file.write(text);
  file.commit();
}

constexpr const char* kManifestFile = "manifest.json";
constexpr const char* kDocumentsFile = "documents.jsonl";

// An existing directory is replaced only when it is a text index (or empty): never a directory
// of other files that happens to be named as the output.
void check_replaceable(const std::string& directory) {
  std::error_code error;
  if (!fs::exists(directory, error)) return;
  TESSERA_CHECK(fs::is_directory(directory, error), "{} exists and is not a directory", directory);
  if (fs::exists(fs::path(directory) / kManifestFile, error)) return;
  TESSERA_CHECK(fs::is_empty(directory, error),
                "{} exists and is not a tessera index directory (no {}); refusing to replace it",
                directory, kManifestFile);
}

// The checksum an index file ends with (index_file.h), as hex: the manifest binds each file.
std::string stored_index_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  uint64_t value = 0;
  in.seekg(-static_cast<std::streamoff>(sizeof value), std::ios::end);
  in.read(reinterpret_cast<char*>(&value), sizeof value);
  TESSERA_CHECK(in.good(), "{}: cannot read its checksum", path);
  return checksum_hex(value);
}

// The checksum of a whole file's bytes, as hex.
std::string file_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSERA_CHECK(in.good(), "{}: cannot open", path);
  Checksum sum;
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    sum.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  return checksum_hex(sum.value());
}

// Each file the manifest lists must have its size and checksum: a directory whose files come
// from two saves (or were edited) is an error, not a search over mismatched parts.
void verify_files(const Json& files, const std::string& directory) {
  for (const auto& [name, entry] : files.items()) {
    const std::string path = (fs::path(directory) / name).string();
    std::error_code error;
    const uint64_t bytes = fs::file_size(path, error);
    TESSERA_CHECK(!error, "{}: {} is missing: the directory is damaged", directory, name);
    const bool index_file = name != kDocumentsFile;
    const std::string sum = index_file ? stored_index_checksum(path) : file_checksum(path);
    TESSERA_CHECK(bytes == entry.at("bytes").get<uint64_t>() &&
                      sum == entry.at("checksum").get<std::string>(),
                  "{}: {} is not the file the manifest names ({} bytes, checksum {}; the manifest "
                  "says {} and {}): the directory is damaged or was changed by hand",
                  directory, name, bytes, sum, entry.at("bytes").get<uint64_t>(),
                  entry.at("checksum").get<std::string>());
  }
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

// The canonical name of a loaded vector index of a version-1 directory, whose manifest named only
// the method.
std::string version1_name(const std::string& method, const Index& index,
                          const std::string& directory) {
  const int64_t dim = index.dim();
  if (method == "binary") return fmt::format("binary@{}+rescore", dim);
  if (method == "funnel") {
    TESSERA_CHECK(index.kind() == "funnel", "{}: the manifest says funnel, {} holds a {} index",
                  directory, kVectorIndexFile, index.kind());
    const auto& funnel = static_cast<const FunnelIndex&>(index);
    return fmt::format("funnel@{}>{}", funnel.shortlist_index().dim(), dim);
  }
  return fmt::format("{}@{}", method == "hybrid" ? "flat" : method, dim);
}

}  // namespace

TextIndex TextIndex::build(std::vector<BeirDocument> documents, std::shared_ptr<const Model> model,
                           const std::string& model_path, const TextIndexOptions& options) {
  const Stopwatch watch;
  const RetrieverSpec spec = parse_retriever_spec(options.method);
  // An id twice would list one document twice in results (train and eval refuse it too).
  std::unordered_map<std::string_view, size_t> seen;
  for (size_t d = 0; d < documents.size(); ++d) {
    const auto [it, fresh] = seen.emplace(documents[d].id, d);
    TESSERA_CHECK(fresh, "document id '{}' appears twice (documents {} and {} of the corpus)",
                  documents[d].id, it->second + 1, d + 1);
  }
  TextIndex index;
  index.model_ = std::move(model);
  index.fusion_ = options.fusion;
  TESSERA_CHECK(!spec.needs_model() || index.model_ != nullptr, "the {} method needs a model",
                options.method);
  std::vector<std::string> texts;
  if (spec.kind != RetrieverSpec::Kind::kDense) {
    texts.reserve(documents.size());
    for (const BeirDocument& doc : documents) texts.push_back(document_text(doc));
  }
  RetrieverInputs inputs;
  inputs.model = index.model_;
  inputs.document_texts = texts;
  inputs.defaults = options.defaults;
  inputs.bm25 = options.bm25;
  inputs.fusion = options.fusion;
  inputs.document_vectors = [&](int64_t dim, const std::function<void(const Tensor&)>& add) {
    std::vector<std::string> batch;
    for (size_t begin = 0; begin < documents.size(); begin += kEmbedBatch) {
      const size_t end = std::min(documents.size(), begin + kEmbedBatch);
      batch.clear();
      for (size_t d = begin; d < end; ++d) batch.push_back(document_text(documents[d]));
      TextOrigin origin;
      origin.source = "document";
      origin.first_line = static_cast<int64_t>(begin) + 1;
      add(index.model_->embed(batch, dim, kDocumentTower, origin));
    }
  };
  RetrieverFactory factory(std::move(inputs));
  index.retriever_ = factory.build(spec, options.dim).retriever;
  index.dim_ = index.retriever_->query_dim();
  if (spec.needs_model()) {
    index.model_path_ = fs::absolute(model_path).lexically_normal().string();
  }
  index.documents_ = std::move(documents);
  index.build_seconds_ = watch.seconds();
  return index;
}

std::vector<std::vector<TextHit>> TextIndex::search(std::span<const std::string> queries, int64_t k,
                                                    const SearchParams& params,
                                                    const TextOrigin& origin) const {
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  std::vector<std::vector<TextHit>> results(queries.size());
  if (queries.empty() || documents_.empty()) return results;
  k = std::min<int64_t>(k, static_cast<int64_t>(documents_.size()));  // no more hits than exist
  const TopK top = retriever_->search(queries, k, params, origin);
  for (size_t q = 0; q < queries.size(); ++q) results[q] = hits_of(top, static_cast<int64_t>(q));
  return results;
}

void TextIndex::save(const std::string& directory) const {
  check_replaceable(directory);
  AtomicDirectory out(directory);
  const fs::path dir(out.temp_path());
  Json files = Json::object();
  {
    std::string lines;
    for (const BeirDocument& doc : documents_) {
      const Json line = {{"_id", doc.id}, {"title", doc.title}, {"text", doc.text}};
      lines += line.dump(-1, ' ', false, Json::error_handler_t::replace);
      lines += '\n';
    }
    write_text((dir / kDocumentsFile).string(), lines);
    files[kDocumentsFile] = {
        {"bytes", lines.size()},
        {"checksum",
         checksum_hex(checksum({reinterpret_cast<const uint8_t*>(lines.data()), lines.size()}))}};
  }
  fault_point("index-save:documents");
  retriever_->save(dir.string());
  for (const char* name : {kVectorIndexFile, kBm25IndexFile}) {
    const std::string path = (dir / name).string();
    if (!fs::exists(path)) continue;
    files[name] = {{"bytes", fs::file_size(path)}, {"checksum", stored_index_checksum(path)}};
  }
  fault_point("index-save:index-files");
  Json manifest = {{"format", kFormat},
                   {"version", kVersion},
                   {"method", retriever_->name()},
                   {"model", model_path_.empty() ? Json() : Json(model_path_)},
                   {"model_dim", model_ ? model_->dim() : 0},
                   {"dim", dim_},
                   {"documents", documents_.size()},
                   {"build_seconds", build_seconds_},
                   {"fusion",
                    {{"method", name_of(fusion_.method)},
                     {"weight", fusion_.weight},
                     {"rrf_k", fusion_.rrf_k},
                     {"depth", fusion_.depth}}},
                   {"files", files}};
  write_text((dir / kManifestFile).string(), manifest.dump(1) + "\n");
  fault_point("index-save:manifest");
  out.commit();
}

TextIndex TextIndex::load(const std::string& directory, std::shared_ptr<const Model> model) {
  const fs::path dir(directory);
  const std::string manifest_path = (dir / kManifestFile).string();
  std::ifstream in(manifest_path);
  TESSERA_CHECK(in.good(), "{}: not a tessera index directory (no manifest.json)", directory);
  Json manifest;
  try {
    manifest = Json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("{}: invalid JSON: {}", manifest_path, e.what());
  }
  TextIndex index;
  int version = 0;
  std::string method;
  int64_t model_dim = 0;
  int64_t manifest_documents = -1;  // unknown
  // What the directory holds, and the canonical name of its dense part.
  bool lexical = false, dense = false;
  std::string dense_name;
  try {
    TESSERA_CHECK(manifest.value("format", "") == kFormat, "not a tessera text index manifest");
    version = manifest.at("version").get<int>();
    TESSERA_CHECK(version == 1 || version == kVersion,
                  "index version {}, this tessera reads versions 1 and {}", version, kVersion);
    method = manifest.at("method").get<std::string>();
    index.dim_ = manifest.at("dim").get<int64_t>();
    model_dim = manifest.at("model_dim").get<int64_t>();
    manifest_documents = manifest.value("documents", int64_t{-1});
    if (version == 1) {  // the method by name
      TESSERA_CHECK(method == "flat" || method == "int8" || method == "binary" ||
                        method == "hnsw" || method == "funnel" || method == "bm25" ||
                        method == "hybrid",
                    "unknown method '{}'", method);
      lexical = method == "bm25" || method == "hybrid";
      dense = method != "bm25";
    } else {  // the retriever's canonical name
      const RetrieverSpec spec = parse_retriever_spec(method);
      lexical = spec.kind != RetrieverSpec::Kind::kDense;
      dense = spec.needs_model();
      dense_name = spec.kind == RetrieverSpec::Kind::kHybrid ? hybrid_dense_part(method) : method;
    }
    index.build_seconds_ = manifest.value("build_seconds", 0.0);
    const Json& fusion = manifest.at("fusion");
    index.fusion_.method =
        parse_enum<FusionMethod>(fusion.at("method").get<std::string>(), "fusion");
    index.fusion_.weight = fusion.at("weight").get<double>();
    index.fusion_.rrf_k = fusion.at("rrf_k").get<double>();
    index.fusion_.depth = fusion.value("depth", FusionOptions{}.depth);
    if (!manifest.at("model").is_null()) {
      index.model_path_ = manifest.at("model").get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("{}: {}", manifest_path, e.what());
  } catch (const Error& e) {
    TESSERA_FAIL("{}: {}", manifest_path, e.what());
  }

  if (manifest.contains("files")) {  // saves before the manifest listed its files have none
    try {
      verify_files(manifest.at("files"), directory);
    } catch (const nlohmann::json::exception& e) {
      TESSERA_FAIL("{}: \"files\": {}", manifest_path, e.what());
    }
  }
  index.documents_ = read_beir_corpus((dir / kDocumentsFile).string());
  const auto num_documents = static_cast<int64_t>(index.documents_.size());
  TESSERA_CHECK(manifest_documents < 0 || num_documents == manifest_documents,
                "{}: the manifest says {} documents, {} holds {}", directory, manifest_documents,
                kDocumentsFile, num_documents);
  std::shared_ptr<const Retriever> vectors, words;
  if (dense) {
    if (model == nullptr) {
      TESSERA_CHECK(!index.model_path_.empty(), "{}: the manifest names no model", manifest_path);
      TESSERA_CHECK(fs::exists(index.model_path_),
                    "{}: the index's model {} is missing (pass --model)", directory,
                    index.model_path_);
      model = std::make_shared<const Model>(Model::load(index.model_path_));
    }
    TESSERA_CHECK(model->dim() == model_dim,
                  "{}: the index was built with a model of {} dims; this one gives {}", directory,
                  model_dim, model->dim());
    std::unique_ptr<Index> loaded = load_index((dir / kVectorIndexFile).string());
    TESSERA_CHECK(loaded->dim() == index.dim_, "{}: the manifest says {} dims, {} holds {}",
                  directory, index.dim_, kVectorIndexFile, loaded->dim());
    TESSERA_CHECK(index.dim_ <= model->dim(),
                  "{}: the index holds {}-dim vectors; the model gives {} dims", directory,
                  index.dim_, model->dim());
    TESSERA_CHECK(loaded->num_added() == num_documents, "{}: {} holds {} vectors for {} documents",
                  directory, kVectorIndexFile, loaded->num_added(), num_documents);
    const std::string name = version == 1 ? version1_name(method, *loaded, directory) : dense_name;
    index.model_ = model;
    vectors =
        std::make_shared<DenseRetriever>(model, std::string(kQueryTower), std::move(loaded), name);
  }
  if (lexical) {
    auto bm25 = std::make_shared<const Bm25Index>(Bm25Index::load((dir / kBm25IndexFile).string()));
    TESSERA_CHECK(bm25->num_documents() == num_documents,
                  "{}: {} holds {} documents, documents.jsonl {}", directory, kBm25IndexFile,
                  bm25->num_documents(), num_documents);
    words = std::make_shared<Bm25Retriever>(std::move(bm25));
  }
  if (vectors && words) {
    index.retriever_ = std::make_shared<HybridRetriever>(words, vectors, index.fusion_);
  } else {
    index.retriever_ = vectors ? vectors : words;
  }
  return index;
}

}  // namespace tessera
