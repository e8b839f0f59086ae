// Sorting a few distinct-or-equal 64-bit keys by counting ranks: each key's place is the number
// of keys below it (plus the equal ones before it, for stability). n^2 compares, but 8 to an
// AVX-512 instruction and none of them a branch: for up to about a hundred keys (a funnel's
// rescored shortlist) several times faster than a radix sort, whose passes each pay for their
// bins. Only where the CPU has AVX-512; top_k_collector.h radix-sorts otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera::index_detail {

// The most keys rank_sort_keys is meant for.
inline constexpr size_t kRankSortMax = 128;

// out[0, n) = keys[0, n) sorted ascending, stable; null when this CPU has no AVX-512 (or
// TESSERA_SIMD rules it out).
using RankSortFn = void (*)(const uint64_t* keys, size_t n, uint64_t* out);
RankSortFn rank_sort_kernel();

}  // namespace tessera::index_detail
