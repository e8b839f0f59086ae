#include "tessera/core/kernels.h"

#include <cstdlib>
#include <cstring>

#include "tessera/core/check.h"

namespace tessera::kernels {

const KernelTable& avx2_table();  // kernels_avx2.cpp

const KernelTable* avx2() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported ? &avx2_table() : nullptr;
}

const KernelTable& active() {
  static const KernelTable& chosen = []() -> const KernelTable& {
    const char* forced = std::getenv("TESSERA_SIMD");
    if (forced != nullptr && std::strcmp(forced, "generic") == 0) return generic();
    TESSERA_CHECK(forced == nullptr || forced[0] == '\0' || std::strcmp(forced, "avx2") == 0,
                  "TESSERA_SIMD must be 'generic' or 'avx2', got '{}'", forced);
    if (forced != nullptr && std::strcmp(forced, "avx2") == 0) {
      TESSERA_CHECK(avx2() != nullptr, "TESSERA_SIMD=avx2 but this CPU lacks AVX2 or FMA");
    }
    return avx2() != nullptr ? *avx2() : generic();
  }();
  return chosen;
}

}  // namespace tessera::kernels
