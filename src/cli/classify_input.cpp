#include "classify_input.h"

#include <algorithm>

namespace tessera::cli {

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
