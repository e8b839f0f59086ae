#include "tessera/index/binary_codes.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "hamming_collector.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {

using Collector = index_detail::HammingCollector;

constexpr int64_t kQueryBlock = 32;
// Base codes per block: 256 KiB of codes stay in L2 while a query block scans them.
constexpr int64_t kBaseBlockBytes = 256 << 10;

// The Hamming distance of two codes of `code_bytes` bytes. kWords > 0: codes of exactly kWords
// 64-bit words, unrolled into independent popcounts (the common widths 64 to 1024 bits);
// kWords == 0: any width.
template <int kWords>
[[gnu::always_inline]] inline int32_t distance_words(const uint8_t* a, const uint8_t* b,
                                                     int64_t code_bytes) {
  if constexpr (kWords > 0) {
    int32_t partial[kWords];
    for (int w = 0; w < kWords; ++w) {
      uint64_t x, y;
      std::memcpy(&x, a + 8 * w, 8);
      std::memcpy(&y, b + 8 * w, 8);
      partial[w] = __builtin_popcountll(x ^ y);
    }
    int32_t distance = 0;
    for (int w = 0; w < kWords; ++w) distance += partial[w];
    return distance;
  } else {
    int32_t distance = 0;
    int64_t i = 0;
    for (; i + 8 <= code_bytes; i += 8) {
      uint64_t x = 0, y = 0;
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      distance += __builtin_popcountll(x ^ y);
    }
    for (; i < code_bytes; ++i) distance += __builtin_popcount(static_cast<unsigned>(a[i] ^ b[i]));
    return distance;
  }
}

using ScanFn = void (*)(const BinaryCodes& queries, int64_t q0, int64_t q1, const BinaryCodes& base,
                        int64_t b0, int64_t b1, const uint8_t* removed, Collector* collectors);

// Folds base codes [b0, b1) into the collectors of queries [q0, q1).
template <int kWords>
[[gnu::always_inline]] inline void scan_block(const BinaryCodes& queries, int64_t q0, int64_t q1,
                                              const BinaryCodes& base, int64_t b0, int64_t b1,
                                              const uint8_t* removed, Collector* collectors) {
  const int64_t bytes = base.code_bytes;
  for (int64_t q = q0; q < q1; ++q) {
    Collector& collector = collectors[q - q0];
    const uint8_t* query = queries.code(q);
    int32_t threshold = collector.threshold();
    for (int64_t i = b0; i < b1; ++i) {
      const int32_t distance = distance_words<kWords>(query, base.code(i), bytes);
      if (distance < threshold && (removed == nullptr || removed[i] == 0) &&
          collector.add(distance, i)) {
        threshold = collector.threshold();
      }
    }
  }
}

// The scan for the code width: unrolled for 1, 2, 4, 8 or 16 whole words, generic otherwise.
[[gnu::always_inline]] inline void scan_any(const BinaryCodes& queries, int64_t q0, int64_t q1,
                                            const BinaryCodes& base, int64_t b0, int64_t b1,
                                            const uint8_t* removed, Collector* collectors) {
  switch (base.code_bytes) {
    case 8:
      return scan_block<1>(queries, q0, q1, base, b0, b1, removed, collectors);
    case 16:
      return scan_block<2>(queries, q0, q1, base, b0, b1, removed, collectors);
    case 32:
      return scan_block<4>(queries, q0, q1, base, b0, b1, removed, collectors);
    case 64:
      return scan_block<8>(queries, q0, q1, base, b0, b1, removed, collectors);
    case 128:
      return scan_block<16>(queries, q0, q1, base, b0, b1, removed, collectors);
    default:
      return scan_block<0>(queries, q0, q1, base, b0, b1, removed, collectors);
  }
}

// Two builds of the same loop: with the POPCNT instruction, and portable (__builtin_popcount
// then becomes a table routine), picked once at run time.
__attribute__((target("popcnt"))) void scan_popcnt(const BinaryCodes& queries, int64_t q0,
                                                   int64_t q1, const BinaryCodes& base, int64_t b0,
                                                   int64_t b1, const uint8_t* removed,
                                                   Collector* collectors) {
  scan_any(queries, q0, q1, base, b0, b1, removed, collectors);
}

void scan_generic(const BinaryCodes& queries, int64_t q0, int64_t q1, const BinaryCodes& base,
                  int64_t b0, int64_t b1, const uint8_t* removed, Collector* collectors) {
  scan_any(queries, q0, q1, base, b0, b1, removed, collectors);
}

ScanFn scan_kernel() {
  static const ScanFn kernel = __builtin_cpu_supports("popcnt") ? scan_popcnt : scan_generic;
  return kernel;
}

void check_codes(const BinaryCodes& codes, const char* what) {
  TESSERA_CHECK(codes.size >= 0 && codes.bits >= 1 && codes.code_bytes == (codes.bits + 7) / 8 &&
                    static_cast<int64_t>(codes.data.size()) == codes.size * codes.code_bytes,
                "{} codes are inconsistent: {} codes of {} bits, {} bytes each, {} bytes held",
                what, codes.size, codes.bits, codes.code_bytes, codes.data.size());
}

HammingTopK make_result(const BinaryCodes& queries, const BinaryCodes& base, int64_t k) {
  check_codes(queries, "query");
  check_codes(base, "base");
  TESSERA_CHECK(queries.bits == base.bits, "query codes have {} bits, base codes {}", queries.bits,
                base.bits);
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  HammingTopK result;
  result.num_queries = queries.size;
  result.k = k;
  result.ids.resize(static_cast<size_t>(queries.size * k));
  result.distances.resize(static_cast<size_t>(queries.size * k));
  return result;
}

}  // namespace

BinaryCodes pack_sign_bits(const Tensor& vectors) {
  TESSERA_CHECK(vectors.ndim() == 2 && vectors.cols() >= 1,
                "sign codes need a 2-d tensor with columns, got {}", vectors.shape_string());
  BinaryCodes codes;
  codes.size = vectors.rows();
  codes.bits = vectors.cols();
  codes.code_bytes = binary_code_bytes(codes.bits);
  codes.data = quantize_binary(vectors);
  return codes;
}

HammingTopK hamming_top_k(const BinaryCodes& queries, const BinaryCodes& base, int64_t k,
                          const uint8_t* removed) {
  HammingTopK result = make_result(queries, base, k);
  const int64_t nq = queries.size;
  const int64_t n = base.size;
  const int64_t base_block = std::max<int64_t>(64, kBaseBlockBytes / base.code_bytes);
  const int64_t num_query_blocks = (nq + kQueryBlock - 1) / kQueryBlock;
  const ScanFn scan = scan_kernel();
  std::vector<std::vector<Collector>> scratch(static_cast<size_t>(num_threads()));
  parallel_for_dynamic(
      num_query_blocks,
      [&](int64_t block_begin, int64_t block_end, int thread) {
        std::vector<Collector>& collectors = scratch[static_cast<size_t>(thread)];
        collectors.resize(static_cast<size_t>(kQueryBlock));
        for (int64_t block = block_begin; block < block_end; ++block) {
          const int64_t q0 = block * kQueryBlock;
          const int64_t q1 = std::min(nq, q0 + kQueryBlock);
          for (int64_t q = q0; q < q1; ++q) {
            collectors[static_cast<size_t>(q - q0)].reset(k, static_cast<int32_t>(base.bits));
          }
          for (int64_t b0 = 0; b0 < n; b0 += base_block) {
            scan(queries, q0, q1, base, b0, std::min(n, b0 + base_block), removed,
                 collectors.data());
          }
          for (int64_t q = q0; q < q1; ++q) {
            collectors[static_cast<size_t>(q - q0)].drain(result.distances.data() + q * k,
                                                          result.ids.data() + q * k,
                                                          std::numeric_limits<int32_t>::max());
          }
        }
      },
      1);
  return result;
}

HammingTopK hamming_top_k_naive(const BinaryCodes& queries, const BinaryCodes& base, int64_t k) {
  HammingTopK result = make_result(queries, base, k);
  std::vector<int32_t> distances(static_cast<size_t>(base.size));
  std::vector<int64_t> order(static_cast<size_t>(base.size));
  for (int64_t q = 0; q < queries.size; ++q) {
    for (int64_t i = 0; i < base.size; ++i) {
      int32_t distance = 0;
      for (int64_t bit = 0; bit < base.bits; ++bit) {
        const auto mask = static_cast<uint8_t>(0x80u >> (bit & 7));
        distance += ((queries.code(q)[bit >> 3] ^ base.code(i)[bit >> 3]) & mask) != 0 ? 1 : 0;
      }
      distances[static_cast<size_t>(i)] = distance;
    }
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return distances[static_cast<size_t>(a)] < distances[static_cast<size_t>(b)];
    });
    for (int64_t j = 0; j < k; ++j) {
      const bool filled = j < base.size;
      const auto slot = static_cast<size_t>(q * k + j);
      const int64_t id = filled ? order[static_cast<size_t>(j)] : -1;
      result.ids[slot] = id;
      result.distances[slot] =
          filled ? distances[static_cast<size_t>(id)] : std::numeric_limits<int32_t>::max();
    }
  }
  return result;
}

}  // namespace tessera
