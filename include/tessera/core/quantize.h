// Quantized vectors: binary codes (1 bit per dimension) and int8 codes (1 byte per dimension).
//
// Binary (as Binary Paragraph Vectors, Grzegorczyk & Kurdziel 2017, and sentence-transformers'
// quantize_embeddings(precision="ubinary")): bit j of a row is 1 iff x_j > 0, packed 8 to a byte,
// most significant bit first, the last byte padded with 0 bits; numpy.packbits(x > 0, axis=-1)
// gives the same bytes. Rows compare by Hamming distance (index/binary_codes.h).
//
// int8 (symmetric, per dimension): scale_j = max_i |x_ij| / 127 over a calibration set, and
// q_ij = clamp(rint(x_ij / scale_j), -127, 127), rounding half to even (numpy.rint); so
// x_ij ~ q_ij * scale_j. Values beyond the calibration range clamp to +-127. A dimension that is
// 0 throughout the calibration set gets scale 0 and code 0 everywhere.
//
// Layouts: x is (n x d) float32 (any ld); codes are row-major, binary_code_bytes(d) or d bytes
// per row.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

// Bytes of one binary code of `dim` dimensions: ceil(dim / 8).
inline int64_t binary_code_bytes(int64_t dim) { return (dim + 7) / 8; }

// codes: n * binary_code_bytes(d) bytes.
void quantize_binary(const Tensor& x, std::span<uint8_t> codes);
std::vector<uint8_t> quantize_binary(const Tensor& x);

// scale_j = max_i |x_ij| / 127 over the rows of calibration (length d). Non-finite values are an
// Error.
std::vector<float> int8_scales(const Tensor& calibration);
// codes: n * d bytes; scales of length d (from int8_scales).
void quantize_int8(const Tensor& x, std::span<const float> scales, std::span<int8_t> codes);
std::vector<int8_t> quantize_int8(const Tensor& x, std::span<const float> scales);
// codes (n * d) -> (n x d) floats q * scale.
Tensor dequantize_int8(std::span<const int8_t> codes, std::span<const float> scales);

}  // namespace tessera
