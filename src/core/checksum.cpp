#include "tessera/core/checksum.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace tessera {

namespace {

constexpr uint64_t kMultiplier1 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t kMultiplier2 = 0x165667B19E3779F9ull;

uint64_t mix_word(uint64_t hash, uint64_t word) {
  hash ^= word * kMultiplier1;
  hash = (hash << 31) | (hash >> 33);
  return hash * kMultiplier2;
}

}  // namespace

void Checksum::update(const void* data, size_t size) {
  if (size == 0) return;  // data may be null (an empty span); memcpy must not see it
  const auto* bytes = static_cast<const uint8_t*>(data);
  total_ += size;
  if (tail_size_ > 0) {  // complete the pending word first
    const size_t n = std::min(size, 8 - tail_size_);
    std::memcpy(tail_ + tail_size_, bytes, n);
    tail_size_ += n;
    bytes += n;
    size -= n;
    if (tail_size_ < 8) return;
    uint64_t word;
    std::memcpy(&word, tail_, 8);
    hash_ = mix_word(hash_, word);
    tail_size_ = 0;
  }
  for (; size >= 8; bytes += 8, size -= 8) {
    uint64_t word;
    std::memcpy(&word, bytes, 8);
    hash_ = mix_word(hash_, word);
  }
  std::memcpy(tail_, bytes, size);
  tail_size_ = size;
}

uint64_t Checksum::value() const {
  // The tail (zero-padded) and the total length close the checksum.
  uint64_t word = 0;
  std::memcpy(&word, tail_, tail_size_);
  uint64_t hash = mix_word(hash_, word);
  hash = mix_word(hash, total_);
  hash ^= hash >> 29;
  return hash;
}

uint64_t checksum(std::span<const uint8_t> bytes) {
  Checksum sum;
  sum.update(bytes.data(), bytes.size());
  return sum.value();
}

std::string checksum_hex(uint64_t value) { return fmt::format("{:016x}", value); }

}  // namespace tessera
