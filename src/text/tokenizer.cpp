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

// Splits normalized text (valid UTF-8; invalid bytes split like separators) into tokens, fed a
// piece at a time: a word may run on from one piece into the next. Applies stop words and
// stemming.
class TokenSplitter {
 public:
  TokenSplitter(const TokenizerOptions& options, const Stemmer* stemmer,
                const std::function<bool(std::string&&)>& on_token)
      : options_(options), stemmer_(stemmer), on_token_(on_token) {}

  // False once on_token has asked to stop.
  bool feed(std::string_view normalized) {
    size_t i = 0;
    while (i < normalized.size() && going_) {
      const Utf8Char c = decode_utf8(normalized, i);
      const std::string_view bytes = normalized.substr(i, static_cast<size_t>(c.length));
      i += static_cast<size_t>(c.length);
      const CharClass cls = c.valid ? classify(c.code_point) : CharClass::kSeparator;
      switch (cls) {
        case CharClass::kWord:
          if (open_ != Open::kWord) {
            finish();
            open_ = Open::kWord;
          }
          current_.append(bytes);
          break;
        case CharClass::kMark:
          // A mark extends the character before it; with nothing to extend it is dropped.
          if (open_ != Open::kNone) current_.append(bytes);
          break;
        case CharClass::kUnsegmented:
          finish();
          current_.append(bytes);
          open_ = Open::kMarksOnly;
          break;
        case CharClass::kPunctuation:
          finish();
          if (options_.keep_punctuation) {
            current_.append(bytes);
            open_ = Open::kMarksOnly;
          }
          break;
        case CharClass::kSeparator:
          finish();
          break;
      }
    }
    return going_;
  }

  // Ends the token being built, if any.
  void finish() {
    if (open_ == Open::kNone || !going_) return;
    open_ = Open::kNone;
    if (options_.remove_stop_words && is_english_stop_word(current_)) {
      current_.clear();
      return;
    }
    // Like Lucene's PorterStemmer, words of one or two characters are left alone (Snowball
    // would stem "s" to nothing); a stem is never empty.
    if (stemmer_ != nullptr && count_code_points(current_) > 2) {
      std::string stem = stemmer_->stem(current_);
      going_ = on_token_(stem.empty() ? std::move(current_) : std::move(stem));
    } else {
      going_ = on_token_(std::move(current_));
    }
    current_ = std::string();
  }

 private:
  // What the token being built accepts next: more word characters, or only trailing marks.
  enum class Open { kNone, kWord, kMarksOnly };

  const TokenizerOptions& options_;
  const Stemmer* stemmer_;
  const std::function<bool(std::string&&)>& on_token_;
  Open open_ = Open::kNone;
  std::string current_;
  bool going_ = true;
};

}  // namespace

Tokenizer::Tokenizer(TokenizerOptions options) : options_(std::move(options)) {
  if (options_.stem) stemmer_.emplace(options_.stem_algorithm);
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text, std::string_view where,
                                             size_t max_tokens) const {
  std::vector<std::string> tokens;
  for_each_token(text, where, [&](std::string&& token) {
    tokens.push_back(std::move(token));
    return max_tokens == 0 || tokens.size() < max_tokens;
  });
  return tokens;
}

void Tokenizer::for_each_token(std::string_view text, std::string_view where,
                               const std::function<bool(std::string&&)>& on_token) const {
  TokenSplitter splitter(options_, stemmer_ ? &*stemmer_ : nullptr, on_token);
  normalize_pieces(text, options_.normalize, where,
                   [&](std::string_view normalized) { return splitter.feed(normalized); });
  splitter.finish();
}

}  // namespace tessera
