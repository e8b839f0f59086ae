#include "tessera/text/normalize.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

#include "tessera/core/check.h"

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
std::string normalize_valid(std::string_view valid, const NormalizeOptions& options) {
  if (!is_ascii(valid)) return map_with_utf8proc(valid, options);
  std::string out(valid);
  if (options.case_fold) {
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// The first place at or after `at` where valid UTF-8 may be cut without changing its
// normalization: before an ASCII character (a starter that composes with nothing before it) or a
// CJK unified ideograph (U+4E00..U+9FFF, likewise; its UTF-8 lead byte is E4 with a second byte
// from B8, or E5..E9). The end when there is none.
size_t next_cut(std::string_view valid, size_t at) {
  for (; at < valid.size(); ++at) {
    const auto byte = static_cast<unsigned char>(valid[at]);
    if (byte < 0x80 || (byte >= 0xE5 && byte <= 0xE9)) return at;
    if (byte == 0xE4 && at + 1 < valid.size() &&
        static_cast<unsigned char>(valid[at + 1]) >= 0xB8) {
      return at;
    }
  }
  return valid.size();
}

}  // namespace

std::string normalize_text(std::string_view text, const NormalizeOptions& options,
                           std::string_view where) {
  if (text.size() <= kNormalizePieceBytes) {
    return is_ascii(text)
               ? normalize_valid(text, options)
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
