// Writing safetensors files atomically: temporary file in the same directory, then rename.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tessera/core/check.h"
#include "tessera/model/safetensors.h"

namespace tessera {

namespace {

// Removes the temporary file unless released (after a successful rename).
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (!path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  void release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace

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

  const std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
  TempFileGuard guard(temp);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) TESSERA_FAIL("{}: cannot create {}", path, temp);
    unsigned char length_bytes[8];
    uint64_t length = text.size();
    for (unsigned char& byte : length_bytes) {
      byte = static_cast<unsigned char>(length & 0xff);
      length >>= 8;
    }
    out.write(reinterpret_cast<const char*>(length_bytes), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, tensor] : tensors) {
      // Row by row, so column-prefix views are written without their padding.
      for (int64_t r = 0; r < tensor.rows(); ++r) {
        out.write(reinterpret_cast<const char*>(tensor.row(r)),
                  static_cast<std::streamsize>(tensor.cols() * 4));
      }
    }
    out.close();
    if (!out) TESSERA_FAIL("{}: writing {} failed", path, temp);
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) TESSERA_FAIL("{}: cannot rename {} over it: {}", path, temp, error.message());
  guard.release();
}

}  // namespace tessera
