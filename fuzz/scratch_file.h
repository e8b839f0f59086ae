// For readers that take a path: each fuzz input is written to this process's scratch file.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

// Writes data to /tmp/tessera-fuzz-<name>-<pid><suffix> and returns the path ("" on failure).
inline std::string write_scratch_file(const char* name, const char* suffix, const uint8_t* data,
                                      size_t size) {
  const std::string path =
      std::string("/tmp/tessera-fuzz-") + name + "-" + std::to_string(getpid()) + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return {};
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}
