#include "tessera/data/plain_text_reader.h"

namespace tessera {

bool PlainTextReader::next(TextLine& item) {
  std::string_view line;
  while (source_.next(line)) {
    if (options_.skip_blank_lines && line.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    item.text.assign(line);
    item.line = source_.line_number();
    return true;
  }
  return false;
}

}  // namespace tessera
