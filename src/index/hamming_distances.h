// Hamming distances of one query code to a run of base codes: the inner loop of every binary
// scan (binary_codes.cpp), apart from the selection of the nearest (hamming_select.h).
//
// Three builds, picked once at run time: AVX-512 VPOPCNTDQ (two to eight codes per instruction
// for codes of 64, 128 or 256 bits, one 512-bit word at a time for multiples of 512 bits), the
// POPCNT instruction (one 64-bit word at a time), and portable C++. TESSERA_SIMD=generic or
// avx2 keeps the scan off AVX-512, as it keeps the float kernels off AVX2.
#pragma once

#include <cstdint>
#include <vector>

namespace tessera::index_detail {

// out[i] = popcount(query XOR codes[i]) for the n codes of code_bytes bytes each (row-major).
// Distances fit in 16 bits: codes are at most 65535 bits wide (binary_codes.cpp checks).
using HammingDistancesFn = void (*)(const uint8_t* query, const uint8_t* codes, int64_t n,
                                    int64_t code_bytes, uint16_t* out);

// The fastest build this CPU runs.
HammingDistancesFn hamming_distances_kernel();

// Its name, for tessera doctor and benchmarks: "avx512-vpopcntdq", "popcnt" or "generic".
const char* hamming_kernel_name();

// 256-bit codes word-major, for the AVX-512 scan: block b holds word 0 of codes [8b, 8b + 8),
// then word 1, 2 and 3 (32 words), so that a register of one word of eight codes needs no
// shuffles to sum (row-major codes need ten per eight codes). Codes past the end are zero.
class WordMajorCodes {
 public:
  WordMajorCodes(const uint8_t* codes, int64_t n);  // n row-major codes of 32 bytes
  int64_t size() const { return n_; }
  const uint64_t* block(int64_t b) const { return words_.data() + 32 * b; }
  int64_t memory_bytes() const { return 8 * std::ssize(words_); }

 private:
  int64_t n_;
  std::vector<uint64_t> words_;
};

// As HammingDistancesFn, for codes [first, first + n) (first a multiple of 8) of word-major
// codes and 1 to kWordMajorQueries queries at once (consecutive 32-byte codes): query a's
// distances go to out + a * out_stride.
inline constexpr int64_t kWordMajorQueries = 4;
using WordMajorDistancesFn = void (*)(const uint8_t* queries, int64_t num_queries,
                                      const WordMajorCodes& codes, int64_t first, int64_t n,
                                      uint16_t* out, int64_t out_stride);

// The AVX-512 VPOPCNTDQ build; null where the CPU (or TESSERA_SIMD) rules it out.
WordMajorDistancesFn word_major_distances_kernel();

}  // namespace tessera::index_detail
