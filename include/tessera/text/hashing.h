// The hash functions behind tessera's hashed features. They are part of every saved model's
// meaning: a model must featurize identically forever, so these are fixed, versioned
// (FeaturizerConfig::hash_version) and pinned by golden-value tests (tests/text/hashing_test.cpp).
// Change nothing here; add a new version instead.
//
// hash_version 1:
//   word hash        h(w)  = FNV-1a 32-bit over w's UTF-8 bytes (offset 2166136261, prime 16777619)
//   word n-gram      x     = h(w1) XOR seed;  x = x * 116049371 + h(wk) for k = 2..n  (mod 2^64)
//   char n-gram      x     = (h(g) XOR seed) * 116049371 + 0x9E3779B97F4A7C15      (mod 2^64)
//   bucket                 = x mod buckets
// With seed 0 a bigram's bucket is (h(w1) * 116049371 + h(w2)) mod 2^64 mod buckets, exactly the
// peer's (../shared/bench/torch_static_mnrl.py), so tessera and the peer featurize identically.
// The character n-gram constant keeps a character n-gram from landing, systematically, in the
// same bucket as the word unigram hash of the same bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tessera {

inline constexpr uint32_t kFnv1aOffset = 2166136261u;
inline constexpr uint32_t kFnv1aPrime = 16777619u;
inline constexpr uint64_t kNgramMultiplier = 116049371u;
inline constexpr uint64_t kCharNgramSalt = 0x9E3779B97F4A7C15ull;
// The newest (and, so far, only) hash version.
inline constexpr int kCurrentHashVersion = 1;

// FNV-1a 32-bit over the bytes of text.
constexpr uint32_t fnv1a32(std::string_view text) noexcept {
  uint32_t hash = kFnv1aOffset;
  for (const char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= kFnv1aPrime;
  }
  return hash;
}

// The 64-bit mix of a word n-gram from its words' hashes (at least two), before `mod buckets`.
constexpr uint64_t word_ngram_hash(std::span<const uint32_t> word_hashes, uint64_t seed) noexcept {
  uint64_t x = static_cast<uint64_t>(word_hashes[0]) ^ seed;
  for (size_t k = 1; k < word_hashes.size(); ++k) x = x * kNgramMultiplier + word_hashes[k];
  return x;
}

// The 64-bit mix of one character n-gram (its UTF-8 bytes, boundary markers included).
constexpr uint64_t char_ngram_hash(std::string_view gram, uint64_t seed) noexcept {
  return ((static_cast<uint64_t>(fnv1a32(gram)) ^ seed) * kNgramMultiplier) + kCharNgramSalt;
}

}  // namespace tessera
