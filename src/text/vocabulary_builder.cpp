#include "tessera/text/vocabulary_builder.h"

#include <algorithm>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"

namespace tessera {

VocabularyBuilder::VocabularyBuilder(Tokenizer tokenizer, VocabularyBuilderOptions options)
    : tokenizer_(std::move(tokenizer)), options_(options) {
  TESSERA_CHECK(options_.max_table_entries >= 1, "max_table_entries must be >= 1, got {}",
                options_.max_table_entries);
}

void VocabularyBuilder::add_texts(const std::vector<std::string>& texts, std::string_view source,
                                  int64_t first_line) {
  const auto n = static_cast<int64_t>(texts.size());
  // One table per chunk; parallel_for's chunks are contiguous and in thread order.
  std::vector<CountTable> tables(static_cast<size_t>(num_threads()));
  std::vector<int64_t> chunk_tokens(tables.size(), 0);
  std::vector<int64_t> chunk_bytes(tables.size(), 0);
  parallel_for(
      n,
      [&](int64_t begin, int64_t end, int thread) {
        CountTable& table = tables[static_cast<size_t>(thread)];
        int64_t& tokens = chunk_tokens[static_cast<size_t>(thread)];
        std::string where;
        // Counted as they come: a text's tokens are never all held at once.
        const auto count = [&](std::string&& token) {
          ++tokens;
          const auto it = table.find(token);
          if (it != table.end()) {
            ++it->second;
          } else {
            table.emplace(std::move(token), 1);
          }
          return true;
        };
        for (int64_t i = begin; i < end; ++i) {
          const std::string& text = texts[static_cast<size_t>(i)];
          if (!source.empty()) where = fmt::format("{}:{}", source, first_line + i);
          tokenizer_.for_each_token(text, where, count);
          chunk_bytes[static_cast<size_t>(thread)] += static_cast<int64_t>(text.size());
        }
      },
      /*min_chunk=*/64);
  for (size_t t = 0; t < tables.size(); ++t) {
    for (auto& node : tables[t]) counts_[node.first] += node.second;
    tables[t].clear();
    progress_.bytes += chunk_bytes[t];
    progress_.tokens += chunk_tokens[t];
  }
  progress_.texts += n;
  prune_if_needed();
  if (progress_callback_) progress_callback_(progress_);
}

void VocabularyBuilder::add_tokens(const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) {
    const auto it = counts_.find(token);
    if (it != counts_.end()) {
      ++it->second;
    } else {
      counts_.emplace(token, 1);
    }
  }
  progress_.tokens += static_cast<int64_t>(tokens.size());
  prune_if_needed();
  if (progress_callback_) progress_callback_(progress_);
}

void VocabularyBuilder::add_count(std::string_view word, int64_t count) {
  TESSERA_CHECK(count >= 0, "a word's count must be >= 0, got {}", count);
  if (count > 0) counts_[std::string(word)] += count;
  prune_if_needed();
}

void VocabularyBuilder::prune_if_needed() {
  // word2vec's ReduceVocab, repeated until the table fits (one pass may not be enough).
  while (static_cast<int64_t>(counts_.size()) > options_.max_table_entries) {
    ++progress_.prune_threshold;
    const int64_t threshold = progress_.prune_threshold;
    std::erase_if(counts_, [threshold](const auto& entry) { return entry.second <= threshold; });
  }
  progress_.table_entries = static_cast<int64_t>(counts_.size());
}

Vocabulary VocabularyBuilder::build(const VocabularyOptions& options) const {
  std::vector<std::pair<std::string, int64_t>> counts(counts_.begin(), counts_.end());
  return Vocabulary::from_counts(std::move(counts), options);
}

}  // namespace tessera
