// Fuzzes the word-level readers on the same bytes: word vectors (word2vec text format, optional
// header), word-similarity pairs and analogy questions; checks the shapes they promise.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/data/word_benchmarks.h"
#include "tessera/data/word_vectors_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const tessera::WordVectors vectors =
        tessera::WordVectors::read(tessera::LineSource::from_memory("fuzz.vec", bytes), size % 5);
    if (vectors.size() < 1 || vectors.dim() < 1) __builtin_trap();
    if (vectors.vectors().rows() != vectors.size()) __builtin_trap();
    for (int64_t row = 0; row < vectors.size(); ++row) {
      const std::string& word = vectors.words()[static_cast<size_t>(row)];
      if (word.empty()) __builtin_trap();
      const std::optional<int64_t> found = vectors.find(word);
      if (!found || *found > row) __builtin_trap();  // the first of duplicates
      for (int64_t c = 0; c < vectors.dim(); ++c) {
        if (!std::isfinite(vectors.vectors().row(row)[c])) __builtin_trap();
      }
    }
  } catch (const tessera::Error&) {
  }
  try {
    for (const tessera::WordPair& pair :
         tessera::read_word_pairs(tessera::LineSource::from_memory("fuzz.txt", bytes))) {
      if (pair.first.empty() || pair.second.empty() || !std::isfinite(pair.score)) {
        __builtin_trap();
      }
    }
  } catch (const tessera::Error&) {
  }
  try {
    const tessera::AnalogySet set =
        tessera::read_analogy_questions(tessera::LineSource::from_memory("fuzz.txt", bytes));
    for (const tessera::AnalogyQuestion& q : set.questions) {
      if (q.section < 0 || static_cast<size_t>(q.section) >= set.sections.size()) __builtin_trap();
      if (q.a.empty() || q.b.empty() || q.c.empty() || q.d.empty()) __builtin_trap();
    }
  } catch (const tessera::Error&) {
  }
  return 0;
}
