// What this build of tessera runs on: versions of the libraries it found, the kernel variant the
// CPU selected, thread counts. `tessera doctor` prints it; bug reports should include it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tessera {

struct RuntimeInfo {
  std::string tessera_version;
  std::string compiler;
  std::string build_baseline;  // the instruction set all code is compiled for
  std::string simd_kernels;    // kernel table selected at run time
  std::string cpu_features;    // relevant features the CPU reports
  std::string openblas_config;
  std::string openblas_core;
  int blas_threads = 0;
  int threads = 0;
  std::vector<std::pair<std::string, std::string>> libraries;  // name -> version
};

RuntimeInfo runtime_info();

}  // namespace tessera
