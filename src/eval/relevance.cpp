#include "tessera/eval/relevance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <ostream>
#include <string_view>
#include <unordered_set>

#include "../data/number_parse.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/data/line_source.h"
#include "tessera/data/source_error.h"

namespace tessera {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

// Splits on runs of whitespace into at most `max_fields + 1` fields (one more than allowed, so
// an extra field is seen without splitting a long junk line to the end).
size_t split_fields(std::string_view line, std::string_view* fields, size_t max_fields) {
  size_t count = 0;
  size_t i = 0;
  while (i < line.size() && count <= max_fields) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) break;
    const size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (count < max_fields) fields[count] = line.substr(start, i - start);
    ++count;
  }
  return count;
}

bool has_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return is_space(c) || c == '\n'; });
}

}  // namespace

void trec_order(std::vector<ScoredDoc>& docs) { std::sort(docs.begin(), docs.end(), trec_before); }

void trec_order(Run& run) {
  for (auto& [query_id, docs] : run) trec_order(docs);
}

Qrels qrels_from(const std::vector<Qrel>& rows) {
  Qrels qrels;
  for (const Qrel& row : rows) qrels[row.query_id][row.doc_id] = row.score;
  return qrels;
}

Qrels read_qrels(const std::string& path) {
  Qrels qrels;
  QrelsReader reader(LineSource::open(path));
  Qrel row;
  while (reader.next(row)) qrels[row.query_id][row.doc_id] = row.score;
  return qrels;
}

Run read_trec_run(const std::string& path) {
  constexpr size_t kFields = 6;
  Run run;
  // Doc ids seen per query, to reject duplicates (trec_eval refuses them too).
  std::unordered_map<std::string, std::unordered_set<std::string>> seen;
  LineSource source = LineSource::open(path);
  std::string_view line;
  std::string_view fields[kFields];
  while (source.next(line)) {
    const size_t count = split_fields(line, fields, kFields);
    if (count == 0) continue;
    if (count != kFields) {
      source.fail("6 fields (qid Q0 docid rank score tag)",
                  fmt::format("{}{} fields", count > kFields ? "more than " : "",
                              std::min(count, kFields)));
    }
    int64_t rank = 0;
    if (!data_detail::parse_int64(fields[3], rank)) {
      source.fail("an integer rank in field 4", quote_found(fields[3]));
    }
    double score = 0.0;
    if (!data_detail::parse_finite_double(fields[4], score)) {
      source.fail("a finite number as the score in field 5", quote_found(fields[4]));
    }
    const std::string query_id(fields[0]);
    std::string doc_id(fields[2]);
    if (!seen[query_id].insert(doc_id).second) {
      source.fail(fmt::format("each document once per query (query {})", quote_found(query_id)),
                  fmt::format("{} again", quote_found(doc_id)));
    }
    run[query_id].push_back(ScoredDoc{std::move(doc_id), score});
  }
  return run;
}

void write_trec_run(const std::string& path, const Run& run, const std::string& tag) {
  TESSERA_CHECK(!tag.empty() && !has_space(tag), "run tag {} must be one non-empty word",
                quote_found(tag));
  std::vector<const std::string*> query_ids;
  query_ids.reserve(run.size());
  for (const auto& [query_id, docs] : run) {
    TESSERA_CHECK(!query_id.empty() && !has_space(query_id),
                  "cannot write run {}: query id {} is empty or holds whitespace", path,
                  quote_found(query_id));
    for (const ScoredDoc& doc : docs) {
      TESSERA_CHECK(!doc.doc_id.empty() && !has_space(doc.doc_id),
                    "cannot write run {}: doc id {} is empty or holds whitespace", path,
                    quote_found(doc.doc_id));
      TESSERA_CHECK(std::isfinite(doc.score),
                    "cannot write run {}: score {} of doc {} is not finite", path, doc.score,
                    quote_found(doc.doc_id));
    }
    query_ids.push_back(&query_id);
  }
  std::sort(query_ids.begin(), query_ids.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  write_file_atomically(path, [&](std::ostream& out) {
    fmt::memory_buffer buffer;
    std::vector<const ScoredDoc*> ranked;
    for (const std::string* query_id : query_ids) {
      const std::vector<ScoredDoc>& docs = run.at(*query_id);
      ranked.clear();
      for (const ScoredDoc& doc : docs) ranked.push_back(&doc);
      std::sort(ranked.begin(), ranked.end(),
                [](const ScoredDoc* a, const ScoredDoc* b) { return trec_before(*a, *b); });
      for (size_t i = 0; i < ranked.size(); ++i) {
        // {} is the shortest representation that reads back to the same double.
        fmt::format_to(std::back_inserter(buffer), "{} Q0 {} {} {} {}\n", *query_id,
                       ranked[i]->doc_id, i + 1, ranked[i]->score, tag);
      }
      if (buffer.size() > (1 << 20)) {
        out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        buffer.clear();
      }
    }
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  });
}

}  // namespace tessera
