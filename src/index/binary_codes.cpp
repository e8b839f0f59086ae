#include "tessera/index/binary_codes.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "hamming_collector.h"
#include "hamming_distances.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {

using Collector = index_detail::HammingCollector;

constexpr int64_t kQueryBlock = 32;
// Base codes per block: 256 KiB of codes stay in L2 while a query block scans them.
constexpr int64_t kBaseBlockBytes = 256 << 10;
// Distances computed at a time for one query: a buffer that stays in L1.
constexpr int64_t kChunk = Collector::kMaxRun;
// Reservoirs for at most this k stay allocated in each thread between searches (about 1.3 MiB a
// thread at this k).
constexpr int64_t kKeptReservoirK = 1000;
// The widest codes whose distances fit the kernels' 16-bit output.
constexpr int64_t kMaxBits = 65535;

// Codes sampled for a first guess of a query's threshold: kSampleRuns runs of kSampleRun codes,
// spread evenly over the base.
constexpr int64_t kSampleRuns = 4;
constexpr int64_t kSampleRun = 64;

// Per query of [q0, q1), a threshold that about 2k of the n base codes are expected to fall
// below, from the distances of a sample; max_distance + 1 (no guess) when the base is too small
// for a sample to pay off. The reservoir then fills with near candidates from the start instead
// of lowering its threshold step by step; a guess that lets fewer than k codes through is caught
// by the caller, which scans again without one. Word-major codes are sampled a few queries at a
// time, as the scan reads them.
void guess_thresholds(index_detail::HammingDistancesFn distances_of,
                      const index_detail::WordMajorCodes* word_major, const BinaryCodes& queries,
                      int64_t q0, int64_t q1, const BinaryCodes& base, int64_t k,
                      int32_t* thresholds) {
  const int64_t n = base.size;
  const auto max_distance = static_cast<int32_t>(base.bits);
  const int64_t sample = kSampleRuns * kSampleRun;
  const int64_t wanted = (2 * k * sample + n - 1) / n + 2;  // sample codes at or below the guess
  if (n < 4 * sample || wanted > sample / 2) {
    std::fill(thresholds, thresholds + (q1 - q0), max_distance + 1);
    return;
  }
  const index_detail::WordMajorDistancesFn word_major_distances =
      word_major == nullptr ? nullptr : index_detail::word_major_distances_kernel();
  const int64_t group = word_major_distances != nullptr ? index_detail::kWordMajorQueries : 1;
  alignas(64) uint16_t distances[index_detail::kWordMajorQueries * kSampleRuns * kSampleRun];
  for (int64_t q = q0; q < q1; q += group) {
    const int64_t count = std::min(group, q1 - q);
    for (int64_t r = 0; r < kSampleRuns; ++r) {
      // Runs start at multiples of 8, as word-major blocks do.
      const int64_t first = r * (n - kSampleRun) / (kSampleRuns - 1) / 8 * 8;
      if (word_major_distances != nullptr) {
        word_major_distances(queries.code(q), count, *word_major, first, kSampleRun,
                             distances + r * kSampleRun, sample);
      } else {
        distances_of(queries.code(q), base.code(first), kSampleRun, base.code_bytes,
                     distances + r * kSampleRun);
      }
    }
    for (int64_t a = 0; a < count; ++a) {
      const index_detail::KthDistance kth = index_detail::hamming_select().kth_distance(
          distances + a * sample, sample, wanted, max_distance);
      thresholds[q - q0 + a] = kth.distance + 1;
    }
  }
}

// Folds base codes [b0, b1) into the collectors of queries [q0, q1), a chunk of distances at a
// time.
void scan_block(index_detail::HammingDistancesFn distances_of,
                const index_detail::WordMajorCodes* word_major, const BinaryCodes& queries,
                int64_t q0, int64_t q1, const BinaryCodes& base, int64_t b0, int64_t b1,
                const uint8_t* removed, Collector* collectors) {
  const index_detail::WordMajorDistancesFn word_major_distances =
      word_major == nullptr ? nullptr : index_detail::word_major_distances_kernel();
  if (word_major_distances != nullptr) {  // a few queries a pass over the codes
    constexpr int64_t kGroup = index_detail::kWordMajorQueries;
    alignas(64) uint16_t distances[kGroup * kChunk];
    for (int64_t q = q0; q < q1; q += kGroup) {
      const int64_t group = std::min(kGroup, q1 - q);
      for (int64_t c0 = b0; c0 < b1; c0 += kChunk) {
        const int64_t count = std::min(kChunk, b1 - c0);
        word_major_distances(queries.code(q), group, *word_major, c0, count, distances, kChunk);
        for (int64_t a = 0; a < group; ++a) {
          collectors[q - q0 + a].add(distances + a * kChunk, count, c0, removed);
        }
      }
    }
    return;
  }
  alignas(64) uint16_t distances[kChunk];
  for (int64_t q = q0; q < q1; ++q) {
    Collector& collector = collectors[q - q0];
    for (int64_t c0 = b0; c0 < b1; c0 += kChunk) {
      const int64_t count = std::min(kChunk, b1 - c0);
      distances_of(queries.code(q), base.code(c0), count, base.code_bytes, distances);
      collector.add(distances, count, c0, removed);
    }
  }
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
  TESSERA_CHECK(base.bits <= kMaxBits, "Hamming search takes codes of at most {} bits, got {}",
                kMaxBits, base.bits);
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
                          const uint8_t* removed, const index_detail::WordMajorCodes* word_major,
                          bool sorted) {
  HammingTopK result = make_result(queries, base, k);
  TESSERA_CHECK(word_major == nullptr || (base.code_bytes == 32 && word_major->size() == base.size),
                "word-major codes must be the base's 256-bit codes");
  const int64_t nq = queries.size;
  const int64_t n = base.size;
  const int64_t base_block = std::max<int64_t>(64, kBaseBlockBytes / base.code_bytes);
  const int64_t num_query_blocks = (nq + kQueryBlock - 1) / kQueryBlock;
  const index_detail::HammingDistancesFn distances_of = index_detail::hamming_distances_kernel();
  parallel_for_dynamic(
      num_query_blocks,
      [&](int64_t block_begin, int64_t block_end, int) {
        // Each thread's reservoirs outlive the call (a funnel searches a few queries a call),
        // unless they are deep enough for their memory to matter.
        thread_local std::vector<Collector> kept(static_cast<size_t>(kQueryBlock));
        std::vector<Collector> deep;
        if (k > kKeptReservoirK) deep.resize(static_cast<size_t>(kQueryBlock));
        std::vector<Collector>& collectors = k > kKeptReservoirK ? deep : kept;
        for (int64_t block = block_begin; block < block_end; ++block) {
          const int64_t q0 = block * kQueryBlock;
          const int64_t q1 = std::min(nq, q0 + kQueryBlock);
          const auto max_distance = static_cast<int32_t>(base.bits);
          int32_t guesses[kQueryBlock];
          guess_thresholds(distances_of, word_major, queries, q0, q1, base, k, guesses);
          for (int64_t q = q0; q < q1; ++q) {
            collectors[static_cast<size_t>(q - q0)].reset(k, max_distance, guesses[q - q0]);
          }
          for (int64_t b0 = 0; b0 < n; b0 += base_block) {
            scan_block(distances_of, word_major, queries, q0, q1, base, b0,
                       std::min(n, b0 + base_block), removed, collectors.data());
          }
          for (int64_t q = q0; q < q1; ++q) {  // a guess too tight: this query again, without it
            Collector& collector = collectors[static_cast<size_t>(q - q0)];
            if (collector.size() >= std::min(k, n) || collector.threshold() > max_distance) {
              continue;
            }
            collector.reset(k, max_distance);
            for (int64_t b0 = 0; b0 < n; b0 += base_block) {
              scan_block(distances_of, word_major, queries, q, q + 1, base, b0,
                         std::min(n, b0 + base_block), removed, &collector);
            }
          }
          for (int64_t q = q0; q < q1; ++q) {
            collectors[static_cast<size_t>(q - q0)].drain(
                result.distances.data() + q * k, result.ids.data() + q * k,
                std::numeric_limits<int32_t>::max(), sorted);
          }
        }
      },
      1);
  return result;
}

std::string_view hamming_kernel() { return index_detail::hamming_kernel_name(); }

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
