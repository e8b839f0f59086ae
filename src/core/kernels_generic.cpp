// Baseline x86-64 build of the kernels (see kernels_impl.h).
// Standard headers first: kernels_impl.h is included inside a namespace.
#include <cmath>
#include <cstdint>

#include "tessera/core/kernels.h"

namespace tessera::kernels::generic_impl {
#include "kernels_impl.h"
}  // namespace tessera::kernels::generic_impl

namespace tessera::kernels {
const KernelTable& generic() {
  static const KernelTable table = generic_impl::make_table("generic");
  return table;
}
}  // namespace tessera::kernels
