#include "tessera/core/utf8.h"

#include <cstdint>
#include <string>

#include "tessera/core/check.h"

namespace tessera {

Utf8Char decode_utf8_multibyte(std::string_view text, size_t offset) noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + offset;
  const size_t available = text.size() - offset;
  const unsigned char b0 = s[0];
  if (b0 < 0x80) return {b0, 1, true};
  // The sequence length and the allowed range of the second byte (Table 3-7); later bytes are
  // always 0x80..0xBF.
  int need = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {kReplacementCharacter, 1, false};  // continuation byte, C0, C1 or F5..FF
  }
  for (int k = 1; k <= need; ++k) {
    if (static_cast<size_t>(k) >= available) return {kReplacementCharacter, k, false};
    const unsigned char b = s[k];
    const unsigned char low = k == 1 ? lo : 0x80;
    const unsigned char high = k == 1 ? hi : 0xBF;
    if (b < low || b > high) return {kReplacementCharacter, k, false};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, need + 1, true};
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t find_invalid_utf8(std::string_view text) noexcept {
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Char c = decode_utf8(text, i);
    if (!c.valid) return i;
    i += static_cast<size_t>(c.length);
  }
  return std::string_view::npos;
}

std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  size_t i = 0;
  while (i < text.size()) {
    const Utf8Char c = decode_utf8(text, i);
    if (c.valid) {
      out.append(text.substr(i, static_cast<size_t>(c.length)));
    } else {
      append_utf8(kReplacementCharacter, out);
    }
    i += static_cast<size_t>(c.length);
  }
  return out;
}

std::string to_valid_utf8(std::string_view text, InvalidUtf8 policy, std::string_view where) {
  const size_t bad = find_invalid_utf8(text);
  if (bad == std::string_view::npos) return std::string(text);
  if (policy == InvalidUtf8::kReplace) return replace_invalid_utf8(text);
  // Show the offending bytes (the invalid subpart and the byte that ended it, at most 4).
  const size_t shown = std::min<size_t>(text.size() - bad, 4);
  std::string bytes;
  for (size_t k = 0; k < shown; ++k) {
    if (k > 0) bytes += ' ';
    bytes += fmt::format("0x{:02X}", static_cast<unsigned char>(text[bad + k]));
  }
  TESSERA_FAIL(
      "{}{}invalid UTF-8 at byte offset {} (bytes {}); --on-invalid-utf8 replace maps it to "
      "U+FFFD",
      where, where.empty() ? "" : ": ", bad, bytes);
}

}  // namespace tessera
