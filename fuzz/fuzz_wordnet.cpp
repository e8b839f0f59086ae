// Fuzzes read_wordnet_data (WordNet data files: fixed-width decimal and hex counts, pointers, verb
// frames, glosses), then builds a reverse dictionary from whatever parsed and checks its promise:
// no held-out definition occurs in a document or a training pair.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/data/reverse_dictionary.h"
#include "tessera/data/wordnet.h"

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<tessera::WordNetSynset> synsets;
  try {
    synsets = tessera::read_wordnet_data(tessera::LineSource::from_memory("fuzz.data", bytes));
  } catch (const tessera::Error&) {
    return 0;
  }
  for (const tessera::WordNetSynset& synset : synsets) {
    if (synset.id.size() != 9 || synset.id[0] != synset.pos) __builtin_trap();
    if (synset.words.empty()) __builtin_trap();
    for (const std::string& word : synset.words) {
      if (word.empty()) __builtin_trap();
    }
  }
  // Outside the try: the builder must not throw on anything the reader accepts.
  tessera::ReverseDictionaryOptions options;
  options.held_out = 3;
  options.seed = size;
  const tessera::ReverseDictionary task = tessera::build_reverse_dictionary(synsets, options);
  std::vector<std::string> corpus;
  for (const tessera::BeirDocument& doc : task.documents) corpus.push_back(lower(doc.text));
  for (const auto& pair : task.train_pairs) corpus.push_back(lower(pair.first));
  for (const tessera::BeirQuery& query : task.test_queries) {
    const std::string needle = lower(query.text);
    for (const std::string& text : corpus) {
      if (text.find(needle) != std::string::npos) __builtin_trap();
    }
  }
  return 0;
}
