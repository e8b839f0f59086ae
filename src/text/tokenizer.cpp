#include "tessera/text/tokenizer.h"

#include <utf8proc.h>

#include <string>
#include <utility>

#include "tessera/core/utf8.h"
#include "tessera/text/stop_words.h"

namespace tessera {

bool is_unsegmented_script(char32_t cp) noexcept {
  return (cp >= 0x0E00 && cp <= 0x0EFF) ||    // Thai, Lao
         (cp >= 0x1000 && cp <= 0x109F) ||    // Myanmar
         (cp >= 0x1780 && cp <= 0x17FF) ||    // Khmer
         (cp >= 0x19E0 && cp <= 0x19FF) ||    // Khmer symbols
         (cp >= 0x2E80 && cp <= 0x2FDF) ||    // CJK and Kangxi radicals
         (cp >= 0x3005 && cp <= 0x3007) ||    // ideographic iteration mark, closing mark, zero
         (cp >= 0x3021 && cp <= 0x3029) ||    // Hangzhou numerals
         (cp >= 0x3038 && cp <= 0x303B) ||    // more Hangzhou numerals, vertical iteration mark
         (cp >= 0x3040 && cp <= 0x30FF) ||    // Hiragana, Katakana
         (cp >= 0x3100 && cp <= 0x312F) ||    // Bopomofo
         (cp >= 0x31A0 && cp <= 0x31BF) ||    // Bopomofo extended
         (cp >= 0x31F0 && cp <= 0x31FF) ||    // Katakana phonetic extensions
         (cp >= 0x3400 && cp <= 0x4DBF) ||    // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||    // CJK unified ideographs
         (cp >= 0xA9E0 && cp <= 0xA9FF) ||    // Myanmar extended-B
         (cp >= 0xAA60 && cp <= 0xAA7F) ||    // Myanmar extended-A
         (cp >= 0xF900 && cp <= 0xFAFF) ||    // CJK compatibility ideographs
         (cp >= 0xFF66 && cp <= 0xFF9F) ||    // halfwidth Katakana
         (cp >= 0x1B000 && cp <= 0x1B16F) ||  // Kana supplement and extended
         (cp >= 0x20000 && cp <= 0x323AF);    // CJK extensions B..H, compatibility supplement
}

namespace {

enum class CharClass { kWord, kMark, kUnsegmented, kPunctuation, kSeparator };

CharClass classify(char32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
        cp == '_') {
      return CharClass::kWord;
    }
    if (cp > 0x20 && cp < 0x7F) return CharClass::kPunctuation;
    return CharClass::kSeparator;
  }
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return is_unsegmented_script(cp) ? CharClass::kUnsegmented : CharClass::kWord;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return CharClass::kMark;
    case UTF8PROC_CATEGORY_PC:  // connectors ('_') join words, as in UAX #29 and Python's \w
      return CharClass::kWord;
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
      // Symbols in the ideographic blocks (radicals) still go one per token.
      return is_unsegmented_script(cp) ? CharClass::kUnsegmented : CharClass::kPunctuation;
    default:
      return CharClass::kSeparator;
  }
}

size_t count_code_points(std::string_view text) {
  size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

}  // namespace

Tokenizer::Tokenizer(TokenizerOptions options) : options_(std::move(options)) {
  if (options_.stem) stemmer_.emplace(options_.stem_algorithm);
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text, std::string_view where) const {
  std::vector<std::string> tokens;
  split_normalized(normalize_text(text, options_.normalize, where), tokens);
  return tokens;
}

void Tokenizer::split_normalized(std::string_view normalized,
                                 std::vector<std::string>& tokens) const {
  // What the token being built accepts next: more word characters, or only trailing marks.
  enum class Open { kNone, kWord, kMarksOnly };
  Open open = Open::kNone;
  std::string current;
  auto finish = [&] {
    if (open == Open::kNone) return;
    open = Open::kNone;
    if (options_.remove_stop_words && is_english_stop_word(current)) {
      current.clear();
      return;
    }
    // Like Lucene's PorterStemmer, words of one or two characters are left alone (Snowball
    // would stem "s" to nothing); a stem is never empty.
    if (stemmer_ && count_code_points(current) > 2) {
      std::string stem = stemmer_->stem(current);
      tokens.push_back(stem.empty() ? std::move(current) : std::move(stem));
      current = std::string();
    } else {
      tokens.push_back(std::move(current));
      current = std::string();
    }
  };
  size_t i = 0;
  while (i < normalized.size()) {
    const Utf8Char c = decode_utf8(normalized, i);
    const std::string_view bytes = normalized.substr(i, static_cast<size_t>(c.length));
    i += static_cast<size_t>(c.length);
    const CharClass cls = c.valid ? classify(c.code_point) : CharClass::kSeparator;
    switch (cls) {
      case CharClass::kWord:
        if (open != Open::kWord) {
          finish();
          open = Open::kWord;
        }
        current.append(bytes);
        break;
      case CharClass::kMark:
        // A mark extends the character before it; with nothing to extend it is dropped.
        if (open != Open::kNone) current.append(bytes);
        break;
      case CharClass::kUnsegmented:
        finish();
        current.append(bytes);
        open = Open::kMarksOnly;
        break;
      case CharClass::kPunctuation:
        finish();
        if (options_.keep_punctuation) {
          current.append(bytes);
          open = Open::kMarksOnly;
        }
        break;
      case CharClass::kSeparator:
        finish();
        break;
    }
  }
  finish();
}

}  // namespace tessera
