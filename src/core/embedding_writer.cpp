#include "tessera/core/embedding_writer.h"

#include <algorithm>
#include <cstring>

#include "tessera/core/check.h"
#include "tessera/core/quantize.h"

namespace tessera {

namespace {

VectorDtype dtype_of(Quantization quantization) {
  switch (quantization) {
    case Quantization::kNone:
      return VectorDtype::kFloat32;
    case Quantization::kInt8:
      return VectorDtype::kInt8;
    case Quantization::kBinary:
      return VectorDtype::kUint8;
  }
  return VectorDtype::kFloat32;
}

int64_t cols_of(Quantization quantization, int64_t dim) {
  return quantization == Quantization::kBinary ? binary_code_bytes(dim) : dim;
}

}  // namespace

std::string int8_scale_path(std::string_view vectors_path) {
  const size_t slash = vectors_path.find_last_of('/');
  const size_t dot = vectors_path.find_last_of('.');
  const bool has_extension =
      dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash + 1);
  return std::string(has_extension ? vectors_path.substr(0, dot) : vectors_path) + ".scale.npy";
}

EmbeddingWriter::EmbeddingWriter(std::string path, int64_t dim,
                                 const EmbeddingWriterOptions& options)
    : dim_(dim),
      options_(options),
      writer_(std::move(path), options.format, dtype_of(options.quantization),
              cols_of(options.quantization, dim)) {
  TESSERA_CHECK(options.calibration_rows >= 1, "int8 calibration needs at least 1 row, not {}",
                options.calibration_rows);
  if (options_.quantization == Quantization::kInt8) {
    TESSERA_CHECK(writer_.path() != kStandardOutput,
                  "int8 codes need a file, not standard output: their scales go beside it");
    scale_path_ = int8_scale_path(writer_.path());
    TESSERA_CHECK(scale_path_ != writer_.path(),
                  "{}: the int8 scales would overwrite the vectors; name the output otherwise",
                  writer_.path());
  }
}

uint64_t EmbeddingWriter::bytes() const {
  return writer_.bytes() + (scale_file_ ? scale_file_->size() : 0);
}

void EmbeddingWriter::append(const Tensor& vectors) {
  TESSERA_CHECK(vectors.ndim() == 2 && vectors.cols() == dim_,
                "{}: expected vectors of {} dims, got {}", writer_.path(), dim_,
                vectors.shape_string());
  rows_ += vectors.rows();
  if (options_.quantization != Quantization::kInt8 || !scales_.empty()) {
    write_quantized(vectors);
    return;
  }
  pending_.push_back(vectors.clone());
  pending_rows_ += vectors.rows();
  if (pending_rows_ >= options_.calibration_rows) calibrate();
}

void EmbeddingWriter::calibrate() {
  // The first calibration_rows rows (or all there are) in one tensor.
  const int64_t n = std::min(pending_rows_, options_.calibration_rows);
  Tensor calibration = Tensor::empty({n, dim_});
  int64_t r = 0;
  for (const Tensor& batch : pending_) {
    for (int64_t i = 0; i < batch.rows() && r < n; ++i, ++r) {
      std::memcpy(calibration.row(r), batch.row(i), static_cast<size_t>(dim_) * sizeof(float));
    }
  }
  scales_ = int8_scales(calibration);
  scale_file_ = std::make_unique<AtomicFile>(scale_path_);
  const int64_t shape[] = {dim_};
  scale_file_->write(npy_header(VectorDtype::kFloat32, shape));
  scale_file_->write(scales_.data(), scales_.size() * sizeof(float));
  for (const Tensor& batch : pending_) write_quantized(batch);
  pending_.clear();
  pending_rows_ = 0;
}

void EmbeddingWriter::write_quantized(const Tensor& vectors) {
  switch (options_.quantization) {
    case Quantization::kNone:
      writer_.append(vectors);
      break;
    case Quantization::kBinary:
      writer_.append(std::span<const uint8_t>(quantize_binary(vectors)));
      break;
    case Quantization::kInt8:
      writer_.append(std::span<const int8_t>(quantize_int8(vectors, scales_)));
      break;
  }
}

void EmbeddingWriter::finish() {
  if (options_.quantization == Quantization::kInt8 && scales_.empty()) calibrate();
  writer_.finish();
  if (scale_file_) scale_file_->commit();
}

}  // namespace tessera
