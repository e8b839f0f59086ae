// AVX2 + FMA build of the kernels (see kernels_impl.h); this file alone is compiled with
// -mavx2 -mfma, and its table is used only after the CPU says it has both.
// Standard headers first: kernels_impl.h is included inside a namespace.
#include <cmath>
#include <cstdint>

#include "tessera/core/kernels.h"

namespace tessera::kernels::avx2_impl {
#include "kernels_impl.h"
}  // namespace tessera::kernels::avx2_impl

namespace tessera::kernels {
const KernelTable& avx2_table() {
  static const KernelTable table = avx2_impl::make_table("avx2+fma");
  return table;
}
}  // namespace tessera::kernels
