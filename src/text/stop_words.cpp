#include "tessera/text/stop_words.h"

#include <algorithm>

namespace tessera {

static_assert(std::is_sorted(kEnglishStopWords.begin(), kEnglishStopWords.end()));

bool is_english_stop_word(std::string_view token) noexcept {
  return std::binary_search(kEnglishStopWords.begin(), kEnglishStopWords.end(), token);
}

}  // namespace tessera
