// `tessera doctor`: what this build found on this machine.
#include <fmt/format.h>

#include "commands.h"
#include "tessera/core/runtime_info.h"
#include "tessera/index/binary_codes.h"
#include "tessera/index/exact_search.h"

namespace tessera::cli {

void add_doctor_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "doctor", "Print the libraries, SIMD kernels and thread settings this build uses");
  cmd->callback([] {
    const RuntimeInfo info = runtime_info();
    fmt::print("tessera {}\n", info.tessera_version);
    fmt::print("  compiler        {}\n", info.compiler);
    fmt::print("  build baseline  {}\n", info.build_baseline);
    fmt::print("  SIMD kernels    {} (run-time choice; TESSERA_SIMD=generic forces the baseline)\n",
               info.simd_kernels);
    fmt::print("  Hamming kernel  {} (binary scans; TESSERA_SIMD=avx2 keeps them off AVX-512)\n",
               hamming_kernel());
    fmt::print("  int8 kernel     {} (int8 scans; TESSERA_SIMD=avx2 keeps them off AVX-512)\n",
               int8_scan_kernel());
    fmt::print("  CPU features    {}\n", info.cpu_features);
    fmt::print("  threads         {} (TESSERA_NUM_THREADS or --threads)\n", info.threads);
    fmt::print("  OpenBLAS        {} (core {}), {} BLAS thread(s): tessera splits GEMMs itself\n",
               info.openblas_config, info.openblas_core, info.blas_threads);
    fmt::print("  CLI11           {}\n", CLI11_VERSION);
    for (const auto& [name, version] : info.libraries) {
      fmt::print("  {:<15} {}\n", name, version);
    }
    fmt::print("ok\n");
  });
}

}  // namespace tessera::cli
