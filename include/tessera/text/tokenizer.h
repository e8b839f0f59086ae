// Tokenizer: normalized text -> tokens.
//
// Over text normalized by normalize_text (normalize.h), a word is a maximal run of letters,
// digits and connectors such as '_' (Unicode categories L*, N* and Pc, as Python's \w), with
// combining marks (M*) that follow a letter or digit kept inside it. Ideographic and other scripts
// written without spaces (CJK ideographs, Hiragana, Katakana, Bopomofo, Thai, Lao, Khmer, Myanmar)
// give one token per character, with any combining marks that follow it. Punctuation and symbols
// (P*, S*) are dropped, or kept as one-character tokens; separators, controls and unassigned code
// points (Z*, C*) always split. Then, in this order (as Lucene's EnglishAnalyzer): optional English
// stop-word removal and optional Snowball stemming (of words longer than two characters, as
// Lucene's PorterStemmer).
//
// A Tokenizer is immutable after construction; tokenize() is const and safe from many threads
// (the stemmer keeps per-thread state, see stemmer.h).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/text/normalize.h"
#include "tessera/text/stemmer.h"

namespace tessera {

struct TokenizerOptions {
  NormalizeOptions normalize;
  bool keep_punctuation = false;   // punctuation and symbols as one-character tokens
  bool remove_stop_words = false;  // kEnglishStopWords (stop_words.h)
  bool stem = false;               // Snowball stemming with stem_algorithm
  std::string stem_algorithm = "porter";
};

class Tokenizer {
 public:
  // Throws tessera::Error for an unknown stem algorithm (only checked when stem is true).
  explicit Tokenizer(TokenizerOptions options = {});

  // Normalizes then splits text; the first max_tokens tokens only when max_tokens > 0. `where`
  // (e.g. "corpus.jsonl:17") names the input in the error for invalid UTF-8.
  std::vector<std::string> tokenize(std::string_view text, std::string_view where = {},
                                    size_t max_tokens = 0) const;

  // Calls on_token with each token of text in order, until the text ends or on_token returns
  // false. Text is normalized and split a piece at a time (normalize_pieces), so that the memory
  // is that of a piece and a token, not of the whole text, and stopping early skips the rest.
  void for_each_token(std::string_view text, std::string_view where,
                      const std::function<bool(std::string&& token)>& on_token) const;

  const TokenizerOptions& options() const { return options_; }

 private:
  TokenizerOptions options_;
  std::optional<Stemmer> stemmer_;
};

// True for code points of scripts written without spaces between words, which the tokenizer
// splits one character per token.
bool is_unsegmented_script(char32_t code_point) noexcept;

}  // namespace tessera
