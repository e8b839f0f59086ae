// Fixed training pairs: (query, positive[, negatives]) texts from a pairs file, or every
// (query, relevant document) of a BEIR qrels split, as Examples whose anchor is the query.
// Featurized once, in parallel, when built.
#pragma once

#include <string>
#include <vector>

#include "tessera/data/beir.h"
#include "tessera/data/pair_reader.h"
#include "tessera/train/example.h"

namespace tessera {

class TextPairSource : public ExampleSource {
 public:
  // Pairs read from a file; keys are hashes of the texts. `name` is used in describe().
  static TextPairSource from_pairs(const Featurizer& featurizer, const std::vector<TextPair>& pairs,
                                   std::string name);
  // Every judged-relevant (score > 0) pair of `qrels` whose query is not in `exclude_queries`
  // (a dev split carved out of the same qrels); documents are "title text". Keys are the ids,
  // as corpus_document_key gives them, so crops of a document never share a batch with it.
  static TextPairSource from_beir(const Featurizer& featurizer, const BeirDataset& dataset,
                                  const std::vector<Qrel>& qrels,
                                  const std::vector<std::string>& exclude_queries,
                                  std::string name);

  std::string describe() const override;
  int64_t size() const override { return static_cast<int64_t>(items_.size()); }
  int64_t negatives_per_item() const override { return max_negatives_; }
  ExampleKeys keys(int64_t item) const override;
  void draw(int64_t item, Random& random, Example& out) const override;
  Features draw_anchor(int64_t item, Random& random) const override;

 private:
  struct Item {
    int32_t query = 0;     // index into texts_
    int32_t positive = 0;  // index into texts_
    std::vector<int32_t> negatives;
  };
  // Featurized distinct texts and their keys.
  std::vector<Features> texts_;
  std::vector<uint64_t> keys_;
  std::vector<Item> items_;
  int64_t max_negatives_ = 0;
  std::string name_;
};

// The key of a corpus document (shared by BEIR pairs and corpus crops).
uint64_t corpus_document_key(std::string_view doc_id);
// The key of a BEIR query.
uint64_t corpus_query_key(std::string_view query_id);

}  // namespace tessera
