// VocabularyBuilder: counts tokens over a stream of texts of any length with bounded memory.
//
// Texts arrive in batches (add_texts); each batch is tokenized on the thread pool (parallel_for),
// each thread counting its contiguous share into its own table, and the tables are merged into
// the running count table in thread order. When the running table holds more than
// max_table_entries words after a batch, it is pruned as word2vec's ReduceVocab does: entries
// with count <= threshold are dropped and the threshold then rises by one. Pruning happens only
// between batches, so the result depends on the batches, never on the thread count. A word
// pruned once loses the counts it had; words frequent enough never to fall under the threshold
// keep exact counts. Memory is bounded by max_table_entries plus one batch's distinct tokens.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tessera/text/tokenizer.h"
#include "tessera/text/vocabulary.h"

namespace tessera {

struct VocabularyBuilderOptions {
  int64_t max_table_entries = 30'000'000;  // prune above this many distinct words (>= 1)
};

// Reported after every batch, for a progress bar (the library never prints).
struct VocabularyProgress {
  int64_t texts = 0;            // texts seen so far
  int64_t bytes = 0;            // their total size in bytes
  int64_t tokens = 0;           // tokens counted
  int64_t table_entries = 0;    // distinct words held now
  int64_t prune_threshold = 0;  // counts at or under this were pruned; 0: never pruned
};

class VocabularyBuilder {
 public:
  explicit VocabularyBuilder(Tokenizer tokenizer, VocabularyBuilderOptions options = {});

  // Tokenizes and counts one batch of texts. first_line is the 1-based line number of texts[0]
  // in source, for error messages ("source:line: invalid UTF-8 ..."); source may be empty.
  void add_texts(const std::vector<std::string>& texts, std::string_view source = {},
                 int64_t first_line = 1);
  // Counts tokens directly (already tokenized).
  void add_tokens(const std::vector<std::string>& tokens);
  // Counts `word` `count` more times (FeaturizerConfig::kEndWord, once per text).
  void add_count(std::string_view word, int64_t count);

  void set_progress_callback(std::function<void(const VocabularyProgress&)> callback) {
    progress_callback_ = std::move(callback);
  }
  const VocabularyProgress& progress() const { return progress_; }

  // The vocabulary of the words counted so far.
  Vocabulary build(const VocabularyOptions& options = {}) const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using CountTable = std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>>;

  void prune_if_needed();

  Tokenizer tokenizer_;
  VocabularyBuilderOptions options_;
  CountTable counts_;
  VocabularyProgress progress_;
  std::function<void(const VocabularyProgress&)> progress_callback_;
};

}  // namespace tessera
