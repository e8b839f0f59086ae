// Reading safetensors files: the header is validated in full before tensor memory is allocated,
// so a truncated or hostile file costs at most the capped header read.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "safetensors_checksum.h"
#include "tessera/core/check.h"
#include "tessera/core/checksum.h"
#include "tessera/model/safetensors.h"

namespace tessera {

namespace {

using nlohmann::json;

// The file's size, and a stream positioned at its start.
std::ifstream open_file(const std::string& path, uint64_t& size) {
  std::error_code error;
  size = std::filesystem::file_size(path, error);
  if (error) TESSERA_FAIL("{}: cannot open: {}", path, error.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) TESSERA_FAIL("{}: cannot open for reading", path);
  return in;
}

void read_exact(std::ifstream& in, char* out, uint64_t bytes, const std::string& path,
                const char* what) {
  in.read(out, static_cast<std::streamsize>(bytes));
  if (static_cast<uint64_t>(in.gcount()) != bytes) {
    TESSERA_FAIL("{}: truncated while reading {}", path, what);
  }
}

// A JSON integer that fits in [0, max], else an error about `what`.
uint64_t to_size(const json& value, uint64_t max, const std::string& path,
                 const std::string& what) {
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0)) {
    TESSERA_FAIL("{}: {} must be a non-negative integer, got {}", path, what, value.dump());
  }
  const uint64_t v = value.get<uint64_t>();
  if (v > max) TESSERA_FAIL("{}: {} is {}, more than {}", path, what, v, max);
  return v;
}

SafetensorsEntry parse_entry(const std::string& name, const json& entry, uint64_t data_bytes,
                             const std::string& path) {
  const std::string where = fmt::format("tensor '{}'", name);
  if (!entry.is_object()) TESSERA_FAIL("{}: {} is not a JSON object", path, where);
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!entry.contains(key)) TESSERA_FAIL("{}: {} has no \"{}\"", path, where, key);
  }
  const json& dtype = entry["dtype"];
  const ElementType* type = nullptr;
  for (const EnumName<ElementType>& known : enum_names<ElementType>) {
    if (dtype.is_string() && dtype.get<std::string>() == known.name) type = &known.value;
  }
  if (type == nullptr) {
    TESSERA_FAIL("{}: {} has dtype {}; tessera reads F32, I8 and I32", path, where, dtype.dump());
  }
  const json& shape = entry["shape"];
  if (!shape.is_array() || shape.empty() || shape.size() > Tensor::kMaxDims) {
    TESSERA_FAIL("{}: {} shape {} must be a list of 1 to {} sizes", path, where, shape.dump(),
                 Tensor::kMaxDims);
  }
  const json& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2) {
    TESSERA_FAIL("{}: {} data_offsets {} must be [begin, end]", path, where, offsets.dump());
  }
  SafetensorsEntry out;
  out.type = *type;
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  out.begin = to_size(offsets[0], kMax, path, where + " begin");
  out.end = to_size(offsets[1], kMax, path, where + " end");
  if (out.begin > out.end) {
    TESSERA_FAIL("{}: {} data_offsets [{}, {}] end before they begin", path, where, out.begin,
                 out.end);
  }
  // The range is checked first, so a cut file reports "truncated" whatever else is wrong.
  if (out.end > data_bytes) {
    TESSERA_FAIL(
        "{}: truncated: header says {} bytes of tensor data (to the end of {}), file has {}", path,
        out.end, where, data_bytes);
  }
  // Saturating product: a hostile shape cannot overflow into a small byte count.
  auto bytes = static_cast<uint64_t>(element_bytes(out.type));
  bool overflow = false;
  for (const json& size : shape) {
    const uint64_t s = to_size(size, kMax, path, where + " shape size");
    out.shape.push_back(static_cast<int64_t>(s));
    overflow = overflow || __builtin_mul_overflow(bytes, s, &bytes);
  }
  if (overflow || bytes != out.end - out.begin) {
    TESSERA_FAIL("{}: {} of shape {} needs {} bytes, data_offsets [{}, {}] hold {}", path, where,
                 shape.dump(), overflow ? std::string("too many") : std::to_string(bytes),
                 out.begin, out.end, out.end - out.begin);
  }
  return out;
}

}  // namespace

SafetensorsHeader read_safetensors_header(const std::string& path) {
  uint64_t file_size = 0;
  std::ifstream in = open_file(path, file_size);
  if (file_size < 8) {
    TESSERA_FAIL("{}: truncated: {} bytes, shorter than the 8-byte header length", path, file_size);
  }
  unsigned char length_bytes[8];
  read_exact(in, reinterpret_cast<char*>(length_bytes), 8, path, "the header length");
  uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | length_bytes[i];
  if (header_bytes > kMaxSafetensorsHeaderBytes) {
    TESSERA_FAIL("{}: header length {} exceeds the {}-byte limit (not a safetensors file?)", path,
                 header_bytes, kMaxSafetensorsHeaderBytes);
  }
  if (header_bytes > file_size - 8) {
    TESSERA_FAIL("{}: truncated: header says {} bytes of JSON, file has {} after the length", path,
                 header_bytes, file_size - 8);
  }
  // Writers pad the header to a multiple of 8 so the data section is aligned; a length that is
  // not one was changed (lowered into the padding, it would shift every tensor).
  if (header_bytes % 8 != 0) {
    TESSERA_FAIL(
        "{}: header length {} is not a multiple of 8 (the data section would be "
        "misaligned): corrupted",
        path, header_bytes);
  }
  std::string text(header_bytes, '\0');
  read_exact(in, text.data(), header_bytes, path, "the header");

  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: header is not valid JSON: {}", path, e.what());
  }
  if (!header.is_object()) TESSERA_FAIL("{}: header is not a JSON object", path);

  SafetensorsHeader out;
  out.data_offset = 8 + header_bytes;
  const uint64_t data_bytes = file_size - out.data_offset;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) TESSERA_FAIL("{}: __metadata__ is not a JSON object", path);
      for (const auto& [key, text_value] : value.items()) {
        if (!text_value.is_string()) {
          TESSERA_FAIL("{}: __metadata__ \"{}\" is not a string", path, key);
        }
        out.metadata[key] = text_value.get<std::string>();
      }
      continue;
    }
    out.tensors[name] = parse_entry(name, value, data_bytes, path);
  }

  // Ranges must tile the data section: sorted by begin, each starts where the previous ends, from
  // 0 to the file's end (the format allows no hole and no trailing byte).
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> by_begin;
  for (const auto& [name, entry] : out.tensors) by_begin.emplace_back(&name, &entry);
  std::sort(by_begin.begin(), by_begin.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  uint64_t covered = 0;
  const std::string* previous_name = nullptr;
  for (const auto& [name, entry] : by_begin) {
    if (entry->begin < covered) {
      TESSERA_FAIL("{}: tensors '{}' and '{}' [{}, {}] overlap", path, *previous_name, *name,
                   entry->begin, entry->end);
    }
    if (entry->begin > covered) {
      TESSERA_FAIL("{}: {} bytes of the data section before tensor '{}' belong to no tensor", path,
                   entry->begin - covered, *name);
    }
    covered = entry->end;
    previous_name = name;
  }
  if (covered != data_bytes) {
    TESSERA_FAIL(
        "{}: {} bytes after the last tensor's data (the file was appended to or is "
        "corrupted)",
        path, data_bytes - covered);
  }
  return out;
}

std::map<std::string, std::string> read_safetensors_metadata(const std::string& path) {
  return read_safetensors_header(path).metadata;
}

SafetensorsContents read_safetensors(const std::string& path) {
  return read_safetensors(path, read_safetensors_header(path));
}

SafetensorsContents read_safetensors(const std::string& path, const SafetensorsHeader& header,
                                     const std::set<std::string>* only) {
  uint64_t file_size = 0;
  std::ifstream in = open_file(path, file_size);
  // The file may have changed since the header was read: the reads below still check that every
  // byte arrives, and the checksum that they are the same bytes.
  const auto stored = header.metadata.find(kSafetensorsChecksumKey);
  const bool verify = stored != header.metadata.end();
  Checksum sum;
  if (verify) add_header_to_checksum(sum, header.metadata, header.tensors);
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> by_begin;
  for (const auto& [name, entry] : header.tensors) by_begin.emplace_back(&name, &entry);
  std::sort(by_begin.begin(), by_begin.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });

  SafetensorsContents out;
  out.metadata = header.metadata;
  std::vector<char> skipped;
  for (const auto& [name, entry] : by_begin) {
    const uint64_t bytes = entry->end - entry->begin;
    const std::string what = "tensor '" + *name + "'";
    if (only != nullptr && !only->count(*name)) {  // hashed, not kept
      if (!verify) continue;
      in.seekg(static_cast<std::streamoff>(header.data_offset + entry->begin));
      for (uint64_t left = bytes; left > 0;) {
        const uint64_t n = std::min<uint64_t>(left, 1 << 20);
        skipped.resize(n);
        read_exact(in, skipped.data(), n, path, what.c_str());
        sum.update(skipped.data(), n);
        left -= n;
      }
      continue;
    }
    in.seekg(static_cast<std::streamoff>(header.data_offset + entry->begin));
    if (!in) TESSERA_FAIL("{}: cannot seek to {}", path, what);
    auto read_into = [&](void* data) {
      if (bytes == 0) return;
      read_exact(in, static_cast<char*>(data), bytes, path, what.c_str());
      sum.update(data, bytes);
    };
    if (entry->type == ElementType::kF32) {
      Tensor tensor = Tensor::empty(std::span<const int64_t>(entry->shape));
      read_into(tensor.data());
      out.tensors.emplace(*name, std::move(tensor));
    } else {
      IntTensor tensor(entry->type, entry->shape);
      read_into(tensor.bytes().data());
      out.int_tensors.emplace(*name, std::move(tensor));
    }
  }
  if (verify && stored->second != checksum_hex(sum.value())) {
    TESSERA_FAIL(
        "{}: checksum mismatch: the file is corrupted (its header or tensor data changed "
        "after it was written)",
        path);
  }
  return out;
}

}  // namespace tessera
