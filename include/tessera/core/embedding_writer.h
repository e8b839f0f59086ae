// EmbeddingWriter: float vectors in, a vector file out, quantized on the way (quantize.h) as
// asked. What `tessera embed` writes.
//
//   none    float32 rows of dim values
//   binary  uint8 rows of binary_code_bytes(dim) packed sign bits
//   int8    int8 rows of dim codes, and beside them the scales as a 1-D float32 .npy of length
//           dim at int8_scale_path(path): "vectors.npy" -> "vectors.scale.npy". The scales are
//           calibrated on the first calibration_rows rows (held in memory until then, so memory
//           stays bounded by that many float rows); later rows outside that range clamp.
//
// Both files are written atomically and renamed into place only by finish(), the scales just
// after the vectors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/atomic_file.h"
#include "tessera/core/enum_names.h"
#include "tessera/core/tensor.h"
#include "tessera/core/vector_io.h"

namespace tessera {

enum class Quantization { kNone, kInt8, kBinary };
inline constexpr EnumName<Quantization> kQuantizationNames[] = {{Quantization::kNone, "none"},
                                                                {Quantization::kInt8, "int8"},
                                                                {Quantization::kBinary, "binary"}};
template <>
inline constexpr EnumNames<Quantization> enum_names<Quantization> = kQuantizationNames;

inline constexpr int64_t kInt8CalibrationRows = 65536;

// Where the int8 scales of a vector file go: its path with the extension (if any) replaced by
// ".scale.npy".
std::string int8_scale_path(std::string_view vectors_path);

struct EmbeddingWriterOptions {
  VectorFormat format = VectorFormat::kNpy;
  Quantization quantization = Quantization::kNone;
  int64_t calibration_rows = kInt8CalibrationRows;  // int8 only; >= 1
};

class EmbeddingWriter {
 public:
  // dim: width of the float vectors given to append(). Throws when the format cannot hold the
  // quantized values (fvecs needs float32, bvecs binary codes) or the file cannot be created.
  EmbeddingWriter(std::string path, int64_t dim, const EmbeddingWriterOptions& options = {});

  // (n x dim) float vectors, any ld; copied (int8 calibration keeps them until calibrated).
  void append(const Tensor& vectors);
  void finish();

  int64_t rows() const { return rows_; }  // appended so far
  int64_t dim() const { return dim_; }
  VectorDtype dtype() const { return writer_.dtype(); }
  int64_t code_cols() const { return writer_.cols(); }  // values per row in the file
  // Bytes written to the vector file, plus the scale file once written.
  uint64_t bytes() const;
  const std::string& path() const { return writer_.path(); }
  // The scale file (int8), else empty.
  const std::string& scale_path() const { return scale_path_; }
  // The int8 scales once calibrated (after calibration_rows rows or finish()).
  const std::vector<float>& scales() const { return scales_; }

 private:
  void write_quantized(const Tensor& vectors);
  void calibrate();

  int64_t dim_;
  EmbeddingWriterOptions options_;
  VectorWriter writer_;
  int64_t rows_ = 0;
  std::string scale_path_;
  std::vector<Tensor> pending_;  // int8 rows awaiting calibration
  int64_t pending_rows_ = 0;
  std::vector<float> scales_;
  std::unique_ptr<AtomicFile> scale_file_;
};

}  // namespace tessera
