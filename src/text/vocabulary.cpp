#include "tessera/text/vocabulary.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/utf8.h"

namespace tessera {

Vocabulary Vocabulary::from_counts(std::vector<std::pair<std::string, int64_t>> counts,
                                   const VocabularyOptions& options) {
  TESSERA_CHECK(options.min_count >= 1, "vocabulary min_count must be >= 1, got {}",
                options.min_count);
  TESSERA_CHECK(options.max_size >= 0, "vocabulary max_size must be >= 0, got {}",
                options.max_size);
  std::erase_if(counts, [&](const auto& entry) { return entry.second < options.min_count; });
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (options.max_size > 0 && static_cast<int64_t>(counts.size()) > options.max_size) {
    counts.resize(static_cast<size_t>(options.max_size));
  }
  TESSERA_CHECK(counts.size() < static_cast<size_t>(INT32_MAX),
                "vocabulary of {} words exceeds the int32 id space", counts.size());
  Vocabulary vocab;
  vocab.words_.reserve(counts.size());
  vocab.counts_.reserve(counts.size());
  vocab.ids_.reserve(counts.size());
  for (auto& [word, count] : counts) {
    TESSERA_CHECK(!word.empty(), "vocabulary word is empty");
    const auto id = static_cast<int32_t>(vocab.words_.size());
    const bool inserted = vocab.ids_.emplace(word, id).second;
    TESSERA_CHECK(inserted, "vocabulary word '{}' appears twice", word);
    vocab.words_.push_back(std::move(word));
    vocab.counts_.push_back(count);
  }
  return vocab;
}

int32_t Vocabulary::id(std::string_view word) const {
  const auto it = ids_.find(word);
  return it == ids_.end() ? -1 : it->second;
}

void Vocabulary::save(const std::string& path) const {
  for (size_t i = 0; i < words_.size(); ++i) {
    TESSERA_CHECK(words_[i].find_first_of("\t\n\r") == std::string::npos,
                  "cannot save vocabulary to {}: word {} contains a tab or line break", path, i);
  }
  AtomicFile out(path);
  std::string line;
  for (size_t i = 0; i < words_.size(); ++i) {
    line.assign(words_[i]);
    line += '\t';
    line += std::to_string(counts_[i]);
    line += '\n';
    out.write(line);
  }
  out.commit();
}

Vocabulary Vocabulary::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSERA_CHECK(in.good(), "cannot open vocabulary {}: {}", path, std::strerror(errno));
  std::vector<std::pair<std::string, int64_t>> counts;
  std::unordered_map<std::string, int64_t> first_line;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t tab = line.find('\t');
    TESSERA_CHECK(tab != std::string::npos && line.find('\t', tab + 1) == std::string::npos,
                  "{}:{}: expected 'word<TAB>count', found {} tab(s)", path, line_number,
                  std::count(line.begin(), line.end(), '\t'));
    std::string word = line.substr(0, tab);
    TESSERA_CHECK(!word.empty(), "{}:{}: empty word", path, line_number);
    const size_t bad = find_invalid_utf8(word);
    TESSERA_CHECK(bad == std::string::npos, "{}:{}: word is not valid UTF-8 (byte offset {})", path,
                  line_number, bad);
    const std::string_view count_text = std::string_view(line).substr(tab + 1);
    int64_t count = 0;
    const auto [end, ec] =
        std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    TESSERA_CHECK(ec == std::errc() && end == count_text.data() + count_text.size() && count > 0,
                  "{}:{}: expected a positive integer count, found '{}'", path, line_number,
                  count_text);
    const auto [it, inserted] = first_line.emplace(word, line_number);
    TESSERA_CHECK(inserted, "{}:{}: word '{}' already on line {}", path, line_number, word,
                  it->second);
    counts.emplace_back(std::move(word), count);
  }
  TESSERA_CHECK(in.eof(), "{}: read error after line {}", path, line_number);
  return from_counts(std::move(counts));
}

}  // namespace tessera
