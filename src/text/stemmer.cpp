#include "tessera/text/stemmer.h"

#include <libstemmer.h>

#include <climits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/check.h"

namespace tessera {

namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* stemmer) const { sb_stemmer_delete(stemmer); }
};
using StemmerPtr = std::unique_ptr<sb_stemmer, StemmerDeleter>;

std::string known_algorithms() {
  std::string names;
  for (const char** name = sb_stemmer_list(); *name != nullptr; ++name) {
    if (!names.empty()) names += ", ";
    names += *name;
  }
  return names;
}

// This thread's stemmer for the algorithm (a handful of algorithms at most per thread).
sb_stemmer* thread_stemmer(const std::string& algorithm) {
  thread_local std::vector<std::pair<std::string, StemmerPtr>> stemmers;
  for (auto& [name, stemmer] : stemmers) {
    if (name == algorithm) return stemmer.get();
  }
  StemmerPtr stemmer(sb_stemmer_new(algorithm.c_str(), "UTF_8"));
  TESSERA_CHECK(stemmer != nullptr, "no Snowball stemmer '{}' (libstemmer has: {})", algorithm,
                known_algorithms());
  stemmers.emplace_back(algorithm, std::move(stemmer));
  return stemmers.back().second.get();
}

}  // namespace

Stemmer::Stemmer(std::string algorithm) : algorithm_(std::move(algorithm)) {
  thread_stemmer(algorithm_);  // fails here, not at the first stem(), for an unknown name
}

std::string Stemmer::stem(std::string_view word) const {
  TESSERA_CHECK(word.size() <= static_cast<size_t>(INT_MAX), "word of {} bytes is too long to stem",
                word.size());
  sb_stemmer* stemmer = thread_stemmer(algorithm_);
  const sb_symbol* stemmed = sb_stemmer_stem(
      stemmer, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  TESSERA_CHECK(stemmed != nullptr, "Snowball stemmer '{}' ran out of memory", algorithm_);
  return std::string(reinterpret_cast<const char*>(stemmed),
                     static_cast<size_t>(sb_stemmer_length(stemmer)));
}

}  // namespace tessera
