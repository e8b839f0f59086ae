#include "tessera/train/labeled_text_source.h"

#include <fmt/format.h>

#include "tessera/core/check.h"

namespace tessera {

LabeledTextSource::LabeledTextSource(const Featurizer& featurizer,
                                     const std::vector<std::string>& texts,
                                     std::vector<std::vector<int32_t>> labels, int64_t num_labels,
                                     std::string name)
    : labels_(std::move(labels)), name_(std::move(name)) {
  TESSERA_CHECK(texts.size() == labels_.size(), "{}: {} texts with {} label lists", name_,
                texts.size(), labels_.size());
  for (size_t i = 0; i < labels_.size(); ++i) {
    TESSERA_CHECK(!labels_[i].empty(), "{}: text {} has no label", name_, i + 1);
    for (const int32_t label : labels_[i]) {
      TESSERA_CHECK(label >= 0 && label < num_labels, "{}: text {} has label {}, not in [0, {})",
                    name_, i + 1, label, num_labels);
    }
  }
  texts_ = featurizer.featurize_all(texts, name_);
  keys_.reserve(texts.size());
  for (const std::string& text : texts) keys_.push_back(text_key(text));
}

std::string LabeledTextSource::describe() const {
  return fmt::format("{} ({} labeled texts)", name_, texts_.size());
}

ExampleKeys LabeledTextSource::keys(int64_t item) const {
  return ExampleKeys{keys_[static_cast<size_t>(item)], {}};
}

void LabeledTextSource::draw(int64_t item, Random& /*random*/, Example& out) const {
  out.anchor = texts_[static_cast<size_t>(item)];
  out.positives.clear();
  for (const int32_t label : labels_[static_cast<size_t>(item)]) {
    out.positives.push_back(Example::id(label));
  }
  out.negatives.clear();
}

Features LabeledTextSource::draw_anchor(int64_t item, Random& /*random*/) const {
  return texts_[static_cast<size_t>(item)];
}

}  // namespace tessera
