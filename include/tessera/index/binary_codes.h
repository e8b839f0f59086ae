// Binary codes and Hamming search (Binary Paragraph Vector, Grzegorczyk & Kurdziel 2017): each
// vector becomes one bit per dimension by core/quantize.h's quantize_binary (1 where the value is
// > 0, 8 bits to a byte, most significant bit first, rows padded to whole bytes with zero bits:
// byte-for-byte numpy.packbits(x > 0, axis=1)). The Hamming distance of two codes (differing
// bits, by popcount) ranks candidates cheaply; a float rescoring pass usually follows.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tessera/core/quantize.h"
#include "tessera/core/tensor.h"

namespace tessera {

namespace index_detail {
class WordMajorCodes;  // src/index/hamming_distances.h
}  // namespace index_detail

struct BinaryCodes {
  int64_t size = 0;           // number of codes
  int64_t bits = 0;           // bits per code (the vectors' dimension)
  int64_t code_bytes = 0;     // (bits + 7) / 8
  std::vector<uint8_t> data;  // size x code_bytes, row-major

  const uint8_t* code(int64_t i) const { return data.data() + i * code_bytes; }
};

// Sign bits of every row of a 2-d tensor (any row stride).
BinaryCodes pack_sign_bits(const Tensor& vectors);

// k nearest base codes per query by Hamming distance (lower is better).
struct HammingTopK {
  int64_t num_queries = 0;
  int64_t k = 0;
  std::vector<int64_t> ids;        // num_queries x k, nearest first (ties by lower id); -1 pads
  std::vector<int32_t> distances;  // num_queries x k; INT32_MAX pads

  std::span<const int64_t> ids_of(int64_t query) const {
    return {ids.data() + query * k, static_cast<size_t>(k)};
  }
  std::span<const int32_t> distances_of(int64_t query) const {
    return {distances.data() + query * k, static_cast<size_t>(k)};
  }
};

// Scans every base code for each query (AVX-512 or hardware popcount where the CPU has it,
// chosen at run time: hamming_kernel()), keeping the k best per query (hamming_collector.h, from a
// threshold guessed on a sample of the base); blocks of queries run in parallel. queries and base
// must have equal bits, at most 65535; k >= 1. removed: null, or one byte per base code, nonzero
// for codes never to return.
// word_major: null, or base's 256-bit codes word-major (BinaryIndex keeps them), which the
// AVX-512 scan reads faster. sorted false: each query's k nearest in any order (the same ones).
HammingTopK hamming_top_k(const BinaryCodes& queries, const BinaryCodes& base, int64_t k,
                          const uint8_t* removed = nullptr,
                          const index_detail::WordMajorCodes* word_major = nullptr,
                          bool sorted = true);

// The build of the Hamming kernel this CPU runs, chosen once at run time: "avx512-vpopcntdq",
// "popcnt" or "generic" (TESSERA_SIMD=avx2 or generic rules out AVX-512; generic, POPCNT too).
std::string_view hamming_kernel();

// Bit by bit and a full sort: the test oracle.
HammingTopK hamming_top_k_naive(const BinaryCodes& queries, const BinaryCodes& base, int64_t k);

}  // namespace tessera
