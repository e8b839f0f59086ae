#include "rank_sort.h"

#include "simd_builds.h"

namespace tessera::index_detail {

namespace {

// Eight keys at a time count the keys below them, one broadcast key per step (a compare and a
// masked add). Equal keys get equal ranks; the slots after such a rank stay unwritten and are
// filled with the key before them, which equals them.
[[gnu::target("avx512f")]] void rank_sort_avx512(const uint64_t* keys, size_t n, uint64_t* out) {
  bool written[kRankSortMax] = {};
  const __m512i one = _mm512_set1_epi64(1);
  for (size_t i0 = 0; i0 < n; i0 += 8) {
    const auto valid = static_cast<__mmask8>(n - i0 >= 8 ? 0xff : (1u << (n - i0)) - 1);
    const __m512i mine = _mm512_maskz_loadu_epi64(valid, keys + i0);
    // Two chains of adds (even and odd j), each waiting only on itself.
    __m512i even = _mm512_setzero_si512(), odd = _mm512_setzero_si512();
    size_t j = 0;
    for (; j + 2 <= n; j += 2) {
      const __m512i a = _mm512_set1_epi64(static_cast<long long>(keys[j]));
      const __m512i b = _mm512_set1_epi64(static_cast<long long>(keys[j + 1]));
      even = _mm512_mask_add_epi64(even, _mm512_cmplt_epu64_mask(a, mine), even, one);
      odd = _mm512_mask_add_epi64(odd, _mm512_cmplt_epu64_mask(b, mine), odd, one);
    }
    if (j < n) {
      const __m512i a = _mm512_set1_epi64(static_cast<long long>(keys[j]));
      even = _mm512_mask_add_epi64(even, _mm512_cmplt_epu64_mask(a, mine), even, one);
    }
    alignas(64) uint64_t ranks[8];
    _mm512_store_si512(ranks, _mm512_add_epi64(even, odd));
    for (size_t lane = 0; lane < 8 && i0 + lane < n; ++lane) {
      out[ranks[lane]] = keys[i0 + lane];
      written[ranks[lane]] = true;
    }
  }
  for (size_t p = 1; p < n; ++p) {
    if (!written[p]) out[p] = out[p - 1];
  }
}

RankSortFn choose() {
  if (avx512_allowed() && __builtin_cpu_supports("avx512f")) {
    return rank_sort_avx512;
  }
  return nullptr;
}

}  // namespace

RankSortFn rank_sort_kernel() {
  static const RankSortFn kChosen = choose();
  return kChosen;
}

}  // namespace tessera::index_detail
