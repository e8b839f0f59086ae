// Inner products of one float query with listed rows of a row-major float matrix: FlatIndex's
// score (a funnel's float rescoring), where the rows come from anywhere.
//
// Four rows at a time, so that their multiply-add chains overlap (one row's chain alone waits on
// each add's latency), with the rows a few ahead prefetched. Three builds, picked once at run
// time: AVX-512F, AVX2 + FMA, and the core kernels' dot one row at a time. TESSERA_SIMD=generic
// or avx2 keeps them off AVX-512 (and generic off AVX2). Builds agree to rounding.
#pragma once

#include <cstdint>

namespace tessera::index_detail {

// out[i] = sum_c query[c] * data[rows[i] * dim + c] for i in [0, n).
using FloatRowsDotFn = void (*)(const float* query, const float* data, int64_t dim,
                                const int64_t* rows, int64_t n, float* out);

FloatRowsDotFn float_rows_dot_kernel();

}  // namespace tessera::index_detail
