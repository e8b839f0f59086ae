// Training pairs and triplets (query, positive, optional negative) from JSONL or TSV, and scored
// sentence pairs (STS-style) from delimited files.
//
// JSONL: {"query": ..., "positive": ..., "negative": ...} by default; the caller may rename the
// fields (e.g. "anchor"/"pos"/"neg", or nested "a.b"). A missing "negative" gives
// has_negative = false. TSV: the columns named in PairColumns (2 or 3 of them).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tessera/data/delimited_reader.h"
#include "tessera/data/jsonl_reader.h"
#include "tessera/data/line_source.h"

namespace tessera {

struct TextPair {
  std::string query;
  std::string positive;
  std::string negative;  // empty when has_negative is false
  bool has_negative = false;
  int64_t line = 0;
};

struct PairFields {
  std::string query = "query";
  std::string positive = "positive";
  std::string negative = "negative";  // empty string: never read negatives
};

struct PairColumns {
  Column query = Column::at(0);
  Column positive = Column::at(1);
  std::optional<Column> negative;  // a third column of negatives
};

class PairReader {
 public:
  static PairReader jsonl(LineSource source, PairFields fields = {});
  static PairReader delimited(LineSource source, DelimitedOptions options,
                              PairColumns columns = {});

  PairReader(PairReader&&) noexcept;
  PairReader& operator=(PairReader&&) noexcept;
  ~PairReader();

  bool next(TextPair& pair);

 private:
  PairReader() = default;
  std::unique_ptr<JsonlReader> jsonl_;
  std::unique_ptr<DelimitedReader> delimited_;
  JsonlRecord json_record_;
  DelimitedRecord row_;
  bool has_negative_column_ = false;
};

struct ScoredPair {
  std::string first;
  std::string second;
  double score = 0.0;
  int64_t line = 0;
};

struct ScoredPairColumns {
  Column first = Column::at(0);
  Column second = Column::at(1);
  Column score = Column::at(2);
};

// Sentence pairs with a similarity score; the score must be a finite number.
class ScoredPairReader {
 public:
  ScoredPairReader(LineSource source, DelimitedOptions options, ScoredPairColumns columns = {});
  // STS Benchmark's files: tab-separated, no header, no quoting; genre, file, year, id, score,
  // sentence1, sentence2, then sometimes 1-2 note columns.
  static ScoredPairReader stsb(LineSource source);

  bool next(ScoredPair& pair);

 private:
  DelimitedReader reader_;
  DelimitedRecord row_;
};

}  // namespace tessera
