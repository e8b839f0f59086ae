// UTF-8 validation and repair: every class of ill-formed sequence (truncated, overlong,
// surrogate, out of range, stray continuation bytes) is found at the right offset, and repaired
// with one U+FFFD per maximal invalid subpart.
#include "tessera/core/utf8.h"

#include <gtest/gtest.h>

#include <string>

#include "../core/test_support.h"
#include "tessera/core/check.h"

namespace tessera {
namespace {

using testing::error_message;

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextPassesUnchanged) {
  for (const std::string& text :
       {std::string(""), std::string("plain ascii"), std::string("caf\xC3\xA9"),
        std::string("\xE4\xB8\xAD\xE6\x96\x87"), std::string("\xF0\x9F\x98\x80"),
        std::string("nul\0in", 6), std::string("\xF4\x8F\xBF\xBF")}) {
    EXPECT_TRUE(is_valid_utf8(text)) << text;
    EXPECT_EQ(to_valid_utf8(text, InvalidUtf8::kError), text);
    EXPECT_EQ(replace_invalid_utf8(text), text);
  }
}

TEST(Utf8, DecodesCodePoints) {
  const std::string text = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";
  const Utf8Char a = decode_utf8(text, 0);
  EXPECT_EQ(a.code_point, U'a');
  EXPECT_EQ(a.length, 1);
  const Utf8Char e = decode_utf8(text, 1);
  EXPECT_EQ(e.code_point, U'\u00E9');
  EXPECT_EQ(e.length, 2);
  const Utf8Char zhong = decode_utf8(text, 3);
  EXPECT_EQ(zhong.code_point, U'\u4E2D');
  EXPECT_EQ(zhong.length, 3);
  const Utf8Char smile = decode_utf8(text, 6);
  EXPECT_EQ(smile.code_point, U'\U0001F600');
  EXPECT_EQ(smile.length, 4);
  EXPECT_TRUE(smile.valid);
}

struct BadCase {
  const char* name;
  std::string bytes;
  size_t offset;         // of the first invalid byte
  std::string repaired;  // after replace_invalid_utf8
};

TEST(Utf8, FindsAndRepairsEveryKindOfIllFormedSequence) {
  const std::vector<BadCase> cases = {
      {"lone continuation",
       "ab\x80"
       "c",
       2, "ab" + kFffd + "c"},
      {"two continuations", "\x80\xBF", 0, kFffd + kFffd},
      {"truncated 2-byte at end", "x\xC3", 1, "x" + kFffd},
      {"truncated 3-byte at end", "x\xE4\xB8", 1, "x" + kFffd},
      {"truncated 4-byte then ascii",
       "\xF0\x9F\x98"
       "a",
       0, kFffd + "a"},
      {"overlong slash C0 AF", "\xC0\xAF", 0, kFffd + kFffd},
      {"overlong E0 80 AF", "\xE0\x80\xAF", 0, kFffd + kFffd + kFffd},
      {"overlong F0 80 80 AF", "\xF0\x80\x80\xAF", 0, kFffd + kFffd + kFffd + kFffd},
      {"surrogate ED A0 80", "a\xED\xA0\x80", 1, "a" + kFffd + kFffd + kFffd},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 0, kFffd + kFffd + kFffd + kFffd},
      {"F5 lead byte", "\xF5\x80", 0, kFffd + kFffd},
      {"FF byte", "ok\xFF", 2, "ok" + kFffd},
      {"lead byte then ascii",
       "\xE4"
       "abc",
       0, kFffd + "abc"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(find_invalid_utf8(c.bytes), c.offset);
    EXPECT_FALSE(is_valid_utf8(c.bytes));
    EXPECT_EQ(replace_invalid_utf8(c.bytes), c.repaired);
    EXPECT_EQ(to_valid_utf8(c.bytes, InvalidUtf8::kReplace), c.repaired);
    EXPECT_TRUE(is_valid_utf8(c.repaired));
  }
}

TEST(Utf8, ErrorNamesWhereAndByteOffset) {
  const std::string message =
      error_message([] { to_valid_utf8("hello \xC3(", InvalidUtf8::kError, "corpus.jsonl:17"); });
  EXPECT_NE(message.find("corpus.jsonl:17: invalid UTF-8 at byte offset 6"), std::string::npos)
      << message;
  EXPECT_NE(message.find("0xC3 0x28"), std::string::npos) << message;
  const std::string anonymous = error_message([] { to_valid_utf8("\x80", InvalidUtf8::kError); });
  EXPECT_EQ(anonymous.rfind("invalid UTF-8 at byte offset 0", 0), 0u) << anonymous;
}

TEST(Utf8, AppendEncodesEveryLength) {
  std::string out;
  for (const char32_t cp : {U'\u0041', U'\u00E9', U'\u4E2D', U'\U0001F600', U'\U0010FFFF'}) {
    out.clear();
    append_utf8(cp, out);
    const Utf8Char back = decode_utf8(out, 0);
    EXPECT_TRUE(back.valid);
    EXPECT_EQ(back.code_point, cp);
    EXPECT_EQ(static_cast<size_t>(back.length), out.size());
  }
}

}  // namespace
}  // namespace tessera
