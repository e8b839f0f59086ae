// LabelWordMatch: how much of each label's description a text holds, the lexical term of a
// classifier whose labels are described (classifier.h's word match). share(text, label) = the
// words of the label's description the text holds / the words of the description, counting the
// vocabulary's words only (no hashed n-gram, not the end word every text holds). A text that
// names a label outright is the evidence a label never trained on (zero-shot) has most of, and
// the one a dense vector of its description blurs most.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "tessera/core/embedding_bag.h"
#include "tessera/text/featurizer.h"

namespace tessera::index_detail {

class LabelWordMatch {
 public:
  // descriptions: the labels' feature bags in label order, as featurizer gives them.
  LabelWordMatch(const Featurizer& featurizer, const Bags& descriptions);

  // The labels sharing a word with bag b of bags (featurized as the descriptions were), each
  // with its share in (0, 1], label ascending; out is overwritten, hits is scratch.
  void match(const Bags& bags, int64_t b, std::vector<std::pair<int32_t, float>>& out,
             std::vector<int32_t>& hits) const;

 private:
  bool is_word(int32_t id) const { return id < vocabulary_size_ && id != end_word_; }

  int64_t vocabulary_size_ = 0;
  int32_t end_word_ = -1;
  // Postings, word -> labels whose descriptions hold it: labels_[offsets_[w], offsets_[w + 1]).
  std::vector<int64_t> offsets_;
  std::vector<int32_t> labels_;
  std::vector<float> inverse_words_;  // per label, 1 / its description's words (0: none)
};

}  // namespace tessera::index_detail
