// write_beir: a BeirDataset as files (beir.h).
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/data/beir.h"

namespace tessera {

namespace {

namespace fs = std::filesystem;

// One JSON object per line; invalid UTF-8 is replaced rather than failing the whole file.
void write_jsonl(const std::string& path, const std::vector<nlohmann::ordered_json>& rows) {
  std::string text;
  for (const nlohmann::ordered_json& row : rows) {
    text += row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
  }
  AtomicFile file(path);
  file.write(text);
  file.commit();
}

}  // namespace

void write_beir(const std::string& directory, const BeirDataset& dataset) {
  std::error_code error;
  fs::create_directories(fs::path(directory) / "qrels", error);
  TESSERA_CHECK(!error, "cannot create {}: {}", directory, error.message());
  std::vector<nlohmann::ordered_json> rows;
  rows.reserve(dataset.corpus.size());
  for (const BeirDocument& doc : dataset.corpus) {
    rows.push_back({{"_id", doc.id}, {"title", doc.title}, {"text", doc.text}});
  }
  write_jsonl((fs::path(directory) / "corpus.jsonl").string(), rows);
  rows.clear();
  for (const BeirQuery& query : dataset.queries) {
    rows.push_back({{"_id", query.id}, {"text", query.text}});
  }
  write_jsonl((fs::path(directory) / "queries.jsonl").string(), rows);
  for (const BeirSplit& split : dataset.splits) {
    std::string text = "query-id\tcorpus-id\tscore\n";
    for (const Qrel& qrel : split.qrels) {
      TESSERA_CHECK(qrel.query_id.find_first_of("\t\n") == std::string::npos &&
                        qrel.doc_id.find_first_of("\t\n") == std::string::npos,
                    "qrels ids cannot hold tabs or newlines: '{}' '{}'", qrel.query_id,
                    qrel.doc_id);
      text += qrel.query_id + '\t' + qrel.doc_id + '\t' + std::to_string(qrel.score) + '\n';
    }
    AtomicFile file((fs::path(directory) / "qrels" / (split.name + ".tsv")).string());
    file.write(text);
    file.commit();
  }
}

}  // namespace tessera
