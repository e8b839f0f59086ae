// Labeled texts as Examples: the anchor is the text, each of its labels a positive (a one-id
// item: the label's row in a tower of ids, or its row in a catalog of label descriptions). For
// classification with labels as embedded entities (StarSpace's trainMode 0, fastText's
// supervised mode seen as retrieval of labels).
//
// Texts are featurized once, in parallel, when built. Keys name the text only: many examples
// share a label, and a batch may hold them all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/train/example.h"

namespace tessera {

class LabeledTextSource : public ExampleSource {
 public:
  // texts[i] carries labels[i] (ids in [0, num_labels), at least one each).
  LabeledTextSource(const Featurizer& featurizer, const std::vector<std::string>& texts,
                    std::vector<std::vector<int32_t>> labels, int64_t num_labels, std::string name);
  // Items already featurized (the XC format's weighted feature ids), keyed by their position.
  LabeledTextSource(std::vector<Features> items, std::vector<std::vector<int32_t>> labels,
                    int64_t num_labels, std::string name);

  std::string describe() const override;
  int64_t size() const override { return static_cast<int64_t>(texts_.size()); }
  ExampleKeys keys(int64_t item) const override;
  void draw(int64_t item, Random& random, Example& out) const override;
  Features draw_anchor(int64_t item, Random& random) const override;
  // Every item's features, in order.
  const std::vector<Features>& items() const { return texts_; }

 private:
  std::vector<Features> texts_;
  std::vector<uint64_t> keys_;
  std::vector<std::vector<int32_t>> labels_;
  std::string name_;
};

}  // namespace tessera
