// Fuzzes DelimitedReader: the first byte picks the dialect and options, the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/data/delimited_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    tessera::DelimitedOptions options =
        (flags & 1) != 0 ? tessera::DelimitedOptions::csv() : tessera::DelimitedOptions::tsv();
    options.has_header = (flags & 2) != 0;
    options.allow_extra_columns = (flags & 4) != 0;
    options.skip_blank_lines = (flags & 8) != 0;
    if ((flags & 16) != 0) options.columns = 2;
    if ((flags & 32) != 0) options.select.push_back(tessera::Column::at(1));
    if ((flags & 64) != 0 && options.has_header) {
      options.select.push_back(tessera::Column::named("text"));
    }
    tessera::DelimitedReader reader(tessera::LineSource::from_memory("fuzz.csv", bytes), options);
    tessera::DelimitedRecord record;
    while (reader.next(record)) {
      if (!options.select.empty() && record.values.size() != options.select.size()) {
        __builtin_trap();
      }
    }
  } catch (const tessera::Error&) {
  }
  return 0;
}
