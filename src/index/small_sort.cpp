#include "small_sort.h"

#include "simd_builds.h"

namespace tessera::index_detail {

namespace {

// The network is written out at compile time: templates over the stage (K: the size of the
// bitonic runs being merged, J: the distance of partners) and the register, so that every
// register index is a constant and the 16 registers never go through memory.

// Each lane's partner at distance J < 8 in the same register (lane ^ J).
template <int J>
[[gnu::target("avx512f"), gnu::always_inline]] inline __m512i partners(__m512i v) {
  if constexpr (J == 1) {
    return _mm512_permutex_epi64(v, _MM_SHUFFLE(2, 3, 0, 1));
  } else if constexpr (J == 2) {
    return _mm512_permutex_epi64(v, _MM_SHUFFLE(1, 0, 3, 2));
  } else {
    return _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(1, 0, 3, 2));
  }
}

// The lanes of register R that keep the smaller key of their pair at stage (K, J): the lower
// lane of a pair in an ascending run (key index & K == 0), the upper one in a descending run.
template <int K, int J, int R>
constexpr __mmask8 min_lanes() {
  unsigned mask = 0;
  for (int lane = 0; lane < 8; ++lane) {
    const bool ascending = ((8 * R + lane) & K) == 0;
    const bool lower = (lane & J) == 0;
    if (lower == ascending) mask |= 1u << lane;
  }
  return static_cast<__mmask8>(mask);
}

// One stage over registers [R, N).
template <int N, int K, int J, int R = 0>
[[gnu::target("avx512f"), gnu::always_inline]] inline void stage(__m512i* v) {
  if constexpr (R < N) {
    if constexpr (J < 8) {
      const __m512i other = partners<J>(v[R]);
      v[R] = _mm512_mask_blend_epi64(min_lanes<K, J, R>(), _mm512_max_epu64(v[R], other),
                                     _mm512_min_epu64(v[R], other));
    } else if constexpr (constexpr int kPartner = R ^ (J / 8); kPartner > R) {
      const __m512i lo = _mm512_min_epu64(v[R], v[kPartner]);
      const __m512i hi = _mm512_max_epu64(v[R], v[kPartner]);
      constexpr bool kAscending = ((8 * R) & K) == 0;
      v[R] = kAscending ? lo : hi;
      v[kPartner] = kAscending ? hi : lo;
    }
    stage<N, K, J, R + 1>(v);
  }
}

// The stages of runs of size K: partners at K / 2, K / 4, ..., 1.
template <int N, int K, int J>
[[gnu::target("avx512f"), gnu::always_inline]] inline void merge_runs(__m512i* v) {
  if constexpr (J > 0) {
    stage<N, K, J>(v);
    merge_runs<N, K, J / 2>(v);
  }
}

template <int N, int K = 2>
[[gnu::target("avx512f"), gnu::always_inline]] inline void bitonic_sort(__m512i* v) {
  if constexpr (K <= 8 * N) {
    merge_runs<N, K, K / 2>(v);
    bitonic_sort<N, 2 * K>(v);
  }
}

// Keys [8r, 8r + 8) that exist.
inline __mmask8 register_lanes(size_t n, int r) {
  const auto left = static_cast<int64_t>(n) - 8 * r;
  return left >= 8   ? __mmask8{0xff}
         : left <= 0 ? __mmask8{0}
                     : static_cast<__mmask8>((1u << left) - 1);
}

template <int N>
[[gnu::target("avx512f")]] void sort_registers(const uint64_t* keys, size_t n, uint64_t* out) {
  const __m512i largest = _mm512_set1_epi64(-1);
  __m512i v[N];
#pragma GCC unroll 16
  for (int r = 0; r < N; ++r) {
    v[r] = _mm512_mask_loadu_epi64(largest, register_lanes(n, r), keys + 8 * r);
  }
  bitonic_sort<N>(v);
#pragma GCC unroll 16
  for (int r = 0; r < N; ++r) _mm512_mask_storeu_epi64(out + 8 * r, register_lanes(n, r), v[r]);
}

void small_sort_avx512(const uint64_t* keys, size_t n, uint64_t* out) {
  if (n <= 8) return sort_registers<1>(keys, n, out);
  if (n <= 16) return sort_registers<2>(keys, n, out);
  if (n <= 32) return sort_registers<4>(keys, n, out);
  if (n <= 64) return sort_registers<8>(keys, n, out);
  return sort_registers<16>(keys, n, out);
}

SmallSortFn choose() {
  if (avx512_allowed() && __builtin_cpu_supports("avx512f")) return small_sort_avx512;
  return nullptr;
}

}  // namespace

SmallSortFn small_sort_kernel() {
  static const SmallSortFn kChosen = choose();
  return kChosen;
}

}  // namespace tessera::index_detail
