#include "tessera/data/source_error.h"

#include <fmt/format.h>

#include "tessera/core/check.h"

namespace tessera {

std::string source_error_message(std::string_view source, int64_t line, std::string_view expected,
                                 std::string_view found) {
  if (line <= 0) return fmt::format("{}: expected {}, found {}", source, expected, found);
  return fmt::format("{}:{}: expected {}, found {}", source, line, expected, found);
}

void throw_source_error(std::string_view source, int64_t line, std::string_view expected,
                        std::string_view found) {
  throw Error(source_error_message(source, line, expected, found));
}

std::string quote_found(std::string_view text, size_t max_bytes) {
  std::string out = "'";
  size_t shown = 0;
  for (const char c : text) {
    if (shown >= max_bytes) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
    ++shown;
  }
  out += "'";
  return out;
}

}  // namespace tessera
