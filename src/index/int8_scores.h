// Integer inner products of int8-quantized queries with int8 codes: the scan of Int8Index's
// search (exact_search.cpp), 16 base rows at a time.
//
// Codes are held in a blocked layout (Int8Blocks) made for AVX-512 VNNI's vpdpbusd, which
// multiplies 4 unsigned bytes by 4 signed bytes and adds them into a 32-bit lane: a run of 64
// bytes holds 4 dims of 16 rows, so one instruction advances 16 dot products by 4 dims with the
// query's 4 bytes broadcast. Codes are stored plus 128 (unsigned); the query's sum times 128 is
// subtracted at the end. The query is quantized to 8 bits too (a scale per query), which is what
// makes the scan integer: about 4x the multiply-adds per instruction of fp32.
//
// Three builds, picked once at run time: AVX-512 VNNI, AVX2 (vpmaddubsw), and otherwise floats
// through the GEMM. All compute the same integers (codes must be in [-127, 127], as
// core/quantize.h makes them; the GEMM's floats hold them exactly up to 1,040 dims).
// TESSERA_SIMD=generic or avx2 keeps the scan off AVX-512.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera::index_detail {

inline constexpr int64_t kInt8BlockRows = 16;

// The widest codes whose integer dot products cannot overflow 32 bits (255 * 127 * dims).
inline constexpr int64_t kMaxInt8ScanDim = 65536;

// Row-major int8 codes of `dim` dims in blocks of 16 rows. Block b is groups() runs of 64 bytes;
// run g holds dims [4g, 4g + 4) of the block's rows, row r at bytes [4r, 4r + 4), each byte the
// code + 128. Dims and rows past the end hold code 0.
class Int8Blocks {
 public:
  Int8Blocks(std::span<const int8_t> codes, int64_t dim);

  int64_t rows() const { return rows_; }
  int64_t groups() const { return groups_; }
  int64_t block_bytes() const { return groups_ * 64; }
  const uint8_t* block(int64_t b) const { return bytes_.data() + b * block_bytes(); }
  int64_t memory_bytes() const { return std::ssize(bytes_); }

 private:
  int64_t rows_;
  int64_t groups_;
  std::vector<uint8_t> bytes_;
};

// Queries as the scan takes them: query q's weights w_c = x_c * scale_c (the score of a code is
// sum_c w_c * code_c) rounded to int8 codes in [-127, 127] times a per-query step.
struct Int8Queries {
  int64_t groups = 0;
  std::vector<int8_t> codes;  // rows x (4 * groups), dims past the end 0
  std::vector<float> steps;   // per query: the weight of one unit
  std::vector<int32_t> bias;  // per query: 128 * sum of its codes (what the +128 of codes adds)
  const int8_t* code(int64_t q) const { return codes.data() + q * 4 * groups; }
};

Int8Queries quantize_queries(const Tensor& queries, std::span<const float> scales);

// scores[q * stride + j] = steps[q] * (sum_c code_q,c * code_row,c) for queries [0, nq) of
// `queries` from query q0 on, and rows [16 * b0, 16 * b0 + count) of blocks.
using Int8ScoresFn = void (*)(const Int8Queries& queries, int64_t q0, int64_t nq,
                              const Int8Blocks& blocks, int64_t b0, int64_t count, float* scores,
                              int64_t stride);

// out[i] = sum_c query_c * code_c over `dim` dims of one query's codes (Int8Queries::code, with
// its bias) and row rows[i] of row-major codes, for i in [0, n): Int8Index::score's kernel,
// where the rows come from anywhere (they are prefetched a few ahead).
using Int8RowsDotFn = void (*)(const int8_t* query, int32_t bias, const int8_t* codes, int64_t dim,
                               const int64_t* rows, int64_t n, int32_t* out);

// The fastest builds this CPU runs, and their name ("avx512-vnni", "avx2" or "generic").
Int8ScoresFn int8_scores_kernel();
Int8RowsDotFn int8_rows_dot_kernel();
const char* int8_kernel_name();

}  // namespace tessera::index_detail
