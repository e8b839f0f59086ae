// Fuzzes read_trec_run (six whitespace-separated fields, integer ranks, finite scores, no doc id
// twice per query).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "scratch_file.h"
#include "tessera/core/check.h"
#include "tessera/eval/relevance.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = write_scratch_file("run", ".trec", data, size);
  if (path.empty()) return 0;
  try {
    const tessera::Run run = tessera::read_trec_run(path);
    for (const auto& [query, docs] : run) {
      if (query.empty()) __builtin_trap();
      for (const tessera::ScoredDoc& d : docs) {
        if (d.doc_id.empty() || !std::isfinite(d.score)) __builtin_trap();
      }
    }
  } catch (const tessera::Error&) {
  }
  return 0;
}
