#include "tessera/text/normalize.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

#include "tessera/core/check.h"
#include "tessera/core/utf8.h"

namespace tessera {

namespace {

bool is_ascii(std::string_view text) {
  unsigned char any = 0;
  for (const char c : text) any |= static_cast<unsigned char>(c);
  return any < 0x80;
}

// utf8proc over valid UTF-8 (the caller has repaired or rejected anything else).
std::string map_with_utf8proc(std::string_view valid, const NormalizeOptions& options) {
  int flags = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
  if (options.nfkc) flags |= UTF8PROC_COMPAT;
  if (options.case_fold) flags |= UTF8PROC_CASEFOLD;
  if (options.strip_accents) flags |= UTF8PROC_STRIPMARK;
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t length = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
      static_cast<utf8proc_ssize_t>(valid.size()), &mapped, static_cast<utf8proc_option_t>(flags));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  TESSERA_CHECK(length >= 0, "unicode normalization failed: {}", utf8proc_errmsg(length));
  return std::string(reinterpret_cast<const char*>(mapped), static_cast<size_t>(length));
}

// ASCII is its own NFC and NFKC and has no marks: only case folding can change it.
std::string normalize_ascii(std::string_view ascii, const NormalizeOptions& options) {
  std::string out(ascii);
  if (options.case_fold) {
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string normalize_valid(std::string_view valid, const NormalizeOptions& options) {
  return is_ascii(valid) ? normalize_ascii(valid, options) : map_with_utf8proc(valid, options);
}

// Characters before which text may be cut without changing its normalization: starters that no
// canonical composition has second and that nothing reorders across. ASCII, the CJK unified
// ideographs, and the consonants of the scripts written without spaces (Thai, Lao, Myanmar,
// Khmer), so that text in those is cut too.
bool is_cut_point(char32_t cp) {
  return cp < 0x80 || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x0E01 && cp <= 0x0E2E) ||
         (cp >= 0x0E81 && cp <= 0x0EAE) || (cp >= 0x1000 && cp <= 0x102A) ||
         (cp >= 0x1780 && cp <= 0x17A2);
}

// The first character at or after byte `at` of valid UTF-8 before which it may be cut; the end
// when there is none.
size_t next_cut(std::string_view valid, size_t at) {
  while (at < valid.size() && (static_cast<unsigned char>(valid[at]) & 0xC0) == 0x80) ++at;
  while (at < valid.size()) {
    const Utf8Char c = decode_utf8(valid, at);
    if (is_cut_point(c.code_point)) return at;
    at += static_cast<size_t>(c.length);
  }
  return valid.size();
}

}  // namespace

std::string normalize_text(std::string_view text, const NormalizeOptions& options,
                           std::string_view where) {
  if (text.size() <= kNormalizePieceBytes) {
    return is_ascii(text)
               ? normalize_ascii(text, options)
               : map_with_utf8proc(to_valid_utf8(text, options.on_invalid_utf8, where), options);
  }
  std::string out;
  normalize_pieces(text, options, where, [&](std::string_view piece) {
    out.append(piece);
    return true;
  });
  return out;
}

void normalize_pieces(std::string_view text, const NormalizeOptions& options,
                      std::string_view where,
                      const std::function<bool(std::string_view normalized)>& emit,
                      size_t piece_bytes) {
  std::string repaired;  // invalid UTF-8 is handled over the whole text, so errors say where
  if (!is_ascii(text)) {
    repaired = to_valid_utf8(text, options.on_invalid_utf8, where);
    text = repaired;
  }
  size_t begin = 0;
  do {
    const size_t end = next_cut(text, begin + std::max<size_t>(piece_bytes, 1));
    if (!emit(normalize_valid(text.substr(begin, end - begin), options))) return;
    begin = end;
  } while (begin < text.size());
}

}  // namespace tessera
