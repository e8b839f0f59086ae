#include "tessera/data/labeled_text_reader.h"

#include <fmt/format.h>

#include <utility>

#include "tessera/core/check.h"
#include "tessera/data/source_error.h"

namespace tessera {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
}  // namespace

bool parse_fasttext_line(std::string_view line, const FastTextOptions& options, LabeledText& item,
                         std::string& expected, std::string& found) {
  item.labels.clear();
  item.text.clear();
  const std::string_view prefix = options.label_prefix;
  size_t pos = 0;
  for (;;) {
    while (pos < line.size() && is_space(line[pos])) ++pos;
    size_t stop = pos;
    while (stop < line.size() && !is_space(line[stop])) ++stop;
    const std::string_view token = line.substr(pos, stop - pos);
    if (token.empty() || token.substr(0, prefix.size()) != prefix) break;
    if (token.size() == prefix.size()) {
      expected = fmt::format("a label name after '{}'", options.label_prefix);
      found = "nothing";
      return false;
    }
    item.labels.emplace_back(token.substr(prefix.size()));
    pos = stop;
  }
  if (item.labels.empty() && !options.labels_optional) {
    expected = fmt::format("a line starting with a '{}' label", options.label_prefix);
    found = quote_found(line);
    return false;
  }
  std::string_view text = line.substr(pos);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.empty() && !options.allow_empty_text) {
    expected = "text after the labels";
    found = "none";
    return false;
  }
  item.text.assign(text);
  return true;
}

FastTextReader::FastTextReader(LineSource source, FastTextOptions options)
    : source_(std::move(source)), options_(std::move(options)) {
  TESSERA_CHECK(!options_.label_prefix.empty(), "the fastText label prefix must not be empty");
}

bool FastTextReader::next(LabeledText& item) {
  std::string_view line;
  std::string expected;
  std::string found;
  while (source_.next(line)) {
    if (line.find_first_not_of(" \t\r\v\f") == std::string_view::npos) continue;
    if (!parse_fasttext_line(line, options_, item, expected, found)) source_.fail(expected, found);
    item.line = source_.line_number();
    return true;
  }
  return false;
}

namespace {
DelimitedOptions with_selection(DelimitedOptions options, const Column& label,
                                const std::vector<Column>& text_columns) {
  TESSERA_CHECK(!text_columns.empty(), "LabeledDelimitedReader needs at least one text column");
  options.select.clear();
  options.select.push_back(label);
  options.select.insert(options.select.end(), text_columns.begin(), text_columns.end());
  return options;
}
}  // namespace

LabeledDelimitedReader::LabeledDelimitedReader(LineSource source, DelimitedOptions options,
                                               Column label, std::vector<Column> text_columns)
    : reader_(std::move(source), with_selection(std::move(options), label, text_columns)) {}

bool LabeledDelimitedReader::next(LabeledText& item) {
  if (!reader_.next(record_)) return false;
  item.labels.clear();
  if (!record_.values[0].empty()) {
    item.labels.push_back(record_.values[0]);
  } else if (!labels_optional_) {
    reader_.fail(record_.line, "a label", "an empty label column");
  }
  item.text.clear();
  for (size_t i = 1; i < record_.values.size(); ++i) {
    if (record_.values[i].empty()) continue;
    if (!item.text.empty()) item.text += ' ';
    item.text += record_.values[i];
  }
  item.line = record_.line;
  return true;
}

}  // namespace tessera
