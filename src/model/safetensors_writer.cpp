// Writing safetensors files atomically: temporary file in the same directory, then rename.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "safetensors_checksum.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/checksum.h"
#include "tessera/model/safetensors.h"

namespace tessera {

void write_safetensors(const std::string& path, const std::map<std::string, std::string>& metadata,
                       const std::map<std::string, Tensor>& tensors,
                       const std::map<std::string, IntTensor>& int_tensors) {
  std::map<std::string, SafetensorsEntry> entries;
  auto add_entry = [&](const std::string& name, ElementType type, std::vector<int64_t> shape,
                       int64_t numel) {
    TESSERA_CHECK(name != "__metadata__", "{}: a tensor cannot be named __metadata__", path);
    SafetensorsEntry entry;
    entry.type = type;
    entry.shape = std::move(shape);
    entry.end = static_cast<uint64_t>(numel * element_bytes(type));
    TESSERA_CHECK(entries.emplace(name, std::move(entry)).second, "{}: two tensors are named '{}'",
                  path, name);
  };
  for (const auto& [name, tensor] : tensors) {
    TESSERA_CHECK(tensor.defined(), "{}: tensor '{}' is undefined", path, name);
    add_entry(name, ElementType::kF32, {tensor.shape().begin(), tensor.shape().end()},
              tensor.numel());
  }
  for (const auto& [name, tensor] : int_tensors) {
    add_entry(name, tensor.type(), tensor.shape(), tensor.numel());
  }
  // The data section holds the widest elements first, in name order among equal widths (the
  // reference safetensors writer also puts wider types first): every tensor then starts at a
  // multiple of its element size, so a reader may map it in place. A file of F32 tensors only is in
  // name order, as before integer tensors existed.
  std::vector<std::pair<const std::string*, SafetensorsEntry*>> layout;
  for (auto& [name, entry] : entries) layout.emplace_back(&name, &entry);
  std::stable_sort(layout.begin(), layout.end(), [](const auto& a, const auto& b) {
    return element_bytes(a.second->type) > element_bytes(b.second->type);
  });
  uint64_t offset = 0;
  for (auto& [name, entry] : layout) {
    const uint64_t bytes = entry->end;
    entry->begin = offset;
    entry->end = offset + bytes;
    offset += bytes;
  }
  // Calls write(data, bytes) with each tensor's bytes in the data section's order.
  auto for_each_chunk = [&](auto&& write) {
    for (const auto& [name_ptr, entry_ptr] : layout) {
      const std::string& name = *name_ptr;
      const SafetensorsEntry& entry = *entry_ptr;
      if (entry.type != ElementType::kF32) {
        const std::span<const std::byte> bytes = int_tensors.at(name).bytes();
        write(bytes.data(), bytes.size());
        continue;
      }
      // Row by row, so column-prefix views are written without their padding.
      const Tensor& tensor = tensors.at(name);
      for (int64_t r = 0; r < tensor.rows(); ++r) {
        write(tensor.row(r), static_cast<size_t>(tensor.cols()) * 4);
      }
    }
  };
  Checksum sum;
  add_header_to_checksum(sum, metadata, entries);
  for_each_chunk([&](const void* data, size_t bytes) { sum.update(data, bytes); });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  for (const auto& [key, value] : metadata) {
    if (key != kSafetensorsChecksumKey) meta[key] = value;  // a checksum read is replaced
  }
  meta[kSafetensorsChecksumKey] = checksum_hex(sum.value());
  header["__metadata__"] = std::move(meta);
  for (const auto& [name, entry] : entries) {
    header[name] = {{"dtype", name_of(entry.type)},
                    {"shape", entry.shape},
                    {"data_offsets", {entry.begin, entry.end}}};
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
  for_each_chunk([&](const void* data, size_t bytes) { out.write(data, bytes); });
  out.commit();
}

}  // namespace tessera
