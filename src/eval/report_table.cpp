#include "report_table.h"

#include <fmt/format.h>

#include <iterator>

#include "tessera/core/check.h"

namespace tessera::report {

namespace {

// The displayed text of the best value of column c, or "" when fewer than two rows have a value
// to compare.
std::string best_text(const std::vector<TableRow>& rows, const Column& column, size_t c) {
  std::optional<double> best;
  int candidates = 0;
  for (const TableRow& row : rows) {
    const std::optional<double> value = row.values[c];
    if (!value || (!column.higher_is_better && *value <= 0)) continue;
    ++candidates;
    if (!best || (column.higher_is_better ? *value > *best : *value < *best)) best = value;
  }
  if (!best || candidates < 2) return "";
  return format_value(*best, column.format);
}

}  // namespace

void append_table(std::string& out, const std::string& name_header,
                  const std::vector<Column>& columns, const std::vector<TableRow>& rows) {
  for (const TableRow& row : rows) {
    TESSERA_CHECK(row.values.size() == columns.size(),
                  "table row '{}' has {} values for {} columns", row.name, row.values.size(),
                  columns.size());
  }
  std::vector<std::string> best;
  for (size_t c = 0; c < columns.size(); ++c) {
    best.push_back(columns[c].highlight ? best_text(rows, columns[c], c) : "");
  }
  fmt::format_to(std::back_inserter(out),
                 "<div class=\"table-wrap\"><table>\n<thead><tr><th class=\"name\">{}</th>",
                 escape_html(name_header));
  for (const Column& column : columns) {
    fmt::format_to(std::back_inserter(out), "<th title=\"{}\"{}>{}</th>",
                   escape_html(column.tooltip + (column.headline ? " (headline metric)" : "")),
                   column.headline ? " class=\"headline\"" : "", escape_html(column.header));
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const TableRow& row : rows) {
    out += "<tr><td class=\"name\">";
    if (row.color != nullptr) {
      fmt::format_to(std::back_inserter(out),
                     "<span class=\"swatch\" style=\"background:{}\"></span>", row.color);
    }
    out += escape_html(row.name) + "</td>";
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::optional<double> value = row.values[c];
      if (!value) {
        out += "<td class=\"missing\">—</td>";
        continue;
      }
      const std::string text = format_value(*value, columns[c].format);
      const bool is_best =
          !best[c].empty() && text == best[c] && (columns[c].higher_is_better || *value > 0);
      fmt::format_to(std::back_inserter(out), "<td{}>{}</td>", is_best ? " class=\"best\"" : "",
                     text);
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table></div>\n";
}

}  // namespace tessera::report
