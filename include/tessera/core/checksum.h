// The checksum of tessera's files (index files, model files, index directories): 64-bit words
// mixed by multiply-rotate, then the length. Fast enough not to show next to the disk; catches
// flipped bits, truncations and appended bytes, not an adversary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tessera {

// Incremental: update() with any split of the bytes gives the value of one call over all.
class Checksum {
 public:
  void update(const void* data, size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  uint64_t value() const;  // of the bytes so far (update may go on after)

 private:
  uint64_t hash_ = 0x9E3779B97F4A7C15ull;
  uint8_t tail_[8] = {};  // bytes not yet mixed (fewer than 8)
  size_t tail_size_ = 0;
  uint64_t total_ = 0;
};

uint64_t checksum(std::span<const uint8_t> bytes);

// 16 lower-case hex digits, as the value is stored in text (JSON metadata, manifests).
std::string checksum_hex(uint64_t value);

}  // namespace tessera
