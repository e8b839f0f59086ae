// Writing safetensors files atomically: temporary file in the same directory, then rename.
#include <nlohmann/json.hpp>

#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/model/safetensors.h"

namespace tessera {

void write_safetensors(const std::string& path, const std::map<std::string, std::string>& metadata,
                       const std::map<std::string, Tensor>& tensors) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
    header["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    TESSERA_CHECK(name != "__metadata__", "{}: a tensor cannot be named __metadata__", path);
    TESSERA_CHECK(tensor.defined(), "{}: tensor '{}' is undefined", path, name);
    const uint64_t bytes = static_cast<uint64_t>(tensor.numel()) * 4;
    std::vector<int64_t> shape(tensor.shape().begin(), tensor.shape().end());
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
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
