// Writing vector files: .npy, .fvecs / .bvecs and JSONL, streamed in batches (vector_io.h).
#include "tessera/core/vector_io.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>

#include "tessera/core/check.h"

namespace tessera {

static_assert(std::endian::native == std::endian::little,
              "vector files are little-endian and written from memory as they are");

namespace {

const char* npy_descr(VectorDtype dtype) {
  switch (dtype) {
    case VectorDtype::kFloat32:
      return "<f4";
    case VectorDtype::kUint8:
      return "|u1";
    case VectorDtype::kInt8:
      return "|i1";
  }
  return "?";
}

std::string npy_dict(VectorDtype dtype, std::span<const int64_t> shape) {
  const std::string dims = shape.size() == 1 ? fmt::format("({},)", shape[0])
                                             : fmt::format("({}, {})", shape[0], shape[1]);
  return fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", npy_descr(dtype),
                     dims);
}

constexpr size_t kNpyPrefixBytes = 10;  // magic (6), version (2), header length (2)
constexpr size_t kNpyAlignment = 64;

}  // namespace

size_t vector_dtype_bytes(VectorDtype dtype) { return dtype == VectorDtype::kFloat32 ? 4 : 1; }

VectorFormat vector_format_from_path(std::string_view path) {
  const auto ends_with = [&](std::string_view suffix) { return path.ends_with(suffix); };
  if (ends_with(".npy")) return VectorFormat::kNpy;
  if (ends_with(".fvecs")) return VectorFormat::kFvecs;
  if (ends_with(".bvecs")) return VectorFormat::kBvecs;
  if (ends_with(".jsonl")) return VectorFormat::kJsonl;
  TESSERA_FAIL(
      "{}: cannot tell the vector format from the name (expected .npy, .fvecs, .bvecs "
      "or .jsonl, or name the format)",
      path);
}

std::string npy_header(VectorDtype dtype, std::span<const int64_t> shape, int64_t width_for_rows) {
  TESSERA_CHECK(shape.size() == 1 || shape.size() == 2,
                "an .npy array here has 1 or 2 dims, not {}", shape.size());
  std::vector<int64_t> widest(shape.begin(), shape.end());
  widest[0] = std::max(widest[0], width_for_rows);
  const size_t unpadded = kNpyPrefixBytes + npy_dict(dtype, widest).size() + 1;  // + '\n'
  const size_t total = (unpadded + kNpyAlignment - 1) / kNpyAlignment * kNpyAlignment;
  std::string dict = npy_dict(dtype, shape);
  dict.resize(total - kNpyPrefixBytes - 1, ' ');
  dict.push_back('\n');
  const auto length = static_cast<uint16_t>(dict.size());
  std::string header("\x93NUMPY\x01\x00", 8);
  header.push_back(static_cast<char>(length & 0xff));
  header.push_back(static_cast<char>(length >> 8));
  return header + dict;
}

void write_npy(const std::string& path, std::span<const float> values) {
  AtomicFile file(path);
  const int64_t shape[] = {static_cast<int64_t>(values.size())};
  file.write(npy_header(VectorDtype::kFloat32, shape));
  file.write(values.data(), values.size_bytes());
  file.commit();
}

VectorWriter::VectorWriter(std::string path, VectorFormat format, VectorDtype dtype, int64_t cols)
    : file_(std::move(path)), format_(format), dtype_(dtype), cols_(cols) {
  TESSERA_CHECK(cols >= 1 && cols <= std::numeric_limits<int32_t>::max(),
                "{}: row width {} is out of range", file_.path(), cols);
  TESSERA_CHECK(format != VectorFormat::kFvecs || dtype == VectorDtype::kFloat32,
                "{}: .fvecs holds float32 vectors, not {} (use npy or jsonl{})", file_.path(),
                name_of(dtype), dtype == VectorDtype::kUint8 ? ", or bvecs" : "");
  TESSERA_CHECK(format != VectorFormat::kBvecs || dtype == VectorDtype::kUint8,
                "{}: .bvecs holds uint8 codes, not {} (use npy or jsonl{})", file_.path(),
                name_of(dtype), dtype == VectorDtype::kFloat32 ? ", or fvecs" : "");
  TESSERA_CHECK(format != VectorFormat::kNpy || !file_.is_standard_output(),
                "standard output cannot hold .npy (its header is completed last): write jsonl, "
                "fvecs or bvecs there, or .npy to a file");
  if (format_ == VectorFormat::kNpy) {
    const int64_t shape[] = {0, cols_};
    file_.write(npy_header(dtype_, shape, std::numeric_limits<int64_t>::max()));
  }
}

void VectorWriter::append(const Tensor& rows) {
  TESSERA_CHECK(rows.ndim() == 2 && rows.cols() == cols_, "{}: expected rows of {} values, got {}",
                path(), cols_, rows.shape_string());
  if (rows.contiguous()) {
    append_bytes(rows.data(), rows.rows(), VectorDtype::kFloat32);
    return;
  }
  for (int64_t r = 0; r < rows.rows(); ++r) append_bytes(rows.row(r), 1, VectorDtype::kFloat32);
}

void VectorWriter::append(std::span<const float> rows) {
  TESSERA_CHECK(static_cast<int64_t>(rows.size()) % cols_ == 0,
                "{}: {} values are not whole rows of {}", path(), rows.size(), cols_);
  append_bytes(rows.data(), static_cast<int64_t>(rows.size()) / cols_, VectorDtype::kFloat32);
}

void VectorWriter::append(std::span<const uint8_t> rows) {
  TESSERA_CHECK(static_cast<int64_t>(rows.size()) % cols_ == 0,
                "{}: {} values are not whole rows of {}", path(), rows.size(), cols_);
  append_bytes(rows.data(), static_cast<int64_t>(rows.size()) / cols_, VectorDtype::kUint8);
}

void VectorWriter::append(std::span<const int8_t> rows) {
  TESSERA_CHECK(static_cast<int64_t>(rows.size()) % cols_ == 0,
                "{}: {} values are not whole rows of {}", path(), rows.size(), cols_);
  append_bytes(rows.data(), static_cast<int64_t>(rows.size()) / cols_, VectorDtype::kInt8);
}

void VectorWriter::append_bytes(const void* data, int64_t rows, VectorDtype dtype) {
  TESSERA_CHECK(dtype == dtype_, "{}: this file holds {} values, not {}", path(), name_of(dtype_),
                name_of(dtype));
  const size_t row_bytes = static_cast<size_t>(cols_) * vector_dtype_bytes(dtype_);
  switch (format_) {
    case VectorFormat::kNpy:
      file_.write(data, row_bytes * static_cast<size_t>(rows));
      break;
    case VectorFormat::kFvecs:
    case VectorFormat::kBvecs: {
      buffer_.clear();
      const auto width = static_cast<int32_t>(cols_);
      const auto* bytes = static_cast<const char*>(data);
      for (int64_t r = 0; r < rows; ++r) {
        buffer_.append(reinterpret_cast<const char*>(&width), sizeof(width));
        buffer_.append(bytes + static_cast<size_t>(r) * row_bytes, row_bytes);
      }
      file_.write(buffer_);
      break;
    }
    case VectorFormat::kJsonl:
      append_jsonl(data, rows);
      break;
  }
  rows_ += rows;
}

void VectorWriter::append_jsonl(const void* data, int64_t rows) {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  for (int64_t r = 0; r < rows; ++r) {
    out.push_back('[');
    for (int64_t c = 0; c < cols_; ++c) {
      if (c > 0) out.push_back(',');
      const auto i = static_cast<size_t>(r * cols_ + c);
      switch (dtype_) {
        case VectorDtype::kFloat32: {
          const float value = static_cast<const float*>(data)[i];
          TESSERA_CHECK(std::isfinite(value), "{}: row {} holds {}, which JSON cannot represent",
                        path(), rows_ + r, value);
          fmt::format_to(it, "{}", value);  // shortest form that reads back to the same float
          break;
        }
        case VectorDtype::kUint8:
          fmt::format_to(it, "{}", static_cast<const uint8_t*>(data)[i]);
          break;
        case VectorDtype::kInt8:
          fmt::format_to(it, "{}", static_cast<int>(static_cast<const int8_t*>(data)[i]));
          break;
      }
    }
    out.push_back(']');
    out.push_back('\n');
  }
  file_.write(out.data(), out.size());
}

void VectorWriter::finish() {
  if (format_ == VectorFormat::kNpy) {
    const int64_t shape[] = {rows_, cols_};
    const std::string header = npy_header(dtype_, shape, std::numeric_limits<int64_t>::max());
    file_.overwrite(0, header.data(), header.size());
  }
  file_.commit();
}

}  // namespace tessera
