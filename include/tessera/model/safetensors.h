// safetensors files: the model format (https://github.com/huggingface/safetensors).
//
// Layout: an 8-byte little-endian u64 N, then N bytes of JSON header, then the data section.
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
// relative to the start of the data section) plus an optional "__metadata__" object of string
// values. tessera writes F32 tensors of 1 to 3 dimensions (its weights) and I8 / I32 ones (the
// codes and row ids of compact models, int_tensor.h), pads the header with spaces to a multiple
// of 8 (so the data section stays 8-byte aligned) and lays tensors out widest elements first, in
// name order among equal widths (each tensor aligned to its element size). Python
// reads such a file with json + numpy.frombuffer alone.
//
// Reading validates the header completely before any tensor memory is allocated: file size,
// header length (capped at kMaxSafetensorsHeaderBytes, a multiple of 8 so that the data section
// is aligned), JSON syntax, dtype, shape against the byte range, and ranges that tile the data
// section exactly (no overlap, no hole, no byte after the last tensor: the format forbids them).
// tessera also stores a checksum in the metadata ("checksum", kSafetensorsChecksumKey) over the
// tensor data and the rest of the header, which any other safetensors reader ignores; reading a
// file that has one verifies it, so a flipped bit anywhere is an error. Files without one (older
// tessera, other writers) load with the other checks. Every failure is a tessera::Error whose
// message starts with the file's path.
#pragma once

#include <bit>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tessera/core/int_tensor.h"
#include "tessera/core/tensor.h"

namespace tessera {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; tessera reads and writes it as native floats");

inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;  // 100 MB
inline constexpr const char* kSafetensorsChecksumKey = "checksum";

// One tensor's entry in the header: its element type, shape and byte range within the data
// section.
struct SafetensorsEntry {
  ElementType type = ElementType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

// The validated header of a file.
struct SafetensorsHeader {
  std::map<std::string, std::string> metadata;      // "__metadata__"
  std::map<std::string, SafetensorsEntry> tensors;  // by name
  uint64_t data_offset = 0;  // file offset of the data section (8 + header length)
};

// A whole file in memory: the metadata and every tensor (owning, contiguous): F32 ones in
// `tensors`, I8 and I32 ones in `int_tensors`.
struct SafetensorsContents {
  std::map<std::string, std::string> metadata;
  std::map<std::string, Tensor> tensors;
  std::map<std::string, IntTensor> int_tensors;
};

// Reads and validates only the header: cheap even for a huge model.
SafetensorsHeader read_safetensors_header(const std::string& path);
// The "__metadata__" of a file (read_safetensors_header's metadata).
std::map<std::string, std::string> read_safetensors_metadata(const std::string& path);
// Reads the header, validates it, then every tensor.
SafetensorsContents read_safetensors(const std::string& path);
// Reads the tensors of a header read_safetensors_header(path) returned (so it is parsed once):
// all of them, or those named in `only`. The checksum is verified either way (the other tensors'
// bytes are read and hashed, not kept).
SafetensorsContents read_safetensors(const std::string& path, const SafetensorsHeader& header,
                                     const std::set<std::string>* only = nullptr);

// Writes metadata (with the checksum added, replacing one read from another file), tensors
// (each contiguous or not; written row by row) and int_tensors (names distinct from tensors') to
// path atomically: the bytes go to "<path>.tmp-<pid>", which is renamed over path only once
// complete, so a failure leaves any previous file at path intact and removes the temporary file.
void write_safetensors(const std::string& path, const std::map<std::string, std::string>& metadata,
                       const std::map<std::string, Tensor>& tensors,
                       const std::map<std::string, IntTensor>& int_tensors = {});

}  // namespace tessera
