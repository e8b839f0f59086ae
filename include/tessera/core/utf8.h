// UTF-8 decoding, validation and repair: the one place tessera reads raw bytes as text.
//
// The decoder is strict (Unicode 15, Table 3-7 "Well-Formed UTF-8 Byte Sequences"): overlong
// forms, surrogates (U+D800..U+DFFF), code points above U+10FFFF, stray continuation bytes and
// truncated sequences are all invalid. Repair replaces each maximal invalid subpart with one
// U+FFFD, the practice the Unicode standard recommends (and what WHATWG decoders, ICU and Python's
// "replace" error handler do). Every function accepts any byte sequence without undefined
// behaviour.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tessera/core/enum_names.h"

namespace tessera {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// What to do with bytes that are not valid UTF-8.
enum class InvalidUtf8 {
  kError,    // throw tessera::Error naming where and the byte offset
  kReplace,  // replace each maximal invalid subpart with U+FFFD
};
inline constexpr EnumName<InvalidUtf8> kInvalidUtf8Names[] = {{InvalidUtf8::kError, "error"},
                                                              {InvalidUtf8::kReplace, "replace"}};
template <>
inline constexpr EnumNames<InvalidUtf8> enum_names<InvalidUtf8> = kInvalidUtf8Names;

// One decoded code point. When valid is false, length is the size of the maximal invalid subpart
// (at least 1) and code_point is U+FFFD.
struct Utf8Char {
  char32_t code_point;
  int length;
  bool valid;
};

// Decodes a code point of two or more bytes starting at text[offset] (decode_utf8's slow path).
Utf8Char decode_utf8_multibyte(std::string_view text, size_t offset) noexcept;

// Decodes the code point starting at text[offset]; offset < text.size(). ASCII is decoded inline:
// tokenizers call this once per character.
inline Utf8Char decode_utf8(std::string_view text, size_t offset) noexcept {
  const auto b0 = static_cast<unsigned char>(text[offset]);
  if (b0 < 0x80) return {b0, 1, true};
  return decode_utf8_multibyte(text, offset);
}

// Appends the UTF-8 encoding of a Unicode scalar value (not a surrogate, at most U+10FFFF).
void append_utf8(char32_t code_point, std::string& out);

// Byte offset of the first invalid sequence, or std::string_view::npos when text is valid.
size_t find_invalid_utf8(std::string_view text) noexcept;
inline bool is_valid_utf8(std::string_view text) noexcept {
  return find_invalid_utf8(text) == std::string_view::npos;
}

// A copy of text with every maximal invalid subpart replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text);

// Returns text as valid UTF-8 by the policy: unchanged when already valid; otherwise repaired
// (kReplace) or an Error "<where>: invalid UTF-8 at byte offset N (bytes 0x.. 0x..)" (kError).
// `where` names the input for the message, e.g. "corpus.jsonl:17"; empty leaves it out.
std::string to_valid_utf8(std::string_view text, InvalidUtf8 policy, std::string_view where = {});

}  // namespace tessera
