// BEIR dataset directories (Thakur et al., 2021): corpus.jsonl ({"_id", "title", "text"}),
// queries.jsonl ({"_id", "text"}) and qrels/<split>.tsv (header `query-id corpus-id score`).
// Each file may also be gzipped (LineSource detects it). load_beir reads everything and checks
// that ids are unique and that every qrels id names a query and a document.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/data/delimited_reader.h"
#include "tessera/data/jsonl_reader.h"
#include "tessera/data/line_source.h"

namespace tessera {

struct BeirDocument {
  std::string id;
  std::string title;
  std::string text;
  int64_t line = 0;
};

// What a model reads of a document: "title text", or the text alone when there is no title.
std::string document_text(const BeirDocument& doc);

struct BeirQuery {
  std::string id;
  std::string text;
  int64_t line = 0;
};

struct Qrel {
  std::string query_id;
  std::string doc_id;
  int64_t score = 0;
  int64_t line = 0;
};

// Streams corpus.jsonl: `_id` and `text` required, `title` optional.
class BeirCorpusReader {
 public:
  explicit BeirCorpusReader(LineSource source);
  bool next(BeirDocument& doc);

 private:
  JsonlReader reader_;
  JsonlRecord record_;
};

// Every document of a corpus.jsonl (or .jsonl.gz, or - for stdin), in file order. Invalid UTF-8
// is an error, or with kReplace each bad sequence becomes U+FFFD as the lines are read.
std::vector<BeirDocument> read_beir_corpus(const std::string& path,
                                           InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError);

// Streams queries.jsonl: `_id` and `text` required.
class BeirQueryReader {
 public:
  explicit BeirQueryReader(LineSource source);
  bool next(BeirQuery& query);

 private:
  JsonlReader reader_;
  JsonlRecord record_;
};

// Streams a qrels TSV: three columns, integer score; a first row whose score is not an integer is
// the header.
class QrelsReader {
 public:
  explicit QrelsReader(LineSource source);
  bool next(Qrel& qrel);

 private:
  DelimitedReader reader_;
  DelimitedRecord row_;
};

struct BeirSplit {
  std::string name;  // "train", "dev", "test"
  std::vector<Qrel> qrels;
};

struct BeirDataset {
  std::vector<BeirDocument> corpus;
  std::vector<BeirQuery> queries;
  std::vector<BeirSplit> splits;  // those present among train, dev, test, in that order
};

// Reads a BEIR directory. `splits` names the qrels to load (empty: every one present). Throws a
// source error for duplicate ids (naming the first line) and for qrels ids not in the corpus or
// queries (the first such id and its line). on_invalid_utf8 as for read_beir_corpus, in every
// file.
BeirDataset load_beir(const std::string& directory, const std::vector<std::string>& splits = {},
                      InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError);

// Writes a BEIR directory load_beir reads back: corpus.jsonl, queries.jsonl and
// qrels/<name>.tsv per split (the directory and qrels/ are created; each file is written
// atomically).
void write_beir(const std::string& directory, const BeirDataset& dataset);

}  // namespace tessera
