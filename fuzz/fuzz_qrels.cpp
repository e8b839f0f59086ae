// Fuzzes QrelsReader (BEIR qrels TSV: header detection, integer scores, column counts).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/data/beir.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    tessera::QrelsReader reader(tessera::LineSource::from_memory("fuzz.tsv", bytes));
    tessera::Qrel qrel;
    while (reader.next(qrel)) {
      if (qrel.query_id.empty() || qrel.doc_id.empty()) __builtin_trap();
    }
  } catch (const tessera::Error&) {
  }
  return 0;
}
