#include "label_word_match.h"

#include <algorithm>

namespace tessera::index_detail {

LabelWordMatch::LabelWordMatch(const Featurizer& featurizer, const Bags& descriptions)
    : vocabulary_size_(featurizer.vocabulary().size()), end_word_(featurizer.end_word_id()) {
  const int64_t labels = descriptions.size();
  offsets_.assign(static_cast<size_t>(vocabulary_size_) + 1, 0);
  inverse_words_.assign(static_cast<size_t>(labels), 0.0f);
  // Bags hold distinct ids, so a description's words are counted once each.
  for (int64_t l = 0; l < labels; ++l) {
    int64_t words = 0;
    for (int64_t j = descriptions.offsets[l]; j < descriptions.offsets[l + 1]; ++j) {
      const int32_t id = descriptions.ids[j];
      if (!is_word(id)) continue;
      ++offsets_[static_cast<size_t>(id) + 1];
      ++words;
    }
    if (words > 0) inverse_words_[static_cast<size_t>(l)] = 1.0f / static_cast<float>(words);
  }
  for (size_t w = 1; w < offsets_.size(); ++w) offsets_[w] += offsets_[w - 1];
  labels_.resize(static_cast<size_t>(offsets_.back()));
  std::vector<int64_t> next(offsets_.begin(), offsets_.end() - 1);
  for (int64_t l = 0; l < labels; ++l) {  // label order, so each posting list ascends
    for (int64_t j = descriptions.offsets[l]; j < descriptions.offsets[l + 1]; ++j) {
      const int32_t id = descriptions.ids[j];
      if (is_word(id))
        labels_[static_cast<size_t>(next[static_cast<size_t>(id)]++)] = static_cast<int32_t>(l);
    }
  }
}

void LabelWordMatch::match(const Bags& bags, int64_t b, std::vector<std::pair<int32_t, float>>& out,
                           std::vector<int32_t>& hits) const {
  out.clear();
  hits.clear();
  for (int64_t j = bags.offsets[b]; j < bags.offsets[b + 1]; ++j) {
    const int32_t id = bags.ids[j];
    if (!is_word(id)) continue;
    hits.insert(hits.end(), labels_.begin() + offsets_[static_cast<size_t>(id)],
                labels_.begin() + offsets_[static_cast<size_t>(id) + 1]);
  }
  std::sort(hits.begin(), hits.end());
  for (size_t i = 0; i < hits.size();) {
    size_t run = i;
    while (run < hits.size() && hits[run] == hits[i]) ++run;
    const int32_t label = hits[i];
    out.emplace_back(label,
                     static_cast<float>(run - i) * inverse_words_[static_cast<size_t>(label)]);
    i = run;
  }
}

}  // namespace tessera::index_detail
