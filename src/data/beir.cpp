#include "tessera/data/beir.h"

#include <fmt/format.h>

#include <filesystem>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "number_parse.h"
#include "tessera/core/check.h"
#include "tessera/data/source_error.h"

namespace tessera {

std::vector<BeirDocument> read_beir_corpus(const std::string& path, InvalidUtf8 on_invalid_utf8) {
  std::vector<BeirDocument> documents;
  BeirCorpusReader reader(LineSource::open(path, on_invalid_utf8));
  BeirDocument doc;
  while (reader.next(doc)) documents.push_back(std::move(doc));
  return documents;
}

std::string document_text(const BeirDocument& doc) {
  return doc.title.empty() ? doc.text : doc.title + " " + doc.text;
}

namespace {
JsonlOptions fields(std::vector<std::string> names) {
  JsonlOptions options;
  options.fields = std::move(names);
  return options;
}

DelimitedOptions qrels_options() {
  DelimitedOptions options = DelimitedOptions::tsv();
  options.columns = 3;
  return options;
}
}  // namespace

BeirCorpusReader::BeirCorpusReader(LineSource source)
    : reader_(std::move(source), fields({"_id", "title?", "text"})) {}

bool BeirCorpusReader::next(BeirDocument& doc) {
  if (!reader_.next(record_)) return false;
  doc.id = std::move(record_.values[0]);
  doc.title = std::move(record_.values[1]);
  doc.text = std::move(record_.values[2]);
  doc.line = record_.line;
  return true;
}

BeirQueryReader::BeirQueryReader(LineSource source)
    : reader_(std::move(source), fields({"_id", "text"})) {}

bool BeirQueryReader::next(BeirQuery& query) {
  if (!reader_.next(record_)) return false;
  query.id = std::move(record_.values[0]);
  query.text = std::move(record_.values[1]);
  query.line = record_.line;
  return true;
}

QrelsReader::QrelsReader(LineSource source) : reader_(std::move(source), qrels_options()) {}

bool QrelsReader::next(Qrel& qrel) {
  for (;;) {
    if (!reader_.next(row_)) return false;
    if (!data_detail::parse_int64(row_.values[2], qrel.score)) {
      if (row_.line == 1) continue;  // the header
      reader_.fail(row_.line, "an integer score", quote_found(row_.values[2]));
    }
    if (row_.values[0].empty()) reader_.fail(row_.line, "a query id", "an empty column");
    if (row_.values[1].empty()) reader_.fail(row_.line, "a corpus id", "an empty column");
    qrel.query_id = std::move(row_.values[0]);
    qrel.doc_id = std::move(row_.values[1]);
    qrel.line = row_.line;
    return true;
  }
}

namespace {

namespace fs = std::filesystem;

// `name` or `name.gz` inside `directory`; empty when neither exists. Anything but a directory
// counts: a named pipe or a device is read as the stream it is.
std::string find_file(const fs::path& directory, const std::string& name) {
  for (const auto& candidate : {directory / name, directory / (name + ".gz")}) {
    std::error_code error;
    const fs::file_status status = fs::status(candidate, error);
    if (fs::exists(status) && !fs::is_directory(status)) return candidate.string();
  }
  return {};
}

using IdLines = std::unordered_map<std::string, int64_t>;

void add_unique(IdLines& ids, const std::string& id, int64_t line, const std::string& path) {
  const auto [it, inserted] = ids.emplace(id, line);
  if (!inserted) {
    throw_source_error(path, line, "a unique _id",
                       fmt::format("{} again (first on line {})", quote_found(id), it->second));
  }
}

}  // namespace

BeirDataset load_beir(const std::string& directory, const std::vector<std::string>& splits,
                      InvalidUtf8 on_invalid_utf8) {
  const fs::path dir(directory);
  const std::string corpus_path = find_file(dir, "corpus.jsonl");
  const std::string queries_path = find_file(dir, "queries.jsonl");
  if (corpus_path.empty()) {
    throw_source_error(directory, 0, "a BEIR directory with corpus.jsonl", "no such file");
  }
  if (queries_path.empty()) {
    throw_source_error(directory, 0, "a BEIR directory with queries.jsonl", "no such file");
  }
  BeirDataset dataset;
  IdLines doc_ids;
  IdLines query_ids;
  {
    BeirCorpusReader reader(LineSource::open(corpus_path, on_invalid_utf8));
    BeirDocument doc;
    while (reader.next(doc)) {
      add_unique(doc_ids, doc.id, doc.line, corpus_path);
      dataset.corpus.push_back(std::move(doc));
    }
  }
  {
    BeirQueryReader reader(LineSource::open(queries_path, on_invalid_utf8));
    BeirQuery query;
    while (reader.next(query)) {
      add_unique(query_ids, query.id, query.line, queries_path);
      dataset.queries.push_back(std::move(query));
    }
  }
  const std::vector<std::string> all = {"train", "dev", "test"};
  for (const std::string& split : splits.empty() ? all : splits) {
    const std::string path = find_file(dir / "qrels", split + ".tsv");
    if (path.empty()) {
      if (splits.empty()) continue;
      throw_source_error((dir / "qrels").string(), 0, fmt::format("a qrels file {}.tsv", split),
                         "no such file");
    }
    BeirSplit& out = dataset.splits.emplace_back();
    out.name = split;
    QrelsReader reader(LineSource::open(path, on_invalid_utf8));
    Qrel qrel;
    while (reader.next(qrel)) {
      if (query_ids.count(qrel.query_id) == 0) {
        throw_source_error(path, qrel.line, "a query id from queries.jsonl",
                           quote_found(qrel.query_id));
      }
      if (doc_ids.count(qrel.doc_id) == 0) {
        throw_source_error(path, qrel.line, "a corpus id from corpus.jsonl",
                           quote_found(qrel.doc_id));
      }
      out.qrels.push_back(std::move(qrel));
    }
  }
  return dataset;
}

}  // namespace tessera
