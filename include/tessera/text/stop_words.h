// Stop words: the English set Lucene's EnglishAnalyzer removes (ENGLISH_STOP_WORDS_SET, 33
// words), so BM25 over tessera's tokens sees what Lucene's sees.
#pragma once

#include <array>
#include <string_view>

namespace tessera {

// Sorted, lowercase.
inline constexpr std::array<std::string_view, 33> kEnglishStopWords = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};

// True when token is one of kEnglishStopWords (exact, case-sensitive: tokens are case-folded).
bool is_english_stop_word(std::string_view token) noexcept;

}  // namespace tessera
