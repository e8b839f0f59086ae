// Fuzzes read_npy (.npy header: magic, version, header length, dict, dtype, shape, data size).
#include <cstddef>
#include <cstdint>
#include <string>

#include "scratch_file.h"
#include "tessera/core/check.h"
#include "tessera/core/vector_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = write_scratch_file("npy", ".npy", data, size);
  if (path.empty()) return 0;
  try {
    const tessera::NpyArray array = tessera::read_npy(path);
    if (array.rows < 0 || array.cols < 0) __builtin_trap();
  } catch (const tessera::Error&) {
  }
  return 0;
}
