#include "hamming_select.h"

#include <bit>

#include "simd_builds.h"

namespace tessera::index_detail {

namespace {

// How many of the n distances are at or below t.
int64_t count_at_most_generic(const uint16_t* distances, int64_t n, int32_t t) {
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += distances[i] <= t ? 1 : 0;
  return count;
}

// A binary search over [0, max_distance] with count_at_most(t) counting: about log2(bits)
// passes over the distances, each a run of compares without branches.
template <typename CountAtMost>
KthDistance kth_by_counting(int64_t rank, int32_t max_distance, const CountAtMost& count_at_most) {
  int32_t lo = 0, hi = max_distance;
  int64_t below = 0;  // count_at_most(lo - 1)
  while (lo < hi) {
    const int32_t mid = lo + (hi - lo) / 2;
    const int64_t count = count_at_most(mid);
    if (count >= rank) {
      hi = mid;
    } else {
      lo = mid + 1;
      below = count;
    }
  }
  return {lo, below};
}

int64_t collect_generic(const uint16_t* distances, int64_t n, int64_t first, int32_t threshold,
                        const uint8_t* removed, uint16_t* out_distances, int64_t* out_ids) {
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    out_distances[count] = distances[i];
    out_ids[count] = first + i;
    const bool kept = distances[i] < threshold && (removed == nullptr || removed[first + i] == 0);
    count += kept ? 1 : 0;
  }
  return count;
}

KthDistance kth_distance_generic(const uint16_t* distances, int64_t n, int64_t rank,
                                 int32_t max_distance) {
  return kth_by_counting(rank, max_distance,
                         [&](int32_t t) { return count_at_most_generic(distances, n, t); });
}

int64_t keep_generic(uint16_t* distances, int64_t* ids, int64_t n, int32_t t, int64_t at_t) {
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t distance = distances[i];
    const bool tie = distance == t && at_t > 0;
    const bool keep = distance < t || tie;
    at_t -= tie ? 1 : 0;
    distances[kept] = distance;
    ids[kept] = ids[i];
    kept += keep ? 1 : 0;
  }
  return kept;
}

#define TESSERA_AVX512_SELECT "avx512f,avx512bw,avx512vl,avx512vbmi2,bmi2,popcnt"

// Lanes [0, n) of a run of 32 (all when n >= 32).
[[gnu::target(TESSERA_AVX512_SELECT), gnu::always_inline]] inline __mmask32 first_lanes(int64_t n) {
  return n >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((uint32_t{1} << n) - 1);
}

[[gnu::target(TESSERA_AVX512_SELECT)]] int64_t count_at_most_avx512(const uint16_t* distances,
                                                                    int64_t n, int32_t t) {
  const __m512i limit = _mm512_set1_epi16(static_cast<int16_t>(t));
  int64_t count = 0;
  for (int64_t i = 0; i < n; i += 32) {
    const __mmask32 valid = first_lanes(n - i);
    const __m512i d = _mm512_maskz_loadu_epi16(valid, distances + i);
    count += std::popcount(static_cast<uint32_t>(_mm512_mask_cmple_epu16_mask(valid, d, limit)));
  }
  return count;
}

// 32 distances a step: the lanes below the threshold compress into the output, their indices
// likewise, widened to ids 8 at a time (once for the usual 8 or fewer).
[[gnu::target(TESSERA_AVX512_SELECT)]] int64_t collect_avx512(const uint16_t* distances, int64_t n,
                                                              int64_t first, int32_t threshold,
                                                              const uint8_t* removed,
                                                              uint16_t* out_distances,
                                                              int64_t* out_ids) {
  if (threshold <= 0) return 0;
  const __m512i limit = _mm512_set1_epi16(static_cast<int16_t>(std::min(threshold - 1, 65535)));
  const __m512i lanes = _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
                                         16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  alignas(64) uint16_t indices[32];
  int64_t count = 0;
  for (int64_t i = 0; i < n; i += 32) {
    const __mmask32 valid = first_lanes(n - i);
    const __m512i d = _mm512_maskz_loadu_epi16(valid, distances + i);
    __mmask32 kept = _mm512_mask_cmple_epu16_mask(valid, d, limit);
    if (removed != nullptr) {
      const __m256i flags = _mm256_maskz_loadu_epi8(valid, removed + first + i);
      kept &= ~_mm256_test_epi8_mask(flags, flags);
    }
    _mm512_storeu_si512(out_distances + count, _mm512_maskz_compress_epi16(kept, d));
    _mm512_store_si512(indices, _mm512_maskz_compress_epi16(kept, lanes));
    const __m512i base = _mm512_set1_epi64(first + i);
    const int found = std::popcount(static_cast<uint32_t>(kept));
    int j = 0;
    do {
      const __m128i eight = _mm_load_si128(reinterpret_cast<const __m128i*>(indices + j));
      _mm512_storeu_si512(out_ids + count + j,
                          _mm512_add_epi64(base, _mm512_cvtepu16_epi64(eight)));
      j += 8;
    } while (j < found);
    count += found;
  }
  return count;
}

[[gnu::target(TESSERA_AVX512_SELECT)]] KthDistance kth_distance_avx512(const uint16_t* distances,
                                                                       int64_t n, int64_t rank,
                                                                       int32_t max_distance) {
  return kth_by_counting(rank, max_distance,
                         [&](int32_t t) { return count_at_most_avx512(distances, n, t); });
}

// 32 entries a step, read before any is written: a step's writes land at or before its reads.
[[gnu::target(TESSERA_AVX512_SELECT)]] int64_t keep_avx512(uint16_t* distances, int64_t* ids,
                                                           int64_t n, int32_t t, int64_t at_t) {
  const __m512i limit = _mm512_set1_epi16(static_cast<int16_t>(t));
  int64_t kept = 0;
  for (int64_t i = 0; i < n; i += 32) {
    const __mmask32 valid = first_lanes(n - i);
    const __m512i d = _mm512_maskz_loadu_epi16(valid, distances + i);
    __m512i id0 = _mm512_maskz_loadu_epi64(static_cast<__mmask8>(valid), ids + i);
    __m512i id1 = _mm512_maskz_loadu_epi64(static_cast<__mmask8>(valid >> 8), ids + i + 8);
    __m512i id2 = _mm512_maskz_loadu_epi64(static_cast<__mmask8>(valid >> 16), ids + i + 16);
    __m512i id3 = _mm512_maskz_loadu_epi64(static_cast<__mmask8>(valid >> 24), ids + i + 24);
    const __mmask32 below = _mm512_mask_cmplt_epu16_mask(valid, d, limit);
    auto ties = static_cast<uint32_t>(_mm512_mask_cmpeq_epu16_mask(valid, d, limit));
    if (std::popcount(ties) > at_t) {  // the first at_t ties only (at_t < 32 here)
      ties = _pdep_u32((uint32_t{1} << at_t) - 1, ties);
    }
    at_t -= std::popcount(ties);
    const uint32_t keep = static_cast<uint32_t>(below) | ties;
    _mm512_storeu_si512(distances + kept, _mm512_maskz_compress_epi16(keep, d));
    int64_t at = kept;
    _mm512_storeu_si512(ids + at, _mm512_maskz_compress_epi64(static_cast<__mmask8>(keep), id0));
    at += std::popcount(keep & 0xffu);
    _mm512_storeu_si512(ids + at,
                        _mm512_maskz_compress_epi64(static_cast<__mmask8>(keep >> 8), id1));
    at += std::popcount(keep & 0xff00u);
    _mm512_storeu_si512(ids + at,
                        _mm512_maskz_compress_epi64(static_cast<__mmask8>(keep >> 16), id2));
    at += std::popcount(keep & 0xff0000u);
    _mm512_storeu_si512(ids + at,
                        _mm512_maskz_compress_epi64(static_cast<__mmask8>(keep >> 24), id3));
    kept += std::popcount(keep);
  }
  return kept;
}

HammingSelect choose() {
  if (avx512_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi2") &&
      __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt")) {
    return {collect_avx512, kth_distance_avx512, keep_avx512, "avx512"};
  }
  return {collect_generic, kth_distance_generic, keep_generic, "generic"};
}

}  // namespace

const HammingSelect& hamming_select() {
  static const HammingSelect kChosen = choose();
  return kChosen;
}

}  // namespace tessera::index_detail
