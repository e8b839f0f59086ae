// The table of a report: one row per method (or label, or run), one column per value, the best
// value of each column highlighted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report_format.h"

namespace tessera::report {

struct Column {
  std::string header;
  std::string tooltip;
  Format format = Format::kMetric;
  bool higher_is_better = true;
  bool highlight = true;  // mark the best value
  bool headline = false;  // the report's headline metric: set apart in the header
};

struct TableRow {
  std::string name;
  const char* color = nullptr;                // a swatch before the name; none when null
  std::vector<std::optional<double>> values;  // one per column; nullopt renders as a dash
};

// The table, its first column headed name_header ("method", "label"). The best value of a column
// is the highest (or lowest), among at least two rows; when lower is better only positive values
// count (0 marks "not applicable", as BM25's bytes per vector). Every row has one value a column.
void append_table(std::string& out, const std::string& name_header,
                  const std::vector<Column>& columns, const std::vector<TableRow>& rows);

}  // namespace tessera::report
