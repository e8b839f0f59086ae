// What tessera's safetensors checksum covers besides the tensor data: the header's contents as
// parsed (every metadata entry but the checksum itself, then each tensor's name, shape, byte
// range and element type unless F32, in name order; F32 files hash as they did before other
// types existed), so the writer and the reader hash the same bytes whatever the JSON's
// spacing or key order.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "tessera/core/checksum.h"
#include "tessera/model/safetensors.h"

namespace tessera {

inline void add_header_to_checksum(Checksum& sum,
                                   const std::map<std::string, std::string>& metadata,
                                   const std::map<std::string, SafetensorsEntry>& tensors) {
  const char separator = '\0';
  for (const auto& [key, value] : metadata) {
    if (key == kSafetensorsChecksumKey) continue;
    sum.update(key);
    sum.update(&separator, 1);
    sum.update(value);
    sum.update(&separator, 1);
  }
  for (const auto& [name, entry] : tensors) {
    sum.update(name);
    sum.update(&separator, 1);
    const auto dims = static_cast<uint64_t>(entry.shape.size());
    sum.update(&dims, sizeof dims);
    sum.update(entry.shape.data(), entry.shape.size() * sizeof(int64_t));
    sum.update(&entry.begin, sizeof entry.begin);
    sum.update(&entry.end, sizeof entry.end);
    if (entry.type != ElementType::kF32) sum.update(name_of(entry.type));
  }
}

}  // namespace tessera
