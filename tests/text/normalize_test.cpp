// Unicode normalization: NFKC, full case folding, accent stripping and the invalid-UTF-8 policy.
#include "tessera/text/normalize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

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

// Texts made of pieces that normalization joins or reorders (a letter and its combining accent,
// kana and their voiced marks, halfwidth kana, Hangul jamo, marks in the wrong order), so that a
// cut in the wrong place would change the result.
std::string tricky_text(std::mt19937& gen, size_t parts) {
  const std::vector<std::string> alphabet = {
      "e", "E", "\xCC\x81", "\xCC\xA3", "\xCC\x88", "\xE3\x82\xAB", "\xE3\x82\x99", "\xEF\xBD\xB6",
      "\xEF\xBE\x9E", "\xE1\x84\x80", "\xE1\x85\xA1", "\xE1\x86\xA8", "\xE4\xB8\x80",
      "\xE9\xBE\x8D", "\xC3\x9F", "\xEF\xAC\x81", " ", "\n", "-", "\xE2\x91\xA0", "A", "\xCE\xA3",
      // Thai KO KAI, MAI EK, SARA AM (NFKC: two); Lao
      // KO, SAM; Myanmar U + II (U+1026), KA; Khmer KA,
      // AA; a Hangul syllable (LV) that takes a T jamo
      "\xE0\xB8\x81", "\xE0\xB9\x88", "\xE0\xB8\xB3", "\xE0\xBA\x81", "\xE0\xBA\xB3",
      "\xE1\x80\xA5", "\xE1\x80\xAE", "\xE1\x80\x80", "\xE1\x9E\x80", "\xE1\x9E\xB6",
      "\xEA\xB0\x80"};
  std::string text;
  for (size_t i = 0; i < parts; ++i) {
    text += alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(gen)];
  }
  return text;
}

TEST(Normalize, PiecesTogetherAreTheWholeTextNormalized) {
  std::mt19937 gen(7);
  NormalizeOptions strip;
  strip.strip_accents = true;
  NormalizeOptions nfc;
  nfc.nfkc = false;
  int cut_texts = 0;
  for (int iteration = 0; iteration < 300; ++iteration) {
    const std::string text = tricky_text(gen, 1 + iteration % 97);
    for (const NormalizeOptions& options : {NormalizeOptions{}, strip, nfc}) {
      const std::string whole = normalize_text(text, options);
      for (const size_t piece_bytes : {size_t{1}, size_t{3}, size_t{8}, size_t{33}}) {
        std::string joined;
        size_t pieces = 0;
        normalize_pieces(
            text, options, {},
            [&](std::string_view piece) {
              joined.append(piece);
              ++pieces;
              return true;
            },
            piece_bytes);
        ASSERT_EQ(joined, whole) << iteration << " in pieces of " << piece_bytes;
        if (piece_bytes == 1) cut_texts += pieces > 1 ? 1 : 0;
      }
    }
  }
  EXPECT_GT(cut_texts, 3 * 300 * 9 / 10) << "most texts were cut somewhere";
}

TEST(Normalize, TextWithoutSpacesIsCutToo) {
  // Thai KO KAI + MAI EK + SARA AM, 9 bytes a syllable, no spaces: 200 KB
  const std::string syllable = "\xE0\xB8\x81\xE0\xB9\x88\xE0\xB8\xB3";
  std::string thai;
  while (thai.size() < 3 * kNormalizePieceBytes) thai += syllable;
  size_t pieces = 0, longest = 0;
  std::string joined;
  normalize_pieces(thai, {}, {}, [&](std::string_view piece) {
    ++pieces;
    longest = std::max(longest, piece.size());
    joined.append(piece);
    return true;
  });
  EXPECT_GE(pieces, 3u);
  EXPECT_LE(longest, 2 * kNormalizePieceBytes);
  std::string expected;
  for (size_t i = 0; i < thai.size() / syllable.size(); ++i) {
    expected += normalize_text(syllable, {});
  }
  EXPECT_EQ(joined, expected);
}

TEST(Normalize, PiecesStopWhenAskedAndLongTextsAgree) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "Caf\xC3\xA9 \xE3\x82\xAB\xE3\x82\x99 ";  // 200 KB
  size_t pieces = 0;
  normalize_pieces(text, {}, {}, [&](std::string_view) { return ++pieces < 2; });
  EXPECT_EQ(pieces, 2u);
  std::string short_text = "Caf\xC3\xA9 \xE3\x82\xAB\xE3\x82\x99 ";
  std::string expected;
  for (int i = 0; i < 20000; ++i) expected += normalize_text(short_text, {});
  EXPECT_EQ(normalize_text(text, {}), expected);  // above kNormalizePieceBytes: in pieces
  NormalizeOptions replace;
  replace.on_invalid_utf8 = InvalidUtf8::kReplace;
  const std::string message = error_message([&] { normalize_text(text + "\xFF", {}, "big:1"); });
  EXPECT_NE(message.find("big:1: invalid UTF-8 at byte offset"), std::string::npos) << message;
  EXPECT_EQ(normalize_text(text + "\xFF", replace), expected + "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace tessera
