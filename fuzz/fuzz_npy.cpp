// Fuzzes read_npy (.npy header: magic, version, header length, dict, dtype, shape, data size).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tessera/core/check.h"
#include "tessera/core/vector_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // read_npy reads a path: each input is written to this process's scratch file first.
  static const std::string path = "/tmp/tessera-fuzz-npy-" + std::to_string(getpid()) + ".npy";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const tessera::NpyArray array = tessera::read_npy(path);
    if (array.rows < 0 || array.cols < 0) __builtin_trap();
  } catch (const tessera::Error&) {
  }
  return 0;
}
