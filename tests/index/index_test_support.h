// Helpers of the index tests: random unit vectors, and file bytes to corrupt.
#pragma once

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../core/test_support.h"
#include "tessera/index/exact_search.h"
#include "tessera/index/index_file.h"

namespace tessera::testing {

// rows x dim vectors, uniform in [-1, 1) then scaled to unit length.
inline Tensor random_unit_vectors(int64_t rows, int64_t dim, Rng& rng) {
  Tensor t = random_tensor({rows, dim}, rng);
  for (int64_t r = 0; r < rows; ++r) {
    double norm = 0;
    for (int64_t c = 0; c < dim; ++c) norm += static_cast<double>(t.row(r)[c]) * t.row(r)[c];
    const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (int64_t c = 0; c < dim; ++c) t.row(r)[c] *= scale;
  }
  return t;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// The share of each query's k exact neighbours that `found` also returns.
inline double recall_at_k(const TopK& found, const TopK& exact) {
  int64_t hits = 0, total = 0;
  for (int64_t q = 0; q < exact.num_queries; ++q) {
    for (const int64_t id : exact.ids_of(q)) {
      if (id < 0) continue;
      ++total;
      for (const int64_t other : found.ids_of(q)) hits += other == id ? 1 : 0;
    }
  }
  return total == 0 ? 1.0 : static_cast<double>(hits) / static_cast<double>(total);
}

// Writes an index file's bytes after its payload was edited, with the checksum made right again,
// so that a test reaches the field checks behind it.
inline void write_with_checksum(const std::string& path, std::vector<uint8_t> bytes) {
  const size_t body = bytes.size() - 8;
  const uint64_t sum = checksum(std::span<const uint8_t>(bytes.data(), body));
  std::memcpy(bytes.data() + body, &sum, 8);
  write_bytes(path, bytes);
}

}  // namespace tessera::testing
