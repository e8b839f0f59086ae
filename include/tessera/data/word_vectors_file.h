// Word vectors in the word2vec text format (fastText's and GloVe's .vec / .txt files):
//   [COUNT DIM]              an optional header line of two integers (word2vec, fastText)
//   word v1 v2 ... vDIM      one line per word, fields separated by spaces (or tabs)
// GloVe writes no header: the dim is the first line's. Words keep the file's order (word2vec and
// fastText write the most frequent first, which `max_words` relies on, as gensim's `limit`).
// Duplicate words (GloVe 840B has some) keep their first vector and are counted, as gensim does.
//
// Errors are FILE:LINE source errors: a value that is not a finite number, a line with another
// number of values than the dim, fewer or more lines than the header's count.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/core/tensor.h"
#include "tessera/data/line_source.h"

namespace tessera {

class WordVectors {
 public:
  WordVectors() = default;
  WordVectors(WordVectors&&) noexcept = default;  // the word buffers move with their vector
  WordVectors& operator=(WordVectors&&) noexcept = default;
  WordVectors(const WordVectors&) = delete;  // rows_ views into words_
  WordVectors& operator=(const WordVectors&) = delete;

  // Reads every word (max_words > 0: the first max_words of them).
  static WordVectors read(LineSource source, int64_t max_words = 0);
  static WordVectors read_file(const std::string& path, int64_t max_words = 0);

  int64_t size() const { return static_cast<int64_t>(words_.size()); }
  int64_t dim() const { return vectors_.cols(); }
  const std::vector<std::string>& words() const { return words_; }
  const Tensor& vectors() const { return vectors_; }  // size() x dim(), as in the file
  int64_t duplicates() const { return duplicates_; }  // lines whose word came before

  // The row of `word`, or nullopt.
  std::optional<int64_t> find(std::string_view word) const;

 private:
  std::vector<std::string> words_;
  Tensor vectors_;
  std::unordered_map<std::string_view, int64_t> rows_;  // views into words_
  int64_t duplicates_ = 0;
};

// Writes words and their rows (words.size() x dim) in the same format, with the header, each
// value in the shortest form that reads back to the same float; atomically (temporary file +
// rename), or to standard output for "-". Words must be non-empty, without spaces or newlines.
void write_word_vectors(const std::string& path, std::span<const std::string> words,
                        const Tensor& vectors);

}  // namespace tessera
