// `tessera collection create|add|delete|get|search|info DIR`: a collection (collection.h) used
// in-process, with no server: documents with string ids and metadata, durable in SQLite,
// searched by text or with metadata filters, dense, BM25 or hybrid.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "options.h"
#include "tessera/collection/collection.h"
#include "tessera/collection/document_reader.h"
#include "tessera/core/check.h"
#include "tessera/core/stopwatch.h"
#include "tessera/data/line_source.h"

namespace tessera::cli {

namespace {

using Json = nlohmann::ordered_json;

void print_json(const Json& value) {
  fmt::print("{}\n", value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void add_create(CLI::App& group) {
  struct Args {
    std::string directory;
    CollectionOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand("create", "Create an empty collection directory");
  cmd->add_option("dir", args->directory, "Collection directory (new or empty)")->required();
  CollectionOptions& o = args->options;
  cmd->add_option("--model", o.model_path, "Model that embeds documents and queries")->required();
  cmd->add_option("--index", o.index,
                  "Index spec: flat, int8, binary, binary+rescore, hnsw[:M16:efc200:ef64], "
                  "funnel[@64>256], ... (index_spec.h)")
      ->check(index_spec_check())
      ->capture_default_str();
  cmd->add_option("--dim", o.dim, "Dims indexed, a Matryoshka prefix (default: the model's)")
      ->check(positive());
  add_index_defaults(*cmd, o.defaults);
  add_enum_option(*cmd, "--synchronous", o.synchronous,
                  "full: each commit reaches the disk before it is acknowledged (survives power "
                  "loss); normal: synced at checkpoints (survives a killed process only)");
  cmd->callback([args] {
    Collection::create(args->directory, args->options);
    const auto collection = Collection::open(args->directory);
    const CollectionInfo info = collection->info();
    fmt::print(stderr, "collection: created {} ({}, {} dims, model {})\n", args->directory,
               info.index, info.dim, info.model_path);
  });
}

void add_add(CLI::App& group) {
  struct Args {
    std::string directory;
    std::string input;
    int64_t batch = 1000;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand(
      "add",
      "Add documents (JSON lines: id or _id, text, title, metadata), replacing those "
      "whose id is there; each batch is one transaction");
  cmd->add_option("dir", args->directory, "Collection directory")->required();
  cmd->add_option("--input", args->input, "Documents, .jsonl (optionally .gz), - for stdin")
      ->required();
  cmd->add_option("--batch", args->batch, "Documents per transaction")
      ->check(positive())
      ->capture_default_str();
  add_threads_option(*cmd, args->threads);
  cmd->callback([args] {
    use_threads(args->threads);
    const auto collection = Collection::open(args->directory);
    const Stopwatch watch;
    UpsertCounts total;
    read_documents(args->input, args->batch, [&](std::vector<CollectionDocument>&& batch) {
      const UpsertCounts counts = collection->upsert(batch);
      total.added += counts.added;
      total.replaced += counts.replaced;
    });
    fmt::print(stderr, "collection: {} added, {} replaced in {:.2f} s; {} documents\n", total.added,
               total.replaced, watch.seconds(), collection->info().documents);
  });
}

void add_delete(CLI::App& group) {
  struct Args {
    std::string directory;
    std::vector<std::string> ids;
    std::string ids_file;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand("delete", "Delete documents by id");
  cmd->add_option("dir", args->directory, "Collection directory")->required();
  auto* id_option = cmd->add_option("--id", args->ids, "A document id (repeatable)");
  auto* file = cmd->add_option("--ids-file", args->ids_file, "Ids, one per line");
  id_option->excludes(file);
  cmd->callback([args] {
    if (args->ids.empty() && args->ids_file.empty()) {
      throw CLI::ValidationError("--id", "give --id or --ids-file");
    }
    std::vector<std::string> ids = args->ids;
    if (!args->ids_file.empty()) {
      LineSource source = LineSource::open(args->ids_file);
      std::string_view line;
      while (source.next(line)) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) ids.emplace_back(line);
      }
    }
    const auto collection = Collection::open(args->directory);
    const int64_t deleted = collection->remove(ids);
    fmt::print(stderr, "collection: {} of {} ids deleted; {} documents\n", deleted, ids.size(),
               collection->info().documents);
  });
}

Json document_json(const CollectionDocument& document) {
  return {
      {"id", document.id}, {"text", document.text}, {"metadata", Json::parse(document.metadata)}};
}

void add_get(CLI::App& group) {
  struct Args {
    std::string directory;
    std::vector<std::string> ids;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd =
      group.add_subcommand("get", "Print documents by id, one JSON line each (null if absent)");
  cmd->add_option("dir", args->directory, "Collection directory")->required();
  cmd->add_option("--id", args->ids, "A document id (repeatable)")->required();
  cmd->callback([args] {
    const auto collection = Collection::open(args->directory);
    for (const auto& document : collection->get(args->ids)) {
      print_json(document ? document_json(*document) : Json(nullptr));
    }
  });
}

void print_hits(const std::string& query, const std::vector<CollectionHit>& hits, bool json) {
  if (json) {
    Json results = Json::array();
    for (size_t rank = 0; rank < hits.size(); ++rank) {
      results.push_back({{"rank", rank + 1},
                         {"id", hits[rank].id},
                         {"score", hits[rank].score},
                         {"text", hits[rank].text},
                         {"metadata", Json::parse(hits[rank].metadata)}});
    }
    print_json({{"query", query}, {"results", std::move(results)}});
    return;
  }
  fmt::print("query: {}\n", query);
  for (size_t rank = 0; rank < hits.size(); ++rank) {
    std::string text = hits[rank].text;
    if (text.size() > 80) {
      size_t cut = 77;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text = text.substr(0, cut) + "...";
    }
    fmt::print("{:>3}. {:<16} {:>8.4f}  {}  {}\n", rank + 1, hits[rank].id, hits[rank].score, text,
               hits[rank].metadata);
  }
}

void add_search(CLI::App& group) {
  struct Args {
    std::string directory;
    std::vector<std::string> queries;
    std::string filter;
    CollectionSearchRequest request;
    bool json = false;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand(
      "search", "Search a collection with --query, or queries read from stdin, one per line");
  cmd->add_option("dir", args->directory, "Collection directory")->required();
  cmd->add_option("--query,-q", args->queries, "Query text (repeatable); default: read stdin");
  CollectionSearchRequest& r = args->request;
  cmd->add_option("-k", r.k, "Results per query")->check(positive())->capture_default_str();
  cmd->add_option("--filter", args->filter,
                  "Metadata filter, JSON: {\"lang\": \"en\", \"year\": {\"$gte\": 2000}}, $in, "
                  "$nin, $ne, $exists, $and, $or, $not");
  add_enum_option(*cmd, "--method", r.method,
                  "dense (the index), bm25 (words), or hybrid (both, fused)");
  add_fusion_options(*cmd, r.fusion);
  cmd->add_option("--ef-search", r.params.ef_search, "hnsw: candidates while searching")
      ->check(CLI::Range(int64_t{1}, kMaxHnswCandidates));
  cmd->add_option("--shortlist", r.params.shortlist, "Funnels: candidates rescored")
      ->check(positive());
  cmd->add_flag("--json", args->json, "One JSON line per query: {query, results: [...]}");
  add_threads_option(*cmd, args->threads);
  cmd->callback([args] {
    use_threads(args->threads);
    MetadataFilter filter;
    if (!args->filter.empty()) {
      nlohmann::json parsed;
      try {
        parsed = nlohmann::json::parse(args->filter);
      } catch (const nlohmann::json::exception& e) {
        throw CLI::ValidationError("--filter", std::string("not valid JSON: ") + e.what());
      }
      filter = MetadataFilter::parse(parsed);
    }
    const auto collection = Collection::open(args->directory);
    CollectionSearchRequest request = args->request;
    request.filter = &filter;
    std::vector<std::string> queries = args->queries;
    if (queries.empty()) {
      for (std::string line; std::getline(std::cin, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) queries.push_back(std::move(line));
      }
    }
    for (const std::string& query : queries) request.queries.push_back({query, {}});
    const auto results = collection->search(request);
    for (size_t q = 0; q < queries.size(); ++q) {
      if (q > 0 && !args->json) fmt::print("\n");
      print_hits(queries[q], results[q], args->json);
    }
  });
}

void add_info(CLI::App& group) {
  struct Args {
    std::string directory;
    bool check = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand("info", "Print what a collection holds, as JSON");
  cmd->add_option("dir", args->directory, "Collection directory")->required();
  cmd->add_flag("--check", args->check,
                "Also check SQLite's integrity and the rows against the index (exit 1 if not ok)");
  cmd->callback([args] {
    const auto collection = Collection::open(args->directory);
    const CollectionInfo info = collection->info();
    Json out = {{"directory", args->directory},
                {"documents", info.documents},
                {"index", info.index},
                {"dim", info.dim},
                {"model", info.model_path},
                {"model_checksum", info.model_checksum},
                {"synchronous", info.synchronous},
                {"index_memory_bytes", info.index_memory_bytes},
                {"removed_rows", info.removed_rows}};
    std::string integrity;
    if (args->check) {
      integrity = collection->check_integrity();
      out["integrity"] = integrity;
    }
    print_json(out);
    TESSERA_CHECK(integrity.empty() || integrity == "ok", "{}: integrity check failed: {}",
                  args->directory, integrity);
  });
}

}  // namespace

void add_collection_command(CLI::App& app) {
  CLI::App* group = app.add_subcommand(
      "collection",
      "Collections: documents with ids, text and metadata, durable in SQLite, searched with "
      "filters (no server needed; tessera serve serves them over HTTP)");
  group->require_subcommand(1);
  add_create(*group);
  add_add(*group);
  add_delete(*group);
  add_get(*group);
  add_search(*group);
  add_info(*group);
}

}  // namespace tessera::cli
