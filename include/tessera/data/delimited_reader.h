// DelimitedReader: TSV and CSV rows, streamed, with columns selected by header name or index.
//
// Two dialects: plain (the separator always splits, quotes are ordinary characters: TSV as most
// tools write it, and STS-B) and RFC 4180 quoting (CSV: a field may be quoted, "" inside quotes is
// one quote, and a quoted field may hold separators and line breaks, so one record can span
// lines; line breaks inside quotes come out as "\n"). Every row must have the same number of
// columns: the header's, the first row's, or `columns` when set (with allow_extra_columns, at
// least that many). Blank lines are skipped when skip_blank_lines is set.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/data/line_source.h"

namespace tessera {

// A column by header name, or by 0-based index.
struct Column {
  std::string name;
  int64_t index = -1;
  static Column named(std::string n) { return Column{std::move(n), -1}; }
  static Column at(int64_t i) { return Column{{}, i}; }
};

struct DelimitedOptions {
  char separator = '\t';
  bool rfc4180_quotes = false;
  bool has_header = false;
  std::vector<Column> select;  // columns to return, in this order; empty = every column
  int64_t columns = 0;         // expected column count; 0 = from the header or the first row
  bool allow_extra_columns = false;
  bool skip_blank_lines = true;

  static DelimitedOptions tsv() { return {}; }
  static DelimitedOptions csv() {
    DelimitedOptions options;
    options.separator = ',';
    options.rfc4180_quotes = true;
    return options;
  }
};

struct DelimitedRecord {
  std::vector<std::string> values;  // the selected columns
  int64_t line = 0;                 // line where the record starts
};

class DelimitedReader {
 public:
  DelimitedReader(LineSource source, DelimitedOptions options);
  DelimitedReader(DelimitedReader&&) noexcept;
  DelimitedReader& operator=(DelimitedReader&&) noexcept;
  ~DelimitedReader();

  // Fills `record` with the next row's selected columns; false at the end of the input. The
  // header (when has_header) is read by the first call.
  bool next(DelimitedRecord& record);
  // The header's names (empty without a header, or before the first next()).
  const std::vector<std::string>& header() const;
  const std::string& source_name() const;
  // Throws a source error at the line of the last record (for readers built on top).
  [[noreturn]] void fail(int64_t line, std::string_view expected, std::string_view found) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera
