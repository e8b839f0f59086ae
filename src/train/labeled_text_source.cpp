#include "tessera/train/labeled_text_source.h"

#include <fmt/format.h>

#include "tessera/core/check.h"

namespace tessera {

namespace {

void check_labels(const std::string& name, const std::vector<std::vector<int32_t>>& labels,
                  size_t items, int64_t num_labels) {
  TESSERA_CHECK(items == labels.size(), "{}: {} texts with {} label lists", name, items,
                labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    TESSERA_CHECK(!labels[i].empty(), "{}: text {} has no label", name, i + 1);
    for (const int32_t label : labels[i]) {
      TESSERA_CHECK(label >= 0 && label < num_labels, "{}: text {} has label {}, not in [0, {})",
                    name, i + 1, label, num_labels);
    }
  }
}

}  // namespace

LabeledTextSource::LabeledTextSource(const Featurizer& featurizer,
                                     const std::vector<std::string>& texts,
                                     std::vector<std::vector<int32_t>> labels, int64_t num_labels,
                                     std::string name)
    : labels_(std::move(labels)), name_(std::move(name)) {
  check_labels(name_, labels_, texts.size(), num_labels);
  texts_ = featurizer.featurize_all(texts, name_);
  keys_.reserve(texts.size());
  for (const std::string& text : texts) keys_.push_back(text_key(text));
}

LabeledTextSource::LabeledTextSource(std::vector<Features> items,
                                     std::vector<std::vector<int32_t>> labels, int64_t num_labels,
                                     std::string name)
    : texts_(std::move(items)), labels_(std::move(labels)), name_(std::move(name)) {
  check_labels(name_, labels_, texts_.size(), num_labels);
  keys_.resize(texts_.size());
  for (size_t i = 0; i < keys_.size(); ++i) keys_[i] = text_key(fmt::format("#{}", i));
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
