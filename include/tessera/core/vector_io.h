// Vector files: rows of equal width written as they arrive (bounded memory), and .npy read back.
//
// Formats (all little-endian, rows in order):
//   npy    NumPy format 1.0
//   (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
//          a 2-D C-order array, dtype '<f4' (float32), '|u1' (uint8, e.g. packed binary codes)
//          or '|i1' (int8). The header is written first at a fixed width (room for any row
//          count) and its shape rewritten by finish().
//   fvecs  the TEXMEX convention of the ANN benchmarks: per row an int32 width, then that many
//          float32 values. float32 only.
//   bvecs  the same with uint8 values. uint8 only.
//   jsonl  one JSON array per row: floats in their shortest form that reads back to the same
//          float32, codes as integers.
//
// VectorWriter writes through an AtomicFile: the file appears at its path only after finish();
// a writer destroyed before finish() leaves a previous file of that name untouched.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/atomic_file.h"
#include "tessera/core/enum_names.h"
#include "tessera/core/tensor.h"

namespace tessera {

enum class VectorDtype { kFloat32, kUint8, kInt8 };
inline constexpr EnumName<VectorDtype> kVectorDtypeNames[] = {{VectorDtype::kFloat32, "float32"},
                                                              {VectorDtype::kUint8, "uint8"},
                                                              {VectorDtype::kInt8, "int8"}};
template <>
inline constexpr EnumNames<VectorDtype> enum_names<VectorDtype> = kVectorDtypeNames;

enum class VectorFormat { kNpy, kFvecs, kBvecs, kJsonl };
inline constexpr EnumName<VectorFormat> kVectorFormatNames[] = {{VectorFormat::kNpy, "npy"},
                                                                {VectorFormat::kFvecs, "fvecs"},
                                                                {VectorFormat::kBvecs, "bvecs"},
                                                                {VectorFormat::kJsonl, "jsonl"}};
template <>
inline constexpr EnumNames<VectorFormat> enum_names<VectorFormat> = kVectorFormatNames;

size_t vector_dtype_bytes(VectorDtype dtype);  // 4 or 1
// The format a file name's extension says (.npy, .fvecs, .bvecs, .jsonl); an Error otherwise.
VectorFormat vector_format_from_path(std::string_view path);

// The complete .npy header (magic, version 1.0, length, dict padded with spaces to a multiple of
// 64 bytes, newline) of a C-order array of `shape` (1 or 2 dims). width_for_rows reserves room
// for a first dimension that large, so the header can be rewritten in place as rows grow.
std::string npy_header(VectorDtype dtype, std::span<const int64_t> shape,
                       int64_t width_for_rows = 0);
// Writes a 1-D float32 .npy file (e.g. int8 scales) atomically.
void write_npy(const std::string& path, std::span<const float> values);

class VectorWriter {
 public:
  // Rows of `cols` values of `dtype` (cols >= 1) to path; throws when the format cannot hold
  // the dtype or the file cannot be created.
  VectorWriter(std::string path, VectorFormat format, VectorDtype dtype, int64_t cols);
  VectorWriter(const VectorWriter&) = delete;
  VectorWriter& operator=(const VectorWriter&) = delete;

  // Appends rows. A Tensor must be float32 data of (n x cols) (views with ld > cols are fine);
  // a span must hold n * cols values, row-major, of the writer's dtype.
  void append(const Tensor& rows);
  void append(std::span<const float> rows);
  void append(std::span<const uint8_t> rows);
  void append(std::span<const int8_t> rows);
  // Completes the header and renames the file into place.
  void finish();

  const std::string& path() const { return file_.path(); }
  VectorFormat format() const { return format_; }
  VectorDtype dtype() const { return dtype_; }
  int64_t cols() const { return cols_; }
  int64_t rows() const { return rows_; }
  uint64_t bytes() const { return file_.size(); }  // written so far

 private:
  void append_bytes(const void* data, int64_t rows, VectorDtype dtype);
  void append_jsonl(const void* data, int64_t rows);

  AtomicFile file_;
  VectorFormat format_;
  VectorDtype dtype_;
  int64_t cols_;
  int64_t rows_ = 0;
  std::string buffer_;  // one batch of formatted rows (vecs, jsonl)
};

// A .npy array read whole: 2-D (rows x cols), or 1-D (n,) read as 1 x n with ndim 1.
struct NpyArray {
  VectorDtype dtype = VectorDtype::kFloat32;
  int ndim = 2;
  int64_t rows = 0;
  int64_t cols = 0;
  Tensor floats;               // kFloat32: rows x cols; undefined otherwise
  std::vector<uint8_t> bytes;  // kUint8 / kInt8: rows * cols values, row-major (int8 as bytes)
};

// Reads a .npy file of format 1.0 or 2.0: C order, dtype float32, uint8 or int8, 1 or 2 dims.
// Every problem (not .npy, truncated, corrupt header, unsupported dtype or order, size not
// matching the shape) is an Error naming the file.
NpyArray read_npy(const std::string& path);

}  // namespace tessera
