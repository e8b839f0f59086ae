// Unicode normalization: NFKC, full case folding, accent stripping and the invalid-UTF-8 policy.
#include "tessera/text/normalize.h"

#include <gtest/gtest.h>

#include <string>

#include "../core/test_support.h"

namespace tessera {
namespace {

using testing::error_message;

std::string norm(const std::string& text, NormalizeOptions options = {}) {
  return normalize_text(text, options);
}

TEST(Normalize, NfkcFoldsCompatibilityForms) {
  EXPECT_EQ(norm("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3"), "abc");  // fullwidth ＡＢＣ
  EXPECT_EQ(norm("\xEF\xAC\x81"), "fi");                           // ligature ﬁ
  EXPECT_EQ(norm("x\xC2\xB2"), "x2");                              // superscript two
  EXPECT_EQ(norm("\xE2\x91\xA0"), "1");                            // circled digit one ①
}

TEST(Normalize, FullCaseFolding) {
  EXPECT_EQ(norm("Stra\xC3\x9F"
                 "e"),
            "strasse");  // Straße
  EXPECT_EQ(norm("HELLO World"), "hello world");
  EXPECT_EQ(norm("\xCE\xA3\xCE\x99\xCE\xA3"), "\xCF\x83\xCE\xB9\xCF\x83");  // ΣΙΣ -> σισ
}

TEST(Normalize, ComposesCanonically) {
  // e + combining acute composes to é (NFC and NFKC alike).
  EXPECT_EQ(norm("e\xCC\x81"), "\xC3\xA9");
  NormalizeOptions nfc;
  nfc.nfkc = false;
  nfc.case_fold = false;
  EXPECT_EQ(norm("e\xCC\x81", nfc), "\xC3\xA9");
  EXPECT_EQ(norm("\xEF\xAC\x81", nfc), "\xEF\xAC\x81");  // NFC keeps the ligature
  EXPECT_EQ(norm("ABC", nfc), "ABC");
}

TEST(Normalize, StripsAccentsOnRequest) {
  NormalizeOptions strip;
  strip.strip_accents = true;
  EXPECT_EQ(norm("Caf\xC3\xA9 na\xC3\xAFve", strip), "cafe naive");
  EXPECT_EQ(norm("e\xCC\x81", strip), "e");
  EXPECT_EQ(norm("Caf\xC3\xA9"), "caf\xC3\xA9");  // off by default
}

TEST(Normalize, InvalidUtf8IsAnErrorByDefault) {
  const std::string message =
      error_message([] { normalize_text("ok \xE9t\xE9", {}, "queries.jsonl:3"); });
  EXPECT_NE(message.find("queries.jsonl:3: invalid UTF-8 at byte offset 3"), std::string::npos)
      << message;
  // ASCII fast path and the utf8proc path agree on rejecting bad bytes in mixed text.
  EXPECT_FALSE(error_message([] { normalize_text("\xC3\xA9\xFF", {}); }).empty());
}

TEST(Normalize, InvalidUtf8IsReplacedOnRequest) {
  NormalizeOptions replace;
  replace.on_invalid_utf8 = InvalidUtf8::kReplace;
  EXPECT_EQ(norm("Caf\xE9", replace), "caf\xEF\xBF\xBD");
  EXPECT_EQ(norm("\xED\xA0\x80X", replace), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");
}

}  // namespace
}  // namespace tessera
