// Snowball stemming through libstemmer (https://snowballstem.org).
//
// The default algorithm, "porter", is Martin Porter's original algorithm, the one Lucene's
// PorterStemFilter (EnglishAnalyzer) applies, so BM25 over tessera's tokens can reproduce
// published Lucene/Anserini numbers; "english" is Porter2. Any name sb_stemmer_list() reports
// is accepted.
//
// Thread safety: a libstemmer sb_stemmer holds per-call state and must not be shared between
// threads. Stemmer keeps one sb_stemmer per (thread, algorithm) in thread-local storage, created
// on first use in that thread and freed when the thread exits, so a const Stemmer may be used
// from any number of threads at once.
#pragma once

#include <string>
#include <string_view>

namespace tessera {

class Stemmer {
 public:
  // Throws tessera::Error when libstemmer has no such algorithm (the message lists the ones it
  // has).
  explicit Stemmer(std::string algorithm = "porter");

  // The stem of one lowercase UTF-8 word.
  std::string stem(std::string_view word) const;

  const std::string& algorithm() const { return algorithm_; }

 private:
  std::string algorithm_;
};

}  // namespace tessera
