// PlainTextReader: one item per line (line ends, a BOM and "\r" handled by LineSource).
#pragma once

#include <cstdint>
#include <string>

#include "tessera/data/line_source.h"

namespace tessera {

struct PlainTextOptions {
  bool skip_blank_lines = true;  // lines of only spaces/tabs are not items
};

struct TextLine {
  std::string text;
  int64_t line = 0;
};

class PlainTextReader {
 public:
  explicit PlainTextReader(LineSource source, PlainTextOptions options = {})
      : source_(std::move(source)), options_(options) {}
  bool next(TextLine& item);
  const std::string& source_name() const { return source_.name(); }

 private:
  LineSource source_;
  PlainTextOptions options_;
};

}  // namespace tessera
