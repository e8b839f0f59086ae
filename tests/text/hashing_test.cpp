// Golden values of hash_version 1. These pin the meaning of every saved model's hashed
// features: a failure here means models already trained would featurize differently. Never
// update the numbers; add a new hash_version instead.
#include "tessera/text/hashing.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace tessera {
namespace {

// The peer's formula written out independently: FNV-1a 32-bit, then (h1 * 116049371 + h2)
// wrapping mod 2^64, then mod buckets.
uint32_t reference_fnv1a32(const char* s) {
  uint32_t h = 2166136261u;
  for (; *s != '\0'; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 16777619u;
  return h;
}

TEST(Hashing, Fnv1a32GoldenValues) {
  static_assert(fnv1a32("hello") == 1335831723u);
  EXPECT_EQ(fnv1a32("hello"), 1335831723u);
  EXPECT_EQ(fnv1a32("world"), 933488787u);
  EXPECT_EQ(fnv1a32(""), 2166136261u);
  EXPECT_EQ(fnv1a32("stra\xC3\x9F"
                    "e"),
            640088088u);  // over UTF-8 bytes
  EXPECT_EQ(fnv1a32("stra\xC3\x9F"
                    "e"),
            reference_fnv1a32("stra\xC3\x9F"
                              "e"));
}

TEST(Hashing, BigramMatchesThePeerFormula) {
  const uint64_t buckets = 262144;
  const uint64_t expected = (static_cast<uint64_t>(reference_fnv1a32("hello")) * 116049371u +
                             reference_fnv1a32("world")) %
                            buckets;
  const std::array<uint32_t, 2> words = {fnv1a32("hello"), fnv1a32("world")};
  EXPECT_EQ(word_ngram_hash(words, /*seed=*/0), 155022432149485020ull);
  EXPECT_EQ(word_ngram_hash(words, 0) % buckets, expected);
  EXPECT_EQ(expected, 46556u);
}

TEST(Hashing, TrigramAndSeedGoldenValues) {
  const std::array<uint32_t, 3> abc = {fnv1a32("a"), fnv1a32("b"), fnv1a32("c")};
  EXPECT_EQ(word_ngram_hash(abc, 0), 3495088230149162117ull);
  EXPECT_EQ(word_ngram_hash(abc, 0) % 262144, 33925u);
  EXPECT_EQ(word_ngram_hash(abc, 12345) % 262144, 187782u);
}

TEST(Hashing, CharNgramGoldenValues) {
  EXPECT_EQ(char_ngram_hash("<he", 0) % 262144, 174625u);
  EXPECT_EQ(char_ngram_hash("hel", 0) % 262144, 39279u);
  EXPECT_EQ(char_ngram_hash("lo>", 0) % 262144, 38887u);
  EXPECT_EQ(char_ngram_hash("<hello>", 0) % 262144, 115724u);
  EXPECT_NE(char_ngram_hash("hel", 1) % 262144, 39279u);
}

}  // namespace
}  // namespace tessera
