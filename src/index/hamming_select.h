// The selection steps of a Hamming scan (hamming_collector.h), over 16-bit distances: collect the
// codes below a threshold, find the k-th smallest distance, keep the nearest stably.
//
// Two builds, picked once at run time: AVX-512 (BW, VL, VBMI2 and BMI2: masked compares,
// compress stores and pdep, 32 distances an instruction, no branch per candidate) and portable
// C++ (branch-free appends). Both give the same results. TESSERA_SIMD=generic or avx2 keeps them
// off AVX-512.
#pragma once

#include <cstdint>

namespace tessera::index_detail {

// Entries past an output's end that collect and keep may write (whole registers): outputs need
// this much room beyond what they return.
inline constexpr int64_t kSelectSlack = 32;

// The smallest distance t with at least `rank` of the n distances at or below it (1 <= rank <=
// n, every distance <= max_distance), and how many are below it.
struct KthDistance {
  int32_t distance;
  int64_t below;
};

struct HammingSelect {
  // Appends (distances[i], first + i) for each i in [0, n) with distances[i] < threshold and,
  // where removed is not null, removed[first + i] == 0, in order of i; returns how many. The
  // outputs need room for n + kSelectSlack entries.
  int64_t (*collect)(const uint16_t* distances, int64_t n, int64_t first, int32_t threshold,
                     const uint8_t* removed, uint16_t* out_distances, int64_t* out_ids);
  KthDistance (*kth_distance)(const uint16_t* distances, int64_t n, int64_t rank,
                              int32_t max_distance);
  // Keeps in place, in order, the entries below t and the first at_t of those at t; returns how
  // many are kept.
  int64_t (*keep)(uint16_t* distances, int64_t* ids, int64_t n, int32_t t, int64_t at_t);
  const char* name;  // "avx512" or "generic"
};

// The build this CPU runs.
const HammingSelect& hamming_select();

}  // namespace tessera::index_detail
