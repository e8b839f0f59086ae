// Labeled text for classification: fastText's format, or a label column and text columns.
//
// fastText: `__label__sports __label__news Some text here` - leading whitespace-separated tokens
// that start with the prefix are labels, the rest of the line (from the first other token) is the
// text. A line without a label (unless labels_optional, for texts to predict), or a bare prefix
// with no name, is an error; so is a line with labels but no text unless allow_empty_text is set.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/data/delimited_reader.h"
#include "tessera/data/line_source.h"

namespace tessera {

struct LabeledText {
  std::vector<std::string> labels;
  std::string text;
  int64_t line = 0;
};

struct FastTextOptions {
  std::string label_prefix = "__label__";
  bool allow_empty_text = false;
  bool labels_optional = false;
};

class FastTextReader {
 public:
  explicit FastTextReader(LineSource source, FastTextOptions options = {});
  bool next(LabeledText& item);
  const std::string& source_name() const { return source_.name(); }

 private:
  LineSource source_;
  FastTextOptions options_;
};

// Parses one fastText line into `item` (labels, text); on bad input returns false and sets
// `expected` and `found` for the message. Exposed for tests and fuzzers.
bool parse_fasttext_line(std::string_view line, const FastTextOptions& options, LabeledText& item,
                         std::string& expected, std::string& found);

// Label in one column, text in one or more columns (joined with a space, empty ones skipped):
// TSV "label<TAB>text" by default, or e.g. AG News' CSV (label 0, text columns 1 and 2).
class LabeledDelimitedReader {
 public:
  LabeledDelimitedReader(LineSource source, DelimitedOptions options, Column label,
                         std::vector<Column> text_columns);
  bool next(LabeledText& item);
  const std::string& source_name() const { return reader_.source_name(); }
  // An empty label column gives a text without labels (texts to predict) instead of an error.
  void set_labels_optional(bool optional) { labels_optional_ = optional; }

 private:
  DelimitedReader reader_;
  DelimitedRecord record_;
  bool labels_optional_ = false;
};

}  // namespace tessera
