// Fuzzes read_trec_run (six whitespace-separated fields, integer ranks, finite scores, no doc id
// twice per query).
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tessera/core/check.h"
#include "tessera/eval/relevance.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // read_trec_run reads a path: each input is written to this process's scratch file first.
  static const std::string path = "/tmp/tessera-fuzz-run-" + std::to_string(getpid()) + ".trec";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
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
