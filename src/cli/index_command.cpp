// `tessera index`: builds a searchable index directory from a corpus (index/text_index.h), and
// `tessera search`: searches one, for a query given on the command line or queries read from
// stdin one per line.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "options.h"
#include "tessera/core/check.h"
#include "tessera/data/beir.h"
#include "tessera/index/retriever_factory.h"
#include "tessera/index/text_index.h"
#include "tessera/model/model.h"

namespace tessera::cli {

namespace {

void add_index(CLI::App& app) {
  struct Args {
    std::string model;
    std::string corpus;
    std::string out;
    TextIndexOptions options;
    InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "index",
      "Index a corpus (BEIR corpus.jsonl: _id, title, text) for tessera search: dense vectors of "
      "a model in any index (flat, int8, binary+rescore, hnsw, funnel, ...), BM25, or both fused "
      "(hybrid)");
  cmd->add_option("--corpus", args->corpus, "corpus.jsonl (optionally .gz)")->required();
  cmd->add_option("--model", args->model, "Model file (from tessera train); not for bm25");
  TextIndexOptions& o = args->options;
  cmd->add_option("--method", o.method,
                  "Retriever spec: flat (exact), int8 (1 byte/dim), binary (sign bits), "
                  "binary+rescore[:int8] (sign bits shortlist rescored), hnsw[:M16:efc200:ef64] "
                  "(graph, approximate), funnel[@64>256][:int8] (int8 shortlist at fewer dims, "
                  "rescored), A>R, bm25 (no model), hybrid (bm25 + flat, fused) or "
                  "hybrid(bm25+SPEC)")
      ->check(retriever_spec_check())
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Index directory to write")->required();
  cmd->add_option("--dim", o.dim, "Dims indexed, a Matryoshka prefix (default: the model's)")
      ->check(positive());
  add_index_defaults(*cmd, o.defaults);
  add_fusion_options(*cmd, o.fusion);
  add_enum_option(*cmd, "--on-invalid-utf8", args->on_invalid_utf8, kInvalidUtf8Help);
  add_threads_option(*cmd, args->threads);
  cmd->callback([args] {
    use_threads(args->threads);
    const TextIndexOptions& options = args->options;
    const bool vectors = parse_retriever_spec(options.method).needs_model();
    if (vectors && args->model.empty()) {
      throw CLI::ValidationError("--model", "method '" + options.method + "' needs --model");
    }
    if (!vectors && !args->model.empty()) {
      throw CLI::ValidationError("--model", "bm25 indexes text and takes no model");
    }
    std::shared_ptr<const Model> model;
    if (!args->model.empty()) model = std::make_shared<const Model>(Model::load(args->model));
    std::vector<BeirDocument> documents = read_beir_corpus(args->corpus, args->on_invalid_utf8);
    TESSERA_CHECK(!documents.empty(), "{}: the corpus holds no document", args->corpus);
    const TextIndex index = TextIndex::build(std::move(documents), model, args->model, options);
    index.save(args->out);
    fmt::print(stderr, "index: {} documents, {}, built in {:.2f} s, written to {}\n",
               index.documents().size(), index.method(), index.build_seconds(), args->out);
  });
}

void print_hits(const TextIndex& index, const std::string& query, const std::vector<TextHit>& hits,
                bool json) {
  const std::vector<BeirDocument>& docs = index.documents();
  if (json) {
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (size_t rank = 0; rank < hits.size(); ++rank) {
      const BeirDocument& doc = docs[static_cast<size_t>(hits[rank].doc)];
      results.push_back({{"rank", rank + 1},
                         {"id", doc.id},
                         {"score", hits[rank].score},
                         {"title", doc.title},
                         {"text", doc.text}});
    }
    const nlohmann::ordered_json line = {{"query", query}, {"results", std::move(results)}};
    fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("query: {}\n", query);
  for (size_t rank = 0; rank < hits.size(); ++rank) {
    const BeirDocument& doc = docs[static_cast<size_t>(hits[rank].doc)];
    std::string text = doc.title.empty() ? doc.text : doc.title + " | " + doc.text;
    if (text.size() > 100) {
      size_t cut = 97;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text = text.substr(0, cut) + "...";
    }
    fmt::print("{:>3}. {:<16} {:>8.4f}  {}\n", rank + 1, doc.id, hits[rank].score, text);
  }
}

void add_search(CLI::App& app) {
  struct Args {
    std::string index;
    std::string model;
    std::vector<std::string> queries;
    int64_t k = 10;
    int64_t ef_search = 0;
    int64_t shortlist = 0;
    bool json = false;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "search",
      "Search an index directory (from tessera index) with --query, or with queries read from "
      "stdin, one per line");
  cmd->add_option("--index", args->index, "Index directory")->required();
  cmd->add_option("--model", args->model,
                  "Model to embed queries with (default: the one the index was built with)");
  cmd->add_option("--query,-q", args->queries, "Query text (repeatable); default: read stdin");
  cmd->add_option("-k", args->k, "Results per query")->check(positive())->capture_default_str();
  cmd->add_option("--ef-search", args->ef_search, "hnsw: candidates while searching")
      ->check(CLI::Range(int64_t{1}, kMaxHnswCandidates));
  cmd->add_option("--shortlist", args->shortlist, "Funnels: candidates rescored")
      ->check(positive());
  cmd->add_flag("--json", args->json, "One JSON line per query: {query, results: [...]}");
  add_threads_option(*cmd, args->threads);
  cmd->callback([args] {
    use_threads(args->threads);
    std::shared_ptr<const Model> model;
    if (!args->model.empty()) model = std::make_shared<const Model>(Model::load(args->model));
    const TextIndex index = TextIndex::load(args->index, model);
    SearchParams params;
    params.ef_search = args->ef_search;
    params.shortlist = args->shortlist;
    // Batches of queries keep memory bounded for long query streams and keep output flowing.
    constexpr size_t kBatch = 1024;
    int64_t searched = 0;
    const auto search = [&](const std::vector<std::string>& batch) {
      const auto results = index.search(batch, args->k, params, TextOrigin{"query", searched + 1});
      for (size_t q = 0; q < batch.size(); ++q) {
        if (searched + static_cast<int64_t>(q) > 0 && !args->json) fmt::print("\n");
        print_hits(index, batch[q], results[q], args->json);
      }
      searched += static_cast<int64_t>(batch.size());
    };
    if (!args->queries.empty()) {
      for (size_t begin = 0; begin < args->queries.size(); begin += kBatch) {
        const size_t end = std::min(args->queries.size(), begin + kBatch);
        search(std::vector<std::string>(args->queries.begin() + static_cast<std::ptrdiff_t>(begin),
                                        args->queries.begin() + static_cast<std::ptrdiff_t>(end)));
      }
      return;
    }
    std::vector<std::string> batch;
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      batch.push_back(std::move(line));
      if (batch.size() == kBatch) {
        search(batch);
        batch.clear();
      }
    }
    if (!batch.empty()) search(batch);
  });
}

}  // namespace

void add_index_command(CLI::App& app) {
  add_index(app);
  add_search(app);
}

}  // namespace tessera::cli
