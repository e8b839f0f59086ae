// Relevance judgements (qrels) and ranked result lists (runs), the two inputs of every IR metric,
// with their files: BEIR qrels TSV (`query-id corpus-id score`, header optional) and TREC runs
// (`qid Q0 docid rank score tag`, whitespace-separated), the formats trec_eval and pytrec_eval
// read.
//
// Ranking follows trec_eval: a run's documents are ordered by score descending, ties by doc id
// descending (byte-wise, which is code-point order for UTF-8); the rank column of a run file is
// ignored. trec_order() sorts that way, and everything that reads or writes runs uses it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/data/beir.h"

namespace tessera {

// query id -> doc id -> grade. A grade > 0 marks a relevant document (graded relevance: the
// grade is nDCG's gain); 0 or less is judged non-relevant.
using Qrels = std::unordered_map<std::string, std::unordered_map<std::string, int64_t>>;

struct ScoredDoc {
  std::string doc_id;
  double score = 0.0;
};

// query id -> retrieved documents. Doc ids are unique within a query; the order of the list is
// free (metrics and writers rank by trec_order).
using Run = std::unordered_map<std::string, std::vector<ScoredDoc>>;

// True when a ranks before b in trec_eval's order: higher score, then higher doc id.
inline bool trec_before(const ScoredDoc& a, const ScoredDoc& b) {
  return a.score > b.score || (a.score == b.score && a.doc_id > b.doc_id);
}
// Sorts one query's documents (or every query's) into trec_eval's ranking.
void trec_order(std::vector<ScoredDoc>& docs);
void trec_order(Run& run);

// Qrels from parsed rows (load_beir's splits). A (query, doc) pair given twice keeps the last
// grade, as BEIR's loader and ir_metrics_ref.py do.
Qrels qrels_from(const std::vector<Qrel>& rows);
// Reads a BEIR qrels TSV (plain or gzipped) through QrelsReader; errors name file and line.
Qrels read_qrels(const std::string& path);

// Reads a TREC run file (plain or gzipped). Errors name file and line: a line without exactly
// six fields, a rank that is not an integer, a score that is not a finite number, or a doc id
// given twice for one query. Blank lines are skipped.
Run read_trec_run(const std::string& path);

// Writes `run` as a TREC run file, atomically (temporary file + rename): queries in ascending id
// order, each query's documents in trec_order with ranks 1, 2, ..., scores in the shortest form
// that reads back to the same double, `tag` in the last column. Ids and tag must be non-empty
// and free of whitespace (they would not read back).
void write_trec_run(const std::string& path, const Run& run, const std::string& tag);

}  // namespace tessera
