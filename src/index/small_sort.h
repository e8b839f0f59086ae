// Sorting up to 128 64-bit keys in AVX-512 registers: a bitonic network over 1, 2, 4, 8 or 16
// registers of 8 keys (the input padded with the largest key), every compare-exchange a min and
// a max of whole registers, with a lane permute and a blend for partners in the same register.
// About n log^2 n / 8 instructions and no branch: for the hundred or so keys of a funnel's
// rescored shortlist, several times faster than a radix sort, whose passes each pay for their
// bins. Only where the CPU has AVX-512; top_k_collector.h radix-sorts otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera::index_detail {

// The most keys small_sort_keys takes.
inline constexpr size_t kSmallSortMax = 128;

// out[0, n) = keys[0, n) sorted ascending (1 <= n <= kSmallSortMax); null when this CPU has no
// AVX-512 (or TESSERA_SIMD rules it out).
using SmallSortFn = void (*)(const uint64_t* keys, size_t n, uint64_t* out);
SmallSortFn small_sort_kernel();

}  // namespace tessera::index_detail
