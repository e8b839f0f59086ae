// Fuzzes JsonlReader: simdjson parsing, field paths, joins, optional fields, batching.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/data/jsonl_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    tessera::JsonlOptions options;
    options.fields = {"_id", "title+text", "meta.a.b?"};
    options.batch_lines = 8;  // several batches even for small inputs
    tessera::JsonlReader reader(tessera::LineSource::from_memory("fuzz.jsonl", bytes), options);
    tessera::JsonlRecord record;
    while (reader.next(record)) {
      if (record.values.size() != 3 || record.present.size() != 3) __builtin_trap();
    }
  } catch (const tessera::Error&) {
  }
  return 0;
}
