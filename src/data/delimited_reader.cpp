#include "tessera/data/delimited_reader.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/data/source_error.h"

namespace tessera {

struct DelimitedReader::Impl {
  LineSource source;
  DelimitedOptions options;
  std::vector<std::string> header;
  std::vector<std::string> fields;  // the current row, every column
  std::vector<int64_t> selected;    // resolved column indices; empty = all
  int64_t expected_columns = 0;     // 0 until the first row (or header) sets it
  bool started = false;

  Impl(LineSource s, DelimitedOptions o) : source(std::move(s)), options(std::move(o)) {
    TESSERA_CHECK(
        options.separator != '"' && options.separator != '\n' && options.separator != '\r',
        "invalid separator '{}'", options.separator);
    TESSERA_CHECK(options.columns >= 0, "columns must be >= 0, got {}", options.columns);
    for (const Column& column : options.select) {
      TESSERA_CHECK(column.index >= 0 || options.has_header,
                    "column '{}' is selected by name, which needs a header row", column.name);
    }
    expected_columns = options.columns;
  }

  // Splits the record starting at `line` into `fields`; may read more lines (quoted line breaks).
  void split(std::string_view line) {
    fields.clear();
    const char sep = options.separator;
    if (!options.rfc4180_quotes) {
      for (;;) {
        const size_t stop = line.find(sep);
        fields.emplace_back(line.substr(0, stop));
        if (stop == std::string_view::npos) return;
        line.remove_prefix(stop + 1);
      }
    }
    size_t pos = 0;
    for (;;) {
      std::string& field = fields.emplace_back();
      if (pos < line.size() && line[pos] == '"') {
        const int64_t opened = source.line_number();
        ++pos;
        for (;;) {
          const size_t quote = line.find('"', pos);
          if (quote == std::string_view::npos) {
            field.append(line.substr(pos));
            field += '\n';
            if (!source.next(line)) {
              source.fail(fmt::format("a closing quote for the field opened on line {}", opened),
                          "the end of the input");
            }
            pos = 0;
            continue;
          }
          field.append(line.substr(pos, quote - pos));
          if (quote + 1 < line.size() && line[quote + 1] == '"') {
            field += '"';
            pos = quote + 2;
            continue;
          }
          pos = quote + 1;
          break;
        }
        if (pos == line.size()) return;
        if (line[pos] != sep) {
          source.fail("a separator or the end of the line after a closing quote",
                      quote_found(line.substr(pos, 1)));
        }
        ++pos;
        continue;
      }
      const size_t stop = line.find(sep, pos);
      const std::string_view text =
          line.substr(pos, stop == std::string_view::npos ? stop : stop - pos);
      if (text.find('"') != std::string_view::npos) {
        source.fail("a quote only at the start of a field (RFC 4180)", quote_found(text));
      }
      field.assign(text);
      if (stop == std::string_view::npos) return;
      pos = stop + 1;
    }
  }

  std::string header_list() const {
    std::string out;
    for (const auto& name : header) {
      if (!out.empty()) out += ", ";
      out += quote_found(name);
    }
    return out.empty() ? "an empty header" : out;
  }

  // Resolves the selection once the header (or the first row) is known.
  void resolve(int64_t line) {
    for (const Column& column : options.select) {
      if (column.index >= 0) {
        if (column.index >= expected_columns) {
          source.fail(fmt::format("at least {} columns to select column {}", column.index + 1,
                                  column.index),
                      fmt::format("{}", expected_columns));
        }
        selected.push_back(column.index);
        continue;
      }
      int64_t found = -1;
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == column.name) {
          found = static_cast<int64_t>(i);
          break;
        }
      }
      if (found < 0) {
        throw_source_error(source.name(), line,
                           fmt::format("a column named '{}' in the header", column.name),
                           header_list());
      }
      selected.push_back(found);
    }
  }

  bool read_row(std::string_view& line) {
    while (source.next(line)) {
      if (options.skip_blank_lines && line.empty()) continue;
      return true;
    }
    return false;
  }

  bool next(DelimitedRecord& record) {
    std::string_view line;
    if (!started) {
      started = true;
      if (options.has_header) {
        if (!read_row(line)) return false;
        split(line);
        header = fields;
        if (expected_columns == 0) expected_columns = static_cast<int64_t>(header.size());
        resolve(source.line_number());
      }
    }
    if (!read_row(line)) return false;
    record.line = source.line_number();
    split(line);
    const auto found = static_cast<int64_t>(fields.size());
    if (expected_columns == 0) {
      expected_columns = found;
      resolve(record.line);
    } else if (selected.empty() && !options.select.empty()) {
      resolve(record.line);
    }
    const bool ok =
        options.allow_extra_columns ? found >= expected_columns : found == expected_columns;
    if (!ok) {
      throw_source_error(source.name(), record.line,
                         fmt::format("{}{} columns", options.allow_extra_columns ? "at least " : "",
                                     expected_columns),
                         fmt::format("{}", found));
    }
    if (options.select.empty()) {
      std::swap(record.values, fields);
    } else {
      record.values.resize(selected.size());
      for (size_t i = 0; i < selected.size(); ++i)
        record.values[i] = std::move(fields[selected[i]]);
    }
    return true;
  }
};

DelimitedReader::DelimitedReader(LineSource source, DelimitedOptions options)
    : impl_(std::make_unique<Impl>(std::move(source), std::move(options))) {}
DelimitedReader::DelimitedReader(DelimitedReader&&) noexcept = default;
DelimitedReader& DelimitedReader::operator=(DelimitedReader&&) noexcept = default;
DelimitedReader::~DelimitedReader() = default;

bool DelimitedReader::next(DelimitedRecord& record) { return impl_->next(record); }
const std::vector<std::string>& DelimitedReader::header() const { return impl_->header; }
const std::string& DelimitedReader::source_name() const { return impl_->source.name(); }
void DelimitedReader::fail(int64_t line, std::string_view expected, std::string_view found) const {
  throw_source_error(impl_->source.name(), line, expected, found);
}

}  // namespace tessera
