// Writing safetensors files atomically: temporary file in the same directory, then rename.
#include <nlohmann/json.hpp>

#include "safetensors_checksum.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/checksum.h"
#include "tessera/model/safetensors.h"

namespace tessera {

void write_safetensors(const std::string& path, const std::map<std::string, std::string>& metadata,
                       const std::map<std::string, Tensor>& tensors) {
  std::map<std::string, SafetensorsEntry> entries;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    TESSERA_CHECK(name != "__metadata__", "{}: a tensor cannot be named __metadata__", path);
    TESSERA_CHECK(tensor.defined(), "{}: tensor '{}' is undefined", path, name);
    const uint64_t bytes = static_cast<uint64_t>(tensor.numel()) * 4;
    SafetensorsEntry& entry = entries[name];
    entry.shape.assign(tensor.shape().begin(), tensor.shape().end());
    entry.begin = offset;
    entry.end = offset + bytes;
    offset += bytes;
  }
  Checksum sum;
  add_header_to_checksum(sum, metadata, entries);
  for (const auto& [name, tensor] : tensors) {
    for (int64_t r = 0; r < tensor.rows(); ++r) {
      sum.update(tensor.row(r), static_cast<size_t>(tensor.cols()) * 4);
    }
  }

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  for (const auto& [key, value] : metadata) {
    if (key != kSafetensorsChecksumKey) meta[key] = value;  // a checksum read is replaced
  }
  meta[kSafetensorsChecksumKey] = checksum_hex(sum.value());
  header["__metadata__"] = std::move(meta);
  for (const auto& [name, entry] : entries) {
    header[name] = {
        {"dtype", "F32"}, {"shape", entry.shape}, {"data_offsets", {entry.begin, entry.end}}};
  }
  std::string text = header.dump();
  // Spaces keep the JSON valid and make the data section start 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  TESSERA_CHECK(text.size() <= kMaxSafetensorsHeaderBytes, "{}: header of {} bytes is too large",
                path, text.size());

  AtomicFile out(path);
  unsigned char length_bytes[8];
  uint64_t length = text.size();
  for (unsigned char& byte : length_bytes) {
    byte = static_cast<unsigned char>(length & 0xff);
    length >>= 8;
  }
  out.write(length_bytes, 8);
  out.write(text);
  for (const auto& [name, tensor] : tensors) {
    // Row by row, so column-prefix views are written without their padding.
    for (int64_t r = 0; r < tensor.rows(); ++r) {
      out.write(tensor.row(r), static_cast<size_t>(tensor.cols()) * 4);
    }
  }
  out.commit();
}

}  // namespace tessera
