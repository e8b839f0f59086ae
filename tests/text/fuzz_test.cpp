// Random bytes through normalization and tokenization in replacement mode: no crash, no
// exception, and valid UTF-8 out, whatever the input (run under ASan/UBSan in CI).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tessera/core/utf8.h"
#include "tessera/text/normalize.h"
#include "tessera/text/tokenizer.h"

namespace tessera {
namespace {

TEST(TextFuzz, RandomBytesGiveValidUtf8) {
  std::mt19937 gen(20240601);
  // Bias toward bytes that build (and break) multi-byte sequences.
  const std::string alphabet =
      "aZ09 .,\t\n\x80\xBF\xC0\xC1\xC2\xC3\xDF\xE0\xE4\xED\xEF\xF0\xF4\xF5\xFF\xA0\x9F\x90\x8F";
  TokenizerOptions options;
  options.normalize.on_invalid_utf8 = InvalidUtf8::kReplace;
  options.keep_punctuation = true;
  const Tokenizer tokenizer(options);
  TokenizerOptions stemming = options;
  stemming.stem = true;
  stemming.normalize.strip_accents = true;
  const Tokenizer stemmer(stemming);
  for (int iteration = 0; iteration < 10000; ++iteration) {
    std::string bytes(std::uniform_int_distribution<size_t>(0, 40)(gen), '\0');
    const bool uniform = iteration % 2 == 0;
    for (char& c : bytes) {
      c = uniform ? static_cast<char>(std::uniform_int_distribution<int>(0, 255)(gen))
                  : alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(gen)];
    }
    const std::string normalized = normalize_text(bytes, options.normalize);
    ASSERT_TRUE(is_valid_utf8(normalized)) << iteration;
    for (const Tokenizer* t : {&tokenizer, &stemmer}) {
      for (const std::string& token : t->tokenize(bytes)) {
        ASSERT_FALSE(token.empty()) << iteration;
        ASSERT_TRUE(is_valid_utf8(token)) << iteration;
      }
    }
    ASSERT_TRUE(is_valid_utf8(replace_invalid_utf8(bytes))) << iteration;
  }
}

}  // namespace
}  // namespace tessera
