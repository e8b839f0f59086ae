// Vocabulary: the words that get their own feature id, with their corpus counts.
//
// Ids are dense, 0..size()-1, in the canonical order: descending count, then ascending bytes
// (the peer's order in ../shared/bench/torch_static_mnrl.py), so the same counts always give the
// same ids. Saved as TSV, one "word<TAB>count" line per word in id order. Immutable once built;
// every method is const and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tessera {

struct VocabularyOptions {
  int64_t min_count = 1;  // words seen fewer times are left out
  int64_t max_size = 0;   // keep at most this many words (the most frequent); 0: no limit
};

class Vocabulary {
 public:
  Vocabulary() = default;

  // From (word, count) pairs with distinct, non-empty words and positive counts, keeping those
  // that pass options, in canonical order.
  static Vocabulary from_counts(std::vector<std::pair<std::string, int64_t>> counts,
                                const VocabularyOptions& options = {});

  // Reads a file written by save(); errors name path:line. Ids follow the canonical order.
  static Vocabulary load(const std::string& path);
  // Writes path atomically (temporary file, then rename). Words must not contain tab or newline.
  void save(const std::string& path) const;

  int32_t size() const { return static_cast<int32_t>(words_.size()); }
  // The word's id, or -1 when it is not in the vocabulary.
  int32_t id(std::string_view word) const;
  const std::string& word(int32_t id) const { return words_[static_cast<size_t>(id)]; }
  int64_t count(int32_t id) const { return counts_[static_cast<size_t>(id)]; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  std::vector<std::string> words_;
  std::vector<int64_t> counts_;
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> ids_;
};

}  // namespace tessera
