#include "int8_scores.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "prefetch.h"
#include "simd_builds.h"
#include "tessera/core/check.h"
#include "tessera/core/matmul.h"

namespace tessera::index_detail {

Int8Blocks::Int8Blocks(std::span<const int8_t> codes, int64_t dim)
    : rows_(std::ssize(codes) / dim), groups_((dim + 3) / 4) {
  TESSERA_CHECK(dim >= 1 && dim <= kMaxInt8ScanDim && std::ssize(codes) % dim == 0,
                "int8 blocks need whole rows of 1 to {} dims: {} bytes, dim {}", kMaxInt8ScanDim,
                codes.size(), dim);
  const int64_t blocks = (rows_ + kInt8BlockRows - 1) / kInt8BlockRows;
  bytes_.assign(static_cast<size_t>(blocks * block_bytes()), 128);  // code 0
  for (int64_t i = 0; i < rows_; ++i) {
    uint8_t* out = bytes_.data() + (i / kInt8BlockRows) * block_bytes() + (i % kInt8BlockRows) * 4;
    const int8_t* row = codes.data() + i * dim;
    for (int64_t c = 0; c < dim; ++c) {
      out[(c / 4) * 64 + c % 4] = static_cast<uint8_t>(static_cast<uint8_t>(row[c]) ^ 0x80u);
    }
  }
}

Int8Queries quantize_queries(const Tensor& queries, std::span<const float> scales) {
  const int64_t d = queries.cols();
  TESSERA_CHECK(std::ssize(scales) == d, "queries have {} dims, the int8 scales {}", d,
                scales.size());
  Int8Queries out;
  out.groups = (d + 3) / 4;
  const int64_t width = 4 * out.groups;
  out.codes.assign(static_cast<size_t>(queries.rows() * width), 0);
  out.steps.resize(static_cast<size_t>(queries.rows()));
  out.bias.resize(static_cast<size_t>(queries.rows()));
  std::vector<float> weights(static_cast<size_t>(d));
  for (int64_t q = 0; q < queries.rows(); ++q) {
    // Loops the compiler vectorizes: eight running maxima, and rounding by the 1.5 * 2^23 trick
    // (to nearest, ties to even, as lrint) instead of a conversion call per dim.
    const float* x = queries.row(q);
    for (int64_t c = 0; c < d; ++c) {
      weights[static_cast<size_t>(c)] = x[c] * scales[static_cast<size_t>(c)];
    }
    float lanes[8] = {};
    int64_t c = 0;
    for (; c + 8 <= d; c += 8) {
      for (int j = 0; j < 8; ++j) {
        lanes[j] = std::max(lanes[j], std::abs(weights[static_cast<size_t>(c + j)]));
      }
    }
    for (; c < d; ++c) lanes[0] = std::max(lanes[0], std::abs(weights[static_cast<size_t>(c)]));
    const float largest = *std::max_element(lanes, lanes + 8);
    const float step = largest / 127.0f;
    const float units_per_weight = largest > 0.0f ? 127.0f / largest : 0.0f;
    int8_t* code = out.codes.data() + q * width;
    // Weights past float's range, or so small that 127 / largest is (scales near the limits,
    // from a corrupt or hostile file): no step represents them, and the query scores 0
    // everywhere, as a zero query does (codes stay 0).
    if (!std::isfinite(largest) || !std::isfinite(units_per_weight)) {
      out.steps[static_cast<size_t>(q)] = 0.0f;
      out.bias[static_cast<size_t>(q)] = 0;
      continue;
    }
    constexpr float kRound = 12582912.0f;
    int32_t sum = 0;
    for (c = 0; c < d; ++c) {  // |weight| * 127 / largest <= 127: no clamp needed
      const float units = (weights[static_cast<size_t>(c)] * units_per_weight + kRound) - kRound;
      code[c] = static_cast<int8_t>(static_cast<int32_t>(units));
      sum += code[c];
    }
    out.steps[static_cast<size_t>(q)] = step;
    out.bias[static_cast<size_t>(q)] = 128 * sum;
  }
  return out;
}

namespace {

// One query and one block at a time in plain C++: for a query or two, cheaper than decoding
// the codes for a GEMM.
void scores_scalar(const Int8Queries& queries, int64_t q0, int64_t nq, const Int8Blocks& blocks,
                   int64_t b0, int64_t count, float* scores, int64_t stride) {
  const int64_t groups = blocks.groups();
  const int64_t num_blocks = (count + kInt8BlockRows - 1) / kInt8BlockRows;
  for (int64_t q = 0; q < nq; ++q) {
    const int8_t* w = queries.code(q0 + q);
    const float step = queries.steps[static_cast<size_t>(q0 + q)];
    const int32_t bias = queries.bias[static_cast<size_t>(q0 + q)];
    for (int64_t b = 0; b < num_blocks; ++b) {
      const uint8_t* block = blocks.block(b0 + b);
      int32_t acc[kInt8BlockRows] = {};
      for (int64_t g = 0; g < groups; ++g) {
        const uint8_t* p = block + 64 * g;
        const int32_t w0 = w[4 * g], w1 = w[4 * g + 1], w2 = w[4 * g + 2], w3 = w[4 * g + 3];
        for (int r = 0; r < kInt8BlockRows; ++r) {
          acc[r] += p[4 * r] * w0 + p[4 * r + 1] * w1 + p[4 * r + 2] * w2 + p[4 * r + 3] * w3;
        }
      }
      const int64_t valid = std::min(kInt8BlockRows, count - b * kInt8BlockRows);
      float* out = scores + q * stride + b * kInt8BlockRows;
      for (int64_t r = 0; r < valid; ++r) out[r] = step * static_cast<float>(acc[r] - bias);
    }
  }
}

// From this many queries on, the portable build decodes the codes once for a GEMM.
constexpr int64_t kGemmQueries = 4;

// Without a 4-byte integer multiply-add: queries and codes as floats, multiplied by the GEMM
// (whatever SIMD OpenBLAS has). The products (at most 127 * 127) and their sums (below 2^24 up to
// 1,040 dims) are whole numbers a float holds exactly, in any order: the same scores as the
// integer builds up to there, and within float rounding of them beyond.
void scores_generic(const Int8Queries& queries, int64_t q0, int64_t nq, const Int8Blocks& blocks,
                    int64_t b0, int64_t count, float* scores, int64_t stride) {
  if (nq < kGemmQueries) return scores_scalar(queries, q0, nq, blocks, b0, count, scores, stride);
  const int64_t width = 4 * blocks.groups();
  thread_local std::vector<float> query_floats, code_floats;
  query_floats.resize(static_cast<size_t>(nq * width));
  code_floats.resize(static_cast<size_t>(count * width));
  for (int64_t q = 0; q < nq; ++q) {
    const int8_t* code = queries.code(q0 + q);
    for (int64_t c = 0; c < width; ++c) {
      query_floats[static_cast<size_t>(q * width + c)] = static_cast<float>(code[c]);
    }
  }
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* row = blocks.block(b0 + i / kInt8BlockRows) + (i % kInt8BlockRows) * 4;
    float* out = code_floats.data() + i * width;
    for (int64_t c = 0; c < width; ++c) {
      out[c] = static_cast<float>(static_cast<int32_t>(row[(c / 4) * 64 + c % 4]) - 128);
    }
  }
  const Tensor q = Tensor::view_of(query_floats.data(), {nq, width});
  const Tensor codes = Tensor::view_of(code_floats.data(), {count, width});
  Tensor out = Tensor::view_of(scores, {nq, count}, stride);
  matmul(q, codes, out, false, true);
  for (int64_t i = 0; i < nq; ++i) {
    const float step = queries.steps[static_cast<size_t>(q0 + i)];
    for (int64_t j = 0; j < count; ++j) out.row(i)[j] *= step;
  }
}

// Rows scored ahead of the one whose cache lines rows_dot starts loading: the rows come from
// anywhere in the codes, mostly from L3 or memory.
constexpr int64_t kRowsAhead = 6;

void rows_dot_generic(const int8_t* query, int32_t, const int8_t* codes, int64_t dim,
                      const int64_t* rows, int64_t n, int32_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    if (i + kRowsAhead < n) prefetch_bytes(codes + rows[i + kRowsAhead] * dim, dim);
    const int8_t* code = codes + rows[i] * dim;
    int32_t sum = 0;
    for (int64_t c = 0; c < dim; ++c) sum += int32_t{query[c]} * code[c];
    out[i] = sum;
  }
}

// AVX2 has no 4-byte multiply-add, but vpmaddubsw multiplies unsigned by signed bytes into pairs
// of 16-bit sums, which cannot saturate for |query| <= 127 and |code| <= 127 (2 * 127 * 127):
// the query's sign moves onto the codes (vpsignb), then vpmaddwd sums the pairs into one 32-bit
// lane per row. Eight rows per register, kQ queries per load of the codes.
template <int kQ>
[[gnu::target("avx2"), gnu::always_inline]] inline void avx2_tile(const Int8Queries& queries,
                                                                  int64_t q, const uint8_t* block,
                                                                  int64_t groups, int64_t valid,
                                                                  float* scores, int64_t stride) {
  __m256i acc[kQ][2];
  for (int i = 0; i < kQ; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t g = 0; g < groups; ++g) {
    const auto* run = reinterpret_cast<const __m256i*>(block + 64 * g);
    const __m256i codes[2] = {_mm256_xor_si256(_mm256_loadu_si256(run), flip),
                              _mm256_xor_si256(_mm256_loadu_si256(run + 1), flip)};
    for (int i = 0; i < kQ; ++i) {
      int32_t four;
      std::memcpy(&four, queries.code(q + i) + 4 * g, 4);
      const __m256i w = _mm256_set1_epi32(four);
      const __m256i magnitude = _mm256_abs_epi8(w);
      for (int h = 0; h < 2; ++h) {
        const __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(codes[h], w));
        acc[i][h] = _mm256_add_epi32(acc[i][h], _mm256_madd_epi16(pairs, ones));
      }
    }
  }
  for (int i = 0; i < kQ; ++i) {
    alignas(32) int32_t sums[kInt8BlockRows];
    _mm256_store_si256(reinterpret_cast<__m256i*>(sums), acc[i][0]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 8), acc[i][1]);
    const float step = queries.steps[static_cast<size_t>(q + i)];
    for (int64_t r = 0; r < valid; ++r) scores[i * stride + r] = step * static_cast<float>(sums[r]);
  }
}

[[gnu::target("avx2")]] void scores_avx2(const Int8Queries& queries, int64_t q0, int64_t nq,
                                         const Int8Blocks& blocks, int64_t b0, int64_t count,
                                         float* scores, int64_t stride) {
  const int64_t num_blocks = (count + kInt8BlockRows - 1) / kInt8BlockRows;
  for (int64_t b = 0; b < num_blocks; ++b) {
    const uint8_t* block = blocks.block(b0 + b);
    const int64_t valid = std::min(kInt8BlockRows, count - b * kInt8BlockRows);
    float* out = scores + b * kInt8BlockRows;
    int64_t q = 0;
    for (; q + 4 <= nq; q += 4) {
      avx2_tile<4>(queries, q0 + q, block, blocks.groups(), valid, out + q * stride, stride);
    }
    for (; q < nq; ++q) {
      avx2_tile<1>(queries, q0 + q, block, blocks.groups(), valid, out + q * stride, stride);
    }
  }
}

// The same multiply-adds as avx2_tile, 32 dims at a time.
[[gnu::target("avx2"), gnu::always_inline]] inline int32_t row_dot_avx2(const int8_t* query,
                                                                        const int8_t* code,
                                                                        int64_t dim) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc = _mm256_setzero_si256();
  int64_t c = 0;
  for (; c + 32 <= dim; c += 32) {
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(query + c));
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(code + c));
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
  }
  const __m128i half = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  const __m128i quarter = _mm_add_epi32(half, _mm_unpackhi_epi64(half, half));
  int32_t sum = _mm_cvtsi128_si32(_mm_add_epi32(quarter, _mm_shuffle_epi32(quarter, 1)));
  for (; c < dim; ++c) sum += int32_t{query[c]} * code[c];
  return sum;
}

[[gnu::target("avx2")]] void rows_dot_avx2(const int8_t* query, int32_t, const int8_t* codes,
                                           int64_t dim, const int64_t* rows, int64_t n,
                                           int32_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    if (i + kRowsAhead < n) prefetch_bytes(codes + rows[i + kRowsAhead] * dim, dim);
    out[i] = row_dot_avx2(query, codes + rows[i] * dim, dim);
  }
}

#define TESSERA_AVX512_VNNI "avx512f,avx512bw,avx512vl,avx512vnni"

// kQ queries against kR blocks: kQ * kR accumulators of 16 rows each. Each run of 64 bytes is
// loaded once for the kQ queries, each query's 4 bytes once for the kR blocks.
template <int kQ, int kR>
[[gnu::target(TESSERA_AVX512_VNNI), gnu::always_inline]] inline void vnni_tile(
    const Int8Queries& queries, int64_t q, const Int8Blocks& blocks, int64_t b, int64_t rows_left,
    float* scores, int64_t stride) {
  __m512i acc[kQ][kR];
  for (int i = 0; i < kQ; ++i) {
    for (int r = 0; r < kR; ++r) acc[i][r] = _mm512_setzero_si512();
  }
  const uint8_t* base[kR];
  for (int r = 0; r < kR; ++r) base[r] = blocks.block(b + r);
  const int8_t* w[kQ];
  for (int i = 0; i < kQ; ++i) w[i] = queries.code(q + i);
  for (int64_t g = 0; g < blocks.groups(); ++g) {
    __m512i rows[kR];
    for (int r = 0; r < kR; ++r) rows[r] = _mm512_loadu_si512(base[r] + 64 * g);
    for (int i = 0; i < kQ; ++i) {
      int32_t four;
      std::memcpy(&four, w[i] + 4 * g, 4);
      const __m512i weights = _mm512_set1_epi32(four);
      for (int r = 0; r < kR; ++r) acc[i][r] = _mm512_dpbusd_epi32(acc[i][r], rows[r], weights);
    }
  }
  for (int i = 0; i < kQ; ++i) {
    const __m512i bias = _mm512_set1_epi32(queries.bias[static_cast<size_t>(q + i)]);
    const __m512 step = _mm512_set1_ps(queries.steps[static_cast<size_t>(q + i)]);
    for (int r = 0; r < kR; ++r) {
      const int64_t valid = std::min<int64_t>(kInt8BlockRows, rows_left - r * kInt8BlockRows);
      if (valid <= 0) continue;
      const auto mask = static_cast<__mmask16>(valid >= 16 ? 0xffff : (1u << valid) - 1);
      const __m512 s = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[i][r], bias)), step);
      _mm512_mask_storeu_ps(scores + i * stride + r * kInt8BlockRows, mask, s);
    }
  }
}

template <int kR>
[[gnu::target(TESSERA_AVX512_VNNI), gnu::always_inline]] inline void vnni_queries(
    const Int8Queries& queries, int64_t q0, int64_t nq, const Int8Blocks& blocks, int64_t b,
    int64_t rows_left, float* scores, int64_t stride) {
  int64_t q = 0;
  for (; q + 4 <= nq; q += 4) {
    vnni_tile<4, kR>(queries, q0 + q, blocks, b, rows_left, scores + q * stride, stride);
  }
  switch (nq - q) {
    case 3:
      return vnni_tile<3, kR>(queries, q0 + q, blocks, b, rows_left, scores + q * stride, stride);
    case 2:
      return vnni_tile<2, kR>(queries, q0 + q, blocks, b, rows_left, scores + q * stride, stride);
    case 1:
      return vnni_tile<1, kR>(queries, q0 + q, blocks, b, rows_left, scores + q * stride, stride);
    default:
      return;
  }
}

[[gnu::target(TESSERA_AVX512_VNNI)]] void scores_vnni(const Int8Queries& queries, int64_t q0,
                                                      int64_t nq, const Int8Blocks& blocks,
                                                      int64_t b0, int64_t count, float* scores,
                                                      int64_t stride) {
  const int64_t num_blocks = (count + kInt8BlockRows - 1) / kInt8BlockRows;
  int64_t b = 0;
  for (; b + 2 <= num_blocks; b += 2) {
    vnni_queries<2>(queries, q0, nq, blocks, b0 + b, count - b * kInt8BlockRows,
                    scores + b * kInt8BlockRows, stride);
  }
  if (b < num_blocks) {
    vnni_queries<1>(queries, q0, nq, blocks, b0 + b, count - b * kInt8BlockRows,
                    scores + b * kInt8BlockRows, stride);
  }
}

// The sums of the 16 lanes of each of a, b, c and d.
[[gnu::target(TESSERA_AVX512_VNNI), gnu::always_inline]] inline __m128i sum_lanes4(__m512i a,
                                                                                   __m512i b,
                                                                                   __m512i c,
                                                                                   __m512i d) {
  // Per 128-bit lane: [a0 + a2, b0 + b2, a1 + a3, b1 + b3], then [a, b, c, d] partial sums.
  const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
  const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
  const __m512i abcd =
      _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
  const __m256i half =
      _mm256_add_epi32(_mm512_castsi512_si256(abcd), _mm512_extracti64x4_epi64(abcd, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(half), _mm256_extracti128_si256(half, 1));
}

// vpdpbusd takes unsigned bytes on one side: the code + 128, whose extra 128 * sum(query) is the
// query's bias. 64 dims a step, the tail by masked loads (the query's zeros cancel the code's
// lanes past the end). Four rows at a time share the query's loads and one reduction.
[[gnu::target(TESSERA_AVX512_VNNI)]] void rows_dot_vnni(const int8_t* query, int32_t bias,
                                                        const int8_t* codes, int64_t dim,
                                                        const int64_t* rows, int64_t n,
                                                        int32_t* out) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const int64_t whole = dim / 64 * 64;
  const __mmask64 tail = (__mmask64{1} << (dim - whole)) - 1;  // dim - whole < 64
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int64_t r = i + kRowsAhead; r < std::min(n, i + kRowsAhead + 4); ++r) {
      prefetch_bytes(codes + rows[r] * dim, dim);
    }
    const int8_t* c0 = codes + rows[i] * dim;
    const int8_t* c1 = codes + rows[i + 1] * dim;
    const int8_t* c2 = codes + rows[i + 2] * dim;
    const int8_t* c3 = codes + rows[i + 3] * dim;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t c = 0; c < whole; c += 64) {
      const __m512i w = _mm512_loadu_si512(query + c);
      a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_loadu_si512(c0 + c), flip), w);
      a1 = _mm512_dpbusd_epi32(a1, _mm512_xor_si512(_mm512_loadu_si512(c1 + c), flip), w);
      a2 = _mm512_dpbusd_epi32(a2, _mm512_xor_si512(_mm512_loadu_si512(c2 + c), flip), w);
      a3 = _mm512_dpbusd_epi32(a3, _mm512_xor_si512(_mm512_loadu_si512(c3 + c), flip), w);
    }
    if (whole < dim) {
      const __m512i w = _mm512_maskz_loadu_epi8(tail, query + whole);
      a0 = _mm512_dpbusd_epi32(
          a0, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, c0 + whole), flip), w);
      a1 = _mm512_dpbusd_epi32(
          a1, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, c1 + whole), flip), w);
      a2 = _mm512_dpbusd_epi32(
          a2, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, c2 + whole), flip), w);
      a3 = _mm512_dpbusd_epi32(
          a3, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, c3 + whole), flip), w);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm_sub_epi32(sum_lanes4(a0, a1, a2, a3), _mm_set1_epi32(bias)));
  }
  for (; i < n; ++i) {
    const int8_t* code = codes + rows[i] * dim;
    __m512i acc = _mm512_setzero_si512();
    for (int64_t c = 0; c < dim; c += 64) {
      const __mmask64 mask = c < whole ? ~__mmask64{0} : tail;
      const __m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, code + c), flip);
      acc = _mm512_dpbusd_epi32(acc, x, _mm512_maskz_loadu_epi8(mask, query + c));
    }
    out[i] = _mm512_reduce_add_epi32(acc) - bias;
  }
}

struct Chosen {
  Int8ScoresFn kernel;
  Int8RowsDotFn rows_dot;
  const char* name;
};

Chosen choose() {
  if (avx512_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
    return {scores_vnni, rows_dot_vnni, "avx512-vnni"};
  }
  if (simd_allowed() && __builtin_cpu_supports("avx2")) return {scores_avx2, rows_dot_avx2, "avx2"};
  return {scores_generic, rows_dot_generic, "generic"};
}

const Chosen& chosen() {
  static const Chosen kChosen = choose();
  return kChosen;
}

}  // namespace

Int8ScoresFn int8_scores_kernel() { return chosen().kernel; }

Int8RowsDotFn int8_rows_dot_kernel() { return chosen().rows_dot; }

const char* int8_kernel_name() { return chosen().name; }

}  // namespace tessera::index_detail
