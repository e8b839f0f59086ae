#include "tessera/core/runtime_info.h"

#include <cblas.h>
#include <cpuid.h>
#include <fmt/core.h>

#include "tessera/core/kernels.h"
#include "tessera/core/parallel.h"
#include "tessera/version.h"

namespace tessera {

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.tessera_version = TESSERA_VERSION;
  info.compiler = fmt::format("g++ {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#if defined(__AVX2__)
  info.build_baseline = "x86-64 with AVX2";
#elif defined(__SSE4_2__)
  info.build_baseline = "x86-64-v2";
#else
  info.build_baseline = "x86-64 (SSE2)";
#endif
  info.simd_kernels = kernels::active().name;
  std::string features;
  auto note = [&](bool present, const char* name) {
    if (present) features += features.empty() ? name : std::string(" ") + name;
  };
  note(__builtin_cpu_supports("sse4.2"), "sse4.2");
  note(__builtin_cpu_supports("popcnt"), "popcnt");
  note(__builtin_cpu_supports("avx2"), "avx2");
  note(__builtin_cpu_supports("fma"), "fma");
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;  // F16C: CPUID leaf 1, ECX bit 29
  note(__get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0, "f16c");
  note(__builtin_cpu_supports("avx512f"), "avx512f");
  info.cpu_features = features;
  info.threads = num_threads();  // also initialises the pool, which pins OpenBLAS to 1 thread
  info.openblas_config = openblas_get_config();
  info.openblas_core = openblas_get_corename();
  info.blas_threads = openblas_get_num_threads();
  info.libraries.emplace_back("fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000,
                                                 FMT_VERSION / 100 % 100, FMT_VERSION % 100));
  return info;
}

}  // namespace tessera
