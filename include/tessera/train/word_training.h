// Word vectors from a raw corpus: skip-gram or CBOW with negative sampling (word2vec, Mikolov et
// al. 2013) over words made of their character n-grams (fastText, Bojanowski et al. 2017), so
// any word, seen or not, gets a vector.
//
// The result is a Model of two towers: "word", a bag encoder (mean pooling) over the word's own
// feature and its hashed char n-grams (the featurizer's: the vocabulary's words, then buckets),
// which is the word vector; and "context", one output row per vocabulary word (id encoder), the
// vectors the words are predicted by. Training streams the corpus: once to count words
// (min_count keeps the vocabulary), then each thread reads every pass of `epochs` and trains on
// its turns of lines (a long line cut into 1,000-token chunks); memory is the vocabulary, the
// buckets, a batch of lines while counting and a line per thread, whatever the corpus size.
//
// The loop is word2vec's and fastText's: per line, the words in the vocabulary, each dropped
// with word2vec's subsampling probability 1 - (sqrt(f / (sample N)) + 1) (sample N) / f for a
// word of count f among N; per kept word, a window of 1..window words each side (uniform, as
// word2vec's dynamic window); negatives drawn from counts^0.75. Skip-gram predicts each context
// word from the center's vector; CBOW predicts the center from the mean of the context words'
// features. One difference from fastText: skip-gram computes the center's vector once per window
// and applies its gradient after the window's last context word (fastText recomputes it for each
// context word), which saves most of the work on words with many n-grams. The learning rate
// decays linearly to 0 over all epochs.
//
// Threads update the shared tables without locks (Hogwild, as word2vec and fastText): results
// vary with the thread count and, beyond one thread, from run to run. With one thread a run is
// determined by the seed (and free of data races, which ThreadSanitizer checks).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tessera/core/enum_names.h"
#include "tessera/data/line_source.h"
#include "tessera/data/word_vectors_file.h"
#include "tessera/model/model.h"
#include "tessera/text/tokenizer.h"

namespace tessera {

enum class WordModelKind { kSkipgram, kCbow };
inline constexpr EnumName<WordModelKind> kWordModelKindNames[] = {
    {WordModelKind::kSkipgram, "skipgram"}, {WordModelKind::kCbow, "cbow"}};
template <>
inline constexpr EnumNames<WordModelKind> enum_names<WordModelKind> = kWordModelKindNames;

inline constexpr std::string_view kWordTower = "word";
inline constexpr std::string_view kContextTower = "context";

struct WordTrainingOptions {
  WordModelKind model = WordModelKind::kSkipgram;
  int64_t dim = 100;
  int32_t window = 5;     // the most words each side
  int32_t negatives = 5;  // per predicted word
  int64_t min_count = 5;  // rarer words get no row of their own (their n-grams still count)
  double sample = 1e-4;   // subsampling threshold (0: keep every word)
  int32_t epochs = 5;
  float lr = 0.05f;            // at the start, decaying linearly to 0
  int32_t char_ngram_min = 3;  // 0: whole words only
  int32_t char_ngram_max = 6;
  int64_t buckets = 2'000'000;  // hashed char n-gram rows
  uint64_t hash_seed = 0;       // mixed into the n-grams' hashes (featurizer_config.h)
  TokenizerOptions tokenizer;
  uint64_t seed = 1;
  int threads = 0;  // workers: 0, the pool's threads; more than the pool has are not used
};

struct WordTrainingProgress {
  int64_t words = 0;        // corpus words processed so far (all epochs)
  int64_t total_words = 0;  // epochs x the corpus's words
  double seconds = 0;
  double words_per_second_per_thread = 0;
  double loss = 0;  // mean negative-sampling loss of the last interval
  float lr = 0;
};

struct WordTrainingReport {
  int64_t vocabulary = 0;
  int64_t corpus_words = 0;  // tokens of one pass (in the vocabulary or not)
  double count_seconds = 0;
  double train_seconds = 0;
  double words_per_second_per_thread = 0;
  double loss = 0;  // of the last interval
};

// `open_corpus` opens the corpus afresh for each pass (and each thread): a LineSource of text
// lines. `progress` is called from one thread about every 0.2 s (may be null).
Model train_word_vectors(const std::function<LineSource()>& open_corpus,
                         const WordTrainingOptions& options, WordTrainingReport* report = nullptr,
                         const std::function<void(const WordTrainingProgress&)>& progress = {});

// A word model of given vectors (`tessera import --vec`): a "word" tower whose vocabulary is the
// table's words in file order (duplicates dropped, the first kept), each its own row, without
// n-grams; words are matched as written (no case folding, NFKC only).
Model word_model_from_vectors(const WordVectors& table, const std::string& source);

}  // namespace tessera
