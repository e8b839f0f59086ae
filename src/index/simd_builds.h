// What the src/index kernels share to choose their builds at run time: AVX-512 intrinsics, and
// TESSERA_SIMD read as core/kernels.cpp reads it ("generic": the x86-64 baseline only; "avx2":
// nothing of AVX-512). The CPU's own features are each kernel's to test.
#pragma once

// GCC 12's AVX-512 headers build vectors from _mm512_undefined_*() and warn that those are or
// may be used uninitialized (a false positive of the headers, not of the kernels).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdlib>
#include <string_view>

namespace tessera::index_detail {

inline std::string_view forced_simd() {
  const char* forced = std::getenv("TESSERA_SIMD");
  return forced == nullptr ? "" : forced;
}

// Builds beyond the baseline (POPCNT, AVX2, AVX-512) may run.
inline bool simd_allowed() { return forced_simd() != "generic"; }

// AVX-512 builds may run.
inline bool avx512_allowed() { return simd_allowed() && forced_simd() != "avx2"; }

}  // namespace tessera::index_detail
