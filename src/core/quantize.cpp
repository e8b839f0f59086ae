#include "tessera/core/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tessera/core/check.h"

namespace tessera {

void quantize_binary(const Tensor& x, std::span<uint8_t> codes) {
  TESSERA_CHECK(x.ndim() == 2, "binary quantization takes (n x d) vectors, got {}",
                x.shape_string());
  const int64_t d = x.cols();
  const int64_t row_bytes = binary_code_bytes(d);
  TESSERA_CHECK(static_cast<int64_t>(codes.size()) == x.rows() * row_bytes,
                "binary codes of {} need {} bytes, got {}", x.shape_string(), x.rows() * row_bytes,
                codes.size());
  for (int64_t r = 0; r < x.rows(); ++r) {
    const float* row = x.row(r);
    uint8_t* code = codes.data() + r * row_bytes;
    // Whole bytes in a loop of constant length, which the compiler turns into vector compares.
    const int64_t whole = d / 8;
    for (int64_t b = 0; b < whole; ++b) {
      uint32_t byte = 0;
      for (int j = 0; j < 8; ++j) byte |= row[8 * b + j] > 0.0f ? 0x80u >> j : 0u;
      code[b] = static_cast<uint8_t>(byte);
    }
    if (whole < row_bytes) {
      uint32_t byte = 0;
      for (int64_t j = 8 * whole; j < d; ++j) byte |= row[j] > 0.0f ? 0x80u >> (j - 8 * whole) : 0u;
      code[whole] = static_cast<uint8_t>(byte);
    }
  }
}

std::vector<uint8_t> quantize_binary(const Tensor& x) {
  std::vector<uint8_t> codes(static_cast<size_t>(x.rows() * binary_code_bytes(x.cols())));
  quantize_binary(x, codes);
  return codes;
}

std::vector<float> int8_scales(const Tensor& calibration) {
  TESSERA_CHECK(calibration.ndim() == 2, "int8 calibration takes (n x d) vectors, got {}",
                calibration.shape_string());
  std::vector<float> max_abs(static_cast<size_t>(calibration.cols()), 0.0f);
  for (int64_t r = 0; r < calibration.rows(); ++r) {
    const float* row = calibration.row(r);
    for (size_t j = 0; j < max_abs.size(); ++j) {
      TESSERA_CHECK(std::isfinite(row[j]), "int8 calibration: value {} in row {}, column {}",
                    row[j], r, j);
      max_abs[j] = std::max(max_abs[j], std::abs(row[j]));
    }
  }
  for (float& m : max_abs) m /= 127.0f;
  return max_abs;
}

void quantize_int8(const Tensor& x, std::span<const float> scales, std::span<int8_t> codes) {
  TESSERA_CHECK(x.ndim() == 2 && static_cast<size_t>(x.cols()) == scales.size(),
                "int8 quantization of {} needs {} scales, got {}", x.shape_string(), x.cols(),
                scales.size());
  TESSERA_CHECK(static_cast<int64_t>(codes.size()) == x.numel(),
                "int8 codes of {} need {} bytes, got {}", x.shape_string(), x.numel(),
                codes.size());
  const auto d = static_cast<size_t>(x.cols());
  for (int64_t r = 0; r < x.rows(); ++r) {
    const float* row = x.row(r);
    int8_t* code = codes.data() + static_cast<size_t>(r) * d;
    for (size_t j = 0; j < d; ++j) {
      TESSERA_CHECK(std::isfinite(row[j]), "int8 quantization: value {} in row {}, column {}",
                    row[j], r, j);
      if (scales[j] == 0.0f) {
        code[j] = 0;
        continue;
      }
      const float q = std::clamp(std::nearbyint(row[j] / scales[j]), -127.0f, 127.0f);
      code[j] = static_cast<int8_t>(q);
    }
  }
}

std::vector<int8_t> quantize_int8(const Tensor& x, std::span<const float> scales) {
  std::vector<int8_t> codes(static_cast<size_t>(x.numel()));
  quantize_int8(x, scales, codes);
  return codes;
}

Tensor dequantize_int8(std::span<const int8_t> codes, std::span<const float> scales) {
  const auto d = static_cast<int64_t>(scales.size());
  TESSERA_CHECK(d > 0 && static_cast<int64_t>(codes.size()) % d == 0,
                "{} int8 codes are not whole rows of {}", codes.size(), d);
  Tensor x = Tensor::empty({static_cast<int64_t>(codes.size()) / d, d});
  for (int64_t r = 0; r < x.rows(); ++r) {
    for (int64_t j = 0; j < d; ++j) {
      x.row(r)[j] = static_cast<float>(codes[static_cast<size_t>(r * d + j)]) *
                    scales[static_cast<size_t>(j)];
    }
  }
  return x;
}

}  // namespace tessera
