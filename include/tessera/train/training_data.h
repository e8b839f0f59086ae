// The training data of one run, read from files and mixed with weights:
//   pairs               (query, positive[, negative]) from JSONL or TSV files (pair_reader.h), or
//                       given in memory (the quickstart's, built from WordNet)
//   a BEIR split        every judged-relevant (query, document) of qrels/<split>.tsv, minus an
//                       optional dev share of its queries held out for evaluation
//   a raw corpus        Contriever-style crops (corpus_crop_source.h): the BEIR corpus, or
//                       --corpus (BEIR corpus.jsonl, or any text input, one document per line)
// load() reads the files; count_vocabulary() counts the words of every training text (never a
// dev one); make_sources() builds the example sources once the featurizer exists.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/data/beir.h"
#include "tessera/data/pair_reader.h"
#include "tessera/text/vocabulary.h"
#include "tessera/train/batcher.h"
#include "tessera/train/corpus_crop_source.h"

namespace tessera {

struct TrainingDataOptions {
  std::string beir_dir;              // BEIR directory ("" = none)
  std::string beir_split = "train";  // qrels split of its training pairs
  double beir_weight = 1.0;          // 0: use the BEIR corpus for crops only
  double dev_fraction = 0.0;         // share of the split's queries held out as a dev set
  uint64_t dev_seed = 1;             // which queries are held out (independent of training)
  std::string corpus_path;           // a corpus for crops ("" = the BEIR corpus, if any)
  std::string corpus_field;          // text field/column of a non-BEIR corpus (default text)
  double crops_weight = 1.0;         // 0: no crops
  CropOptions crops;
  std::vector<std::string> pair_files;
  std::vector<TextPair> pairs;       // in memory, after those of pair_files
  std::string pairs_name = "pairs";  // what describe() calls the in-memory pairs
  double pairs_weight = 1.0;
  PairFields pair_fields;                             // JSONL field names
  InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError;  // in every file read (kReplace: U+FFFD)
};

// Queries held out of a BEIR split for evaluation.
struct DevSplit {
  std::vector<std::string> query_ids;
  std::vector<Qrel> qrels;  // their judgements
};

class TrainingData {
 public:
  static TrainingData load(const TrainingDataOptions& options);

  // Every text the vocabulary should be counted over (documents, training queries, training pair
  // texts), and the vocabulary counted over them with `tokenizer`.
  std::vector<std::string> vocabulary_texts() const;
  Vocabulary count_vocabulary(const TokenizerOptions& tokenizer,
                              const VocabularyOptions& options) const;
  // The sources, weighted (they refer to featurizer, which must outlive them).
  std::vector<WeightedSource> make_sources(const Featurizer& featurizer);
  // A JSON object describing the data, for the model's provenance.
  std::string describe() const;

  const BeirDataset& beir() const { return beir_; }  // empty without a BEIR dir
  const DevSplit& dev() const { return dev_; }
  // Pairs of the pair files held out by dev_fraction (not trained on).
  const std::vector<TextPair>& dev_pairs() const { return dev_pairs_; }
  bool has_beir() const { return !options_.beir_dir.empty(); }

 private:
  TrainingDataOptions options_;
  BeirDataset beir_;
  std::vector<Qrel> train_qrels_;
  std::vector<BeirDocument> corpus_;  // for crops when not the BEIR corpus
  std::vector<TextPair> pairs_;
  bool memory_pairs_ = false;  // pairs_ holds the options' in-memory pairs
  std::vector<TextPair> dev_pairs_;
  DevSplit dev_;
  std::vector<std::unique_ptr<ExampleSource>> sources_;
};

}  // namespace tessera
