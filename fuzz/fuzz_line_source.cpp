// Fuzzes LineSource: line splitting, BOM, CRLF, gzip detection and inflate, the line cap.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/data/line_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    tessera::LineSource source = tessera::LineSource::from_memory("fuzz", bytes);
    source.set_max_line_bytes(1024);
    std::string_view line;
    int64_t lines = 0;
    while (source.next(line)) {
      ++lines;
      // Invariants: a line never holds its line end, and numbering counts every line.
      if (line.find('\n') != std::string_view::npos) std::abort();
      if (source.line_number() != lines) std::abort();
    }
  } catch (const tessera::Error&) {
    // Bad input (corrupt gzip, an over-long line) is reported, never a crash.
  }
  return 0;
}
