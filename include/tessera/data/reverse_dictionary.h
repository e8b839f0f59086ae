// A reverse-dictionary retrieval task built from WordNet (after Hill et al., "Learning to
// Understand Phrases by Embedding the Dictionary", 2016): the query is a definition, the answer
// is the word it defines. Each word is a document; a seeded sample of synsets is held out, and
// their definitions become the test queries.
//
// The guarantee the task exists for: a held-out definition is never seen, neither in the index
// nor in training. A held-out synset gives nothing to any document (neither its gloss nor its
// synonym links) and no training pair, and a synset is only held out when its definition (at
// least kMinHeldOutWords words) occurs, ignoring ASCII case, in no other synset's definition or
// example and in no word, so no document or training pair contains it. Document lines are joined
// with '\n', which no held-out definition contains, so no occurrence can straddle two lines.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tessera/data/beir.h"
#include "tessera/data/pair_reader.h"
#include "tessera/data/wordnet.h"

namespace tessera {

struct ReverseDictionaryOptions {
  // Synsets whose definition becomes a test query (fewer when fewer are eligible); 0 for none.
  int64_t held_out = 2000;
  // Picks the held-out synsets (the same seed and synsets give the same task everywhere).
  uint64_t seed = 0;
  // 0 keeps every word; otherwise only the max_words words with the most senses (ties by word),
  // so a small task still has rich documents. Synsets keep only those words, and a synset left
  // without any is dropped.
  int64_t max_words = 0;
};

struct ReverseDictionary {
  // One per distinct lowercased lemma, sorted by id. id: the lowercased lemma ("dog",
  // "domestic dog"); title: the lemma as first seen (in synset order, case kept); text: lines
  // joined by '\n': the title, each synonym (once, from the word's kept synsets), then each kept
  // synset's definition and examples in synset order. A word whose every synset is held out has
  // a document holding only its title.
  std::vector<BeirDocument> documents;
  // One per held-out synset, in synset order: id "<synset id>:<first word's document id>"
  // ("n02084071:dog"), text the definition.
  std::vector<BeirQuery> test_queries;
  // Each test query -> the document of every word of its synset, score 1.
  std::vector<Qrel> test_qrels;
  // (definition, document id) for every word of every kept synset with a definition, in synset
  // order: training pairs gloss -> word.
  std::vector<std::pair<std::string, std::string>> train_pairs;
};

// Held-out definitions have at least this many space-separated words.
inline constexpr int kMinHeldOutWords = 3;

ReverseDictionary build_reverse_dictionary(const std::vector<WordNetSynset>& synsets,
                                           const ReverseDictionaryOptions& options = {});

// The task as a BEIR dataset (what the quickstart writes and evaluates): the documents, with ids
// as WordNet writes lemmas ("domestic_dog": TREC run files split on spaces); the training
// definitions as queries of split "train" (one query "train-<n>" per distinct definition,
// relevant to every word it defines) and the held-out ones as split "test".
BeirDataset reverse_dictionary_dataset(ReverseDictionary task);

// The training pairs of such a dataset: each training definition with the document of a word it
// defines, that definition's line taken out. Test queries are definitions no document holds, so
// a model learns to find a word from its other senses, synonyms and examples, not by matching
// the text.
std::vector<TextPair> reverse_dictionary_pairs(const BeirDataset& dataset);

}  // namespace tessera
