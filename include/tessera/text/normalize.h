// Unicode normalization before tokenization: NFKC (or NFC), full case folding and optional
// accent stripping, done by utf8proc (https://juliastrings.github.io/utf8proc/).
//
// NFKC folds compatibility forms onto their plain letters ("ＡＢＣ" -> "ABC", "ﬁ" -> "fi"); case
// folding is Unicode's full folding ("Straße" -> "strasse"), so it also unifies forms that
// lowercasing alone would not. Accent stripping decomposes, drops combining marks (category M)
// and recomposes ("café" -> "cafe"). Invalid UTF-8 is handled first, by NormalizeOptions'
// on_invalid_utf8 policy (see utf8.h).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "tessera/core/utf8.h"

namespace tessera {

struct NormalizeOptions {
  bool nfkc = true;            // NFKC; false keeps NFC (canonical composition only)
  bool case_fold = true;       // Unicode full case folding
  bool strip_accents = false;  // remove combining marks after decomposition
  InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError;
};

// The normalized text, always valid UTF-8. `where` (e.g. "corpus.jsonl:17") prefixes the error
// message for invalid input. Thread-safe.
std::string normalize_text(std::string_view text, const NormalizeOptions& options,
                           std::string_view where = {});

// Bytes of input normalized at a time by normalize_pieces: a long text (a 50 MB line) costs the
// memory of one piece, not four times the whole text (utf8proc's buffer of code points). A piece
// runs on to the next place it may be cut (see normalize_pieces); invalid UTF-8 is checked (or
// repaired, a copy) over the whole text.
inline constexpr size_t kNormalizePieceBytes = size_t{64} << 10;

// Normalizes text a piece of about piece_bytes at a time and calls emit with each normalized
// piece in order, until the text ends or emit returns false (a caller that needs only the first
// tokens stops early). Pieces are cut only before an ASCII character, a CJK ideograph or a
// consonant of Thai, Lao, Myanmar or Khmer, which no normalization joins to what precedes them,
// so the pieces together are normalize_text(text).
void normalize_pieces(std::string_view text, const NormalizeOptions& options,
                      std::string_view where,
                      const std::function<bool(std::string_view normalized)>& emit,
                      size_t piece_bytes = kNormalizePieceBytes);

}  // namespace tessera
