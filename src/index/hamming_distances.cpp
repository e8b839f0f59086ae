#include "hamming_distances.h"

#include <algorithm>
#include <cstring>

#include "simd_builds.h"

namespace tessera::index_detail {

namespace {

// The distance of two codes, one 64-bit word at a time. kWords > 0: codes of exactly kWords
// words, unrolled into independent popcounts; kWords == 0: any width.
template <int kWords>
[[gnu::always_inline]] inline uint16_t distance_words(const uint8_t* a, const uint8_t* b,
                                                      int64_t code_bytes) {
  if constexpr (kWords > 0) {
    int partial[kWords];
    for (int w = 0; w < kWords; ++w) {
      uint64_t x, y;
      std::memcpy(&x, a + 8 * w, 8);
      std::memcpy(&y, b + 8 * w, 8);
      partial[w] = __builtin_popcountll(x ^ y);
    }
    int distance = 0;
    for (int w = 0; w < kWords; ++w) distance += partial[w];
    return static_cast<uint16_t>(distance);
  } else {
    int distance = 0;
    int64_t i = 0;
    for (; i + 8 <= code_bytes; i += 8) {
      uint64_t x = 0, y = 0;
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      distance += __builtin_popcountll(x ^ y);
    }
    for (; i < code_bytes; ++i) distance += __builtin_popcount(static_cast<unsigned>(a[i] ^ b[i]));
    return static_cast<uint16_t>(distance);
  }
}

// The distances of codes [first, n).
template <int kWords>
[[gnu::always_inline]] inline void distances_words(const uint8_t* query, const uint8_t* codes,
                                                   int64_t first, int64_t n, int64_t code_bytes,
                                                   uint16_t* out) {
  for (int64_t i = first; i < n; ++i) {
    out[i] = distance_words<kWords>(query, codes + i * code_bytes, code_bytes);
  }
}

// The scalar loop over codes [first, n) for the code width: unrolled for 1, 2, 4, 8 or 16 whole
// words.
[[gnu::always_inline]] inline void distances_scalar(const uint8_t* query, const uint8_t* codes,
                                                    int64_t first, int64_t n, int64_t code_bytes,
                                                    uint16_t* out) {
  switch (code_bytes) {
    case 8:
      return distances_words<1>(query, codes, first, n, code_bytes, out);
    case 16:
      return distances_words<2>(query, codes, first, n, code_bytes, out);
    case 32:
      return distances_words<4>(query, codes, first, n, code_bytes, out);
    case 64:
      return distances_words<8>(query, codes, first, n, code_bytes, out);
    case 128:
      return distances_words<16>(query, codes, first, n, code_bytes, out);
    default:
      return distances_words<0>(query, codes, first, n, code_bytes, out);
  }
}

void distances_generic(const uint8_t* query, const uint8_t* codes, int64_t n, int64_t code_bytes,
                       uint16_t* out) {
  distances_scalar(query, codes, 0, n, code_bytes, out);
}

[[gnu::target("popcnt")]] void distances_popcnt(const uint8_t* query, const uint8_t* codes,
                                                int64_t n, int64_t code_bytes, uint16_t* out) {
  distances_scalar(query, codes, 0, n, code_bytes, out);
}

#define TESSERA_AVX512_POPCNT "popcnt,avx512f,avx512bw,avx512vl,avx512vpopcntdq"

// The 64-bit popcounts of (64 bytes at p) XOR q.
[[gnu::target(TESSERA_AVX512_POPCNT), gnu::always_inline]] inline __m512i popcount_xor(
    const uint8_t* p, __m512i q) {
  return _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(p), q));
}

// Stores the distances of codes [i, i + 8) as 16-bit ones (narrowed in a register: a narrowing
// store to memory is slow on some cores).
[[gnu::target(TESSERA_AVX512_POPCNT), gnu::always_inline]] inline void emit8(int64_t i,
                                                                             __m512i distances,
                                                                             uint16_t* out) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm512_cvtepi64_epi16(distances));
}

// AVX-512: xor and popcount whole registers of codes, then sum each code's 64-bit counts across
// registers with shuffles, so that eight distances come out of one pass. Codes left over after
// the last whole group of eight take the scalar loop.
[[gnu::target(TESSERA_AVX512_POPCNT)]] void distances_avx512(const uint8_t* query,
                                                             const uint8_t* codes, int64_t n,
                                                             int64_t code_bytes, uint16_t* out) {
  int64_t i = 0;
  if (code_bytes == 8) {  // eight codes in a register
    uint64_t word;
    std::memcpy(&word, query, 8);
    const __m512i q = _mm512_set1_epi64(static_cast<long long>(word));
    for (; i + 8 <= n; i += 8) {
      emit8(i, popcount_xor(codes + i * 8, q), out);
    }
  } else if (code_bytes == 16) {  // four codes in a register; pairs of words summed
    const __m512i q =
        _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(query)));
    const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
    for (; i + 8 <= n; i += 8) {
      const uint8_t* p = codes + i * 16;
      const __m512i a = popcount_xor(p, q), b = popcount_xor(p + 64, q);
      // per 128-bit lane L: [code L, code 4 + L]
      const __m512i sums =
          _mm512_add_epi64(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b));
      emit8(i, _mm512_permutexvar_epi64(order, sums), out);
    }
  } else if (code_bytes == 32) {  // two codes in a register; four words summed
    const __m512i q =
        _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(query)));
    const __m512i order = _mm512_setr_epi64(0, 2, 1, 3, 4, 6, 5, 7);
    for (; i + 8 <= n; i += 8) {
      const uint8_t* p = codes + i * 32;
      const __m512i a = popcount_xor(p, q), b = popcount_xor(p + 64, q);
      const __m512i c = popcount_xor(p + 128, q), d = popcount_xor(p + 192, q);
      // 128-bit lanes of ab: [code 0 words 0+1, code 2 words 0+1], [0 2+3, 2 2+3], then codes 1, 3
      const __m512i ab = _mm512_add_epi64(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b));
      const __m512i cd = _mm512_add_epi64(_mm512_unpacklo_epi64(c, d), _mm512_unpackhi_epi64(c, d));
      const __m512i sums = _mm512_add_epi64(_mm512_shuffle_i64x2(ab, cd, _MM_SHUFFLE(2, 0, 2, 0)),
                                            _mm512_shuffle_i64x2(ab, cd, _MM_SHUFFLE(3, 1, 3, 1)));
      // sums holds codes 0, 2, 1, 3, 4, 6, 5, 7
      emit8(i, _mm512_permutexvar_epi64(order, sums), out);
    }
  } else if (code_bytes % 64 == 0) {  // one or more registers a code
    for (; i < n; ++i) {
      const uint8_t* code = codes + i * code_bytes;
      __m512i sum = _mm512_setzero_si512();
      for (int64_t b = 0; b < code_bytes; b += 64) {
        sum = _mm512_add_epi64(sum, popcount_xor(code + b, _mm512_loadu_si512(query + b)));
      }
      out[i] = static_cast<uint16_t>(_mm512_reduce_add_epi64(sum));
    }
  }
  distances_scalar(query, codes, i, n, code_bytes, out);
}

// Eight codes a step for kQ queries: each word of the codes loaded once, then for each query one
// xor with its word and one popcount, summed across the four words in place. Several queries a
// pass keep the scan on the vector units instead of waiting on L2 for the codes.
template <int kQ>
[[gnu::target(TESSERA_AVX512_POPCNT), gnu::always_inline]] inline void word_major_queries(
    const uint8_t* queries, const WordMajorCodes& codes, int64_t first, int64_t n, uint16_t* out,
    int64_t out_stride) {
  __m512i q[kQ][4];
  for (int a = 0; a < kQ; ++a) {
    uint64_t words[4];
    std::memcpy(words, queries + 32 * a, 32);
    for (int w = 0; w < 4; ++w) q[a][w] = _mm512_set1_epi64(static_cast<long long>(words[w]));
  }
  const uint64_t* block = codes.block(first / 8);
  for (int64_t i = 0; i < n; i += 8, block += 32) {
    const __m512i w0 = _mm512_loadu_si512(block), w1 = _mm512_loadu_si512(block + 8);
    const __m512i w2 = _mm512_loadu_si512(block + 16), w3 = _mm512_loadu_si512(block + 24);
    // The last codes: only those that exist.
    const auto valid = static_cast<__mmask8>(n - i >= 8 ? 0xff : (1u << (n - i)) - 1);
    for (int a = 0; a < kQ; ++a) {
      const __m512i d01 = _mm512_add_epi64(_mm512_popcnt_epi64(_mm512_xor_si512(w0, q[a][0])),
                                           _mm512_popcnt_epi64(_mm512_xor_si512(w1, q[a][1])));
      const __m512i d23 = _mm512_add_epi64(_mm512_popcnt_epi64(_mm512_xor_si512(w2, q[a][2])),
                                           _mm512_popcnt_epi64(_mm512_xor_si512(w3, q[a][3])));
      _mm_mask_storeu_epi16(out + a * out_stride + i, valid,
                            _mm512_cvtepi64_epi16(_mm512_add_epi64(d01, d23)));
    }
  }
}

[[gnu::target(TESSERA_AVX512_POPCNT)]] void word_major_avx512(const uint8_t* queries,
                                                              int64_t num_queries,
                                                              const WordMajorCodes& codes,
                                                              int64_t first, int64_t n,
                                                              uint16_t* out, int64_t out_stride) {
  switch (num_queries) {
    case 1:
      return word_major_queries<1>(queries, codes, first, n, out, out_stride);
    case 2:
      return word_major_queries<2>(queries, codes, first, n, out, out_stride);
    case 3:
      return word_major_queries<3>(queries, codes, first, n, out, out_stride);
    default:
      return word_major_queries<4>(queries, codes, first, n, out, out_stride);
  }
}

struct Chosen {
  HammingDistancesFn kernel;
  const char* name;
};

Chosen choose() {
  if (avx512_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vpopcntdq")) {
    return {distances_avx512, "avx512-vpopcntdq"};
  }
  if (simd_allowed() && __builtin_cpu_supports("popcnt")) {
    return {distances_popcnt, "popcnt"};
  }
  return {distances_generic, "generic"};
}

const Chosen& chosen() {
  static const Chosen kChosen = choose();
  return kChosen;
}

}  // namespace

HammingDistancesFn hamming_distances_kernel() { return chosen().kernel; }

WordMajorCodes::WordMajorCodes(const uint8_t* codes, int64_t n)
    : n_(n), words_(static_cast<size_t>(32 * ((n + 7) / 8)), 0) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t w = 0; w < 4; ++w) {
      std::memcpy(&words_[static_cast<size_t>(32 * (i / 8) + 8 * w + i % 8)],
                  codes + 32 * i + 8 * w, 8);
    }
  }
}

WordMajorDistancesFn word_major_distances_kernel() {
  return chosen().kernel == distances_avx512 ? word_major_avx512 : nullptr;
}

const char* hamming_kernel_name() { return chosen().name; }

}  // namespace tessera::index_detail
