#include "fold_scores.h"

#include <algorithm>
#include <bit>

#include "simd_builds.h"

namespace tessera::index_detail {

namespace {

// Bit j set when scores[j] > threshold, for 4 scores (SSE2, x86-64's baseline).
[[gnu::always_inline]] inline uint32_t above4(const float* scores, __m128 threshold) {
  return static_cast<uint32_t>(_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(scores), threshold)));
}

// Bit j set when scores[j] > threshold, for 16 scores.
[[gnu::always_inline]] inline uint32_t above16(const float* scores, __m128 threshold) {
  return above4(scores, threshold) | above4(scores + 4, threshold) << 4 |
         above4(scores + 8, threshold) << 8 | above4(scores + 12, threshold) << 12;
}

// Candidates soon become rare: a vectorized compare of 16 scores at a time with the threshold
// leaves a mask of the few above it, visited without a branch per score.
void fold_sse2(const float* row, int64_t b0, int64_t count, const uint8_t* removed,
               FloatCollector& collector) {
  float threshold = collector.threshold();
  __m128 limit = _mm_set1_ps(threshold);
  const auto visit = [&](uint32_t mask, int64_t j0) {
    for (; mask != 0; mask &= mask - 1) {
      const int64_t j = j0 + std::countr_zero(mask);
      if (row[j] > threshold && (removed == nullptr || removed[b0 + j] == 0) &&
          collector.add(row[j], b0 + j)) {
        threshold = collector.threshold();
        limit = _mm_set1_ps(threshold);
      }
    }
  };
  int64_t j0 = 0;
  for (; j0 + 16 <= count; j0 += 16) visit(above16(row + j0, limit), j0);
  for (; j0 + 4 <= count; j0 += 4) visit(above4(row + j0, limit), j0);
  for (; j0 < count; ++j0) visit(row[j0] > threshold ? 1u : 0u, j0);
}

// Rows staged at a time by the AVX-512 build: its buffers stay on the stack, in L1.
constexpr int64_t kStageRows = 1024;

// Runs of kStageRows: the scores above the threshold at the run's start and their offsets are
// compressed into buffers (every register is stored; the count advances by the mask's
// popcount), then added in order; a threshold raised meanwhile is checked again there.
[[gnu::target("avx512f")]] void fold_avx512(const float* row, int64_t b0, int64_t count,
                                            const uint8_t* removed, FloatCollector& collector) {
  float scores[kStageRows + 16];
  int32_t offsets[kStageRows + 16];
  for (int64_t r0 = 0; r0 < count; r0 += kStageRows) {
    const int64_t rows = std::min(kStageRows, count - r0);
    float threshold = collector.threshold();
    const __m512 limit = _mm512_set1_ps(threshold);
    const __m512i sixteen = _mm512_set1_epi32(16);
    __m512i offset = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int64_t staged = 0;
    for (int64_t j = 0; j < rows; j += 16) {
      const auto valid = static_cast<__mmask16>(rows - j >= 16 ? 0xffff : (1u << (rows - j)) - 1);
      const __m512 s = _mm512_maskz_loadu_ps(valid, row + r0 + j);
      const __mmask16 above = _mm512_mask_cmp_ps_mask(valid, s, limit, _CMP_GT_OQ);
      _mm512_storeu_ps(scores + staged, _mm512_maskz_compress_ps(above, s));
      _mm512_storeu_si512(offsets + staged, _mm512_maskz_compress_epi32(above, offset));
      staged += std::popcount(static_cast<uint32_t>(above));
      offset = _mm512_add_epi32(offset, sixteen);
    }
    for (int64_t i = 0; i < staged; ++i) {
      const int64_t id = b0 + r0 + offsets[i];
      if (scores[i] > threshold && (removed == nullptr || removed[id] == 0) &&
          collector.add(scores[i], id)) {
        threshold = collector.threshold();
      }
    }
  }
}

using FoldFn = void (*)(const float*, int64_t, int64_t, const uint8_t*, FloatCollector&);

struct Chosen {
  FoldFn fold;
  const char* name;
};

Chosen choose() {
  if (avx512_allowed() && __builtin_cpu_supports("avx512f")) {
    return {fold_avx512, "avx512"};
  }
  return {fold_sse2, "sse2"};
}

const Chosen& chosen() {
  static const Chosen kChosen = choose();
  return kChosen;
}

}  // namespace

void fold_scores(const float* row, int64_t b0, int64_t count, const uint8_t* removed,
                 FloatCollector& collector) {
  chosen().fold(row, b0, count, removed, collector);
}

const char* fold_kernel_name() { return chosen().name; }

}  // namespace tessera::index_detail
