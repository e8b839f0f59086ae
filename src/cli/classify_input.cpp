#include "classify_input.h"

#include <algorithm>

#include "tessera/core/check.h"
#include "tessera/train/classification_training.h"

namespace tessera::cli {

Classifier load_classifier(const ClassifierArgs& a) {
  if (a.label_text.empty()) return Classifier::load(a.model, a.index, a.dim, nullptr, a.word_match);
  const LabelDescriptions labels = read_label_descriptions(LineSource::open(a.label_text));
  return Classifier::load(a.model, a.index, a.dim, &labels, a.word_match);
}

XcData read_xc_input(const LabeledInputOptions& input, const Classifier& classifier) {
  XcData data = read_xc(LineSource::open(input.path, input.on_invalid_utf8));
  TESSERA_CHECK(static_cast<size_t>(data.labels) == classifier.labels().size(),
                "{} has {} labels, the classifier {}: not the data set it was trained on",
                input.path, data.labels, classifier.labels().size());
  return data;
}

std::vector<std::vector<LabelScore>> predict_xc(const Classifier& classifier, const XcData& data,
                                                int64_t k, float threshold) {
  constexpr size_t kBatch = 8192;
  const Vocabulary& vocabulary = classifier.model().featurizer().vocabulary();
  std::vector<std::vector<LabelScore>> out;
  out.reserve(data.points.size());
  for (size_t begin = 0; begin < data.points.size(); begin += kBatch) {
    const EncoderInput input = xc_inputs(data, vocabulary, begin, begin + kBatch);
    for (auto& row : classifier.predict_input(input, k, threshold)) out.push_back(std::move(row));
  }
  return out;
}

std::vector<std::vector<LabelScore>> predict_all(const Classifier& classifier,
                                                 const std::vector<LabeledText>& items,
                                                 const std::string& source, int64_t k,
                                                 float threshold) {
  constexpr size_t kBatch = 8192;
  std::vector<std::vector<LabelScore>> out;
  out.reserve(items.size());
  std::vector<std::string> texts;
  for (size_t begin = 0; begin < items.size(); begin += kBatch) {
    texts.clear();
    const size_t end = std::min(items.size(), begin + kBatch);
    for (size_t i = begin; i < end; ++i) texts.push_back(items[i].text);
    // Lines of a batch need not be consecutive (blank lines are skipped): errors name the
    // first line of the batch's text.
    auto batch = classifier.predict(texts, k, threshold, TextOrigin{source, items[begin].line});
    for (auto& row : batch) out.push_back(std::move(row));
  }
  return out;
}

}  // namespace tessera::cli
