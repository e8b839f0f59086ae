#include "tessera/core/checksum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tessera {
namespace {

std::span<const uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Index files written by earlier versions carry these values: the function must never change.
TEST(Checksum, PinnedValues) {
  EXPECT_EQ(checksum(bytes_of("")), 0x30aed4c6fd07f2dfull);
  EXPECT_EQ(checksum(bytes_of("tessera checksum, 29 bytes..")), 0x3cedff0c2ca4ede2ull);
  EXPECT_EQ(checksum_hex(0x30aed4c6fd07f2dfull), "30aed4c6fd07f2df");
  EXPECT_EQ(checksum_hex(1), "0000000000000001");
}

TEST(Checksum, AnySplitGivesTheSameValue) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += static_cast<char>('a' + i * 7 % 26);
  const uint64_t whole = checksum(bytes_of(text));
  for (size_t first = 0; first <= text.size(); first += 3) {
    for (size_t second : {size_t{1}, size_t{5}, size_t{8}, size_t{13}}) {
      Checksum sum;
      sum.update(text.substr(0, first));
      for (size_t at = first; at < text.size(); at += second) sum.update(text.substr(at, second));
      EXPECT_EQ(sum.value(), whole) << first << " " << second;
    }
  }
}

TEST(Checksum, NoticesFlipsTruncationAndAppendedZeros) {
  const std::string text(64, 'x');
  const uint64_t base = checksum(bytes_of(text));
  for (size_t i = 0; i < text.size(); ++i) {
    std::string flipped = text;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    EXPECT_NE(checksum(bytes_of(flipped)), base) << i;
  }
  EXPECT_NE(checksum(bytes_of(text.substr(0, 63))), base);
  EXPECT_NE(checksum(bytes_of(text + std::string(1, '\0'))), base);
  EXPECT_NE(checksum(bytes_of(text + std::string(8, '\0'))), base);
}

}  // namespace
}  // namespace tessera
