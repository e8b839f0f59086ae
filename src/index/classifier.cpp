#include "tessera/index/classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/index/index_spec.h"
#include "tessera/model/id_encoder.h"
#include "tessera/model/safetensors.h"

namespace tessera {

Classifier::Classifier(std::shared_ptr<const Model> model, ClassifierHead head,
                       const std::string& index_spec, int64_t dim)
    : model_(std::move(model)), head_(std::move(head)), dim_(dim == 0 ? model_->dim() : dim) {
  TESSERA_CHECK(dim_ >= 1 && dim_ <= model_->dim(), "dim {} is outside [1, {}]", dim_,
                model_->dim());
  const auto* tower = dynamic_cast<const IdEncoder*>(&model_->tower(head_.label_tower));
  TESSERA_CHECK(tower != nullptr && !tower->names().empty(),
                "tower '{}' is not a tower of named labels", head_.label_tower);
  labels_ = &tower->names();
  TESSERA_CHECK(head_.label_counts.empty() || head_.label_counts.size() == labels_->size(),
                "the classifier head counts {} labels, the tower has {}", head_.label_counts.size(),
                labels_->size());
  (void)model_->tower(head_.anchor_tower);  // an Error naming the towers when it has none
  const std::string spec_text = !index_spec.empty()                                   ? index_spec
                                : static_cast<int64_t>(labels_->size()) > kHnswLabels ? "hnsw"
                                                                                      : "flat";
  const ResolvedIndexSpec spec = resolve(parse_index_spec(spec_text), dim_);
  TESSERA_CHECK(spec.dim() == dim_, "the label index '{}' has {} dims, the classifier {}",
                spec.name(), spec.dim(), dim_);
  index_name_ = spec.name();
  index_ = make_index(spec, model_->normalization() == Normalization::kL2);
  std::vector<int32_t> ids(labels_->size());
  std::iota(ids.begin(), ids.end(), 0);
  index_->add(model_->embed_input(EncoderInput::of_ids(ids), dim_, head_.label_tower));
}

Classifier Classifier::load(const std::string& path, const std::string& index_spec, int64_t dim) {
  const auto metadata = read_safetensors_metadata(path);
  const auto it = metadata.find(std::string(kClassifierHeadKey));
  TESSERA_CHECK(it != metadata.end(),
                "{}: not a classifier (no \"{}\" metadata; train one with tessera train --task "
                "classify)",
                path, kClassifierHeadKey);
  ClassifierHead head;
  try {
    head = ClassifierHead::from_json(it->second);
  } catch (const Error& e) {
    TESSERA_FAIL("{}: {}", path, e.what());
  }
  auto model = std::make_shared<const Model>(Model::load(path));
  try {
    return Classifier(std::move(model), std::move(head), index_spec, dim);
  } catch (const Error& e) {
    TESSERA_FAIL("{}: {}", path, e.what());
  }
}

std::vector<std::vector<LabelScore>> Classifier::predict(const std::vector<std::string>& texts,
                                                         int64_t k, float threshold,
                                                         const TextOrigin& origin) const {
  return predict_vectors(model_->embed(texts, dim_, head_.anchor_tower, origin), k, threshold);
}

std::vector<std::vector<LabelScore>> Classifier::predict_input(const EncoderInput& input, int64_t k,
                                                               float threshold) const {
  return predict_vectors(model_->embed_input(input, dim_, head_.anchor_tower), k, threshold);
}

std::vector<std::vector<LabelScore>> Classifier::predict_vectors(const Tensor& vectors, int64_t k,
                                                                 float threshold) const {
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  TESSERA_CHECK(vectors.cols() == dim_, "vectors of {} dims for a classifier of {}", vectors.cols(),
                dim_);
  const auto num_labels = static_cast<int64_t>(labels_->size());
  k = std::min(k, num_labels);
  // The softmax needs every logit (or the best kSoftmaxDepth) to normalize.
  const int64_t depth = !head_.softmax()                    ? k
                        : num_labels <= kExactSoftmaxLabels ? num_labels
                                                            : std::max(k, kSoftmaxDepth);
  const TopK top = index_->search(vectors, depth);
  std::vector<std::vector<LabelScore>> out(static_cast<size_t>(vectors.rows()));
  parallel_for(vectors.rows(), [&](int64_t begin, int64_t end, int) {
    std::vector<double> logits;
    for (int64_t q = begin; q < end; ++q) {
      const auto ids = top.ids_of(q);
      const auto scores = top.scores_of(q);
      logits.clear();
      for (int64_t j = 0; j < depth && ids[j] >= 0; ++j) {
        logits.push_back(static_cast<double>(head_.scale) * scores[j]);
      }
      double normalizer = 0.0;
      if (head_.softmax() && !logits.empty()) {
        const double max = *std::max_element(logits.begin(), logits.end());
        for (const double l : logits) normalizer += std::exp(l - max);
        normalizer = max + std::log(normalizer);
      }
      auto& row = out[static_cast<size_t>(q)];
      for (size_t j = 0; j < logits.size() && static_cast<int64_t>(j) < k; ++j) {
        const auto p = static_cast<float>(head_.softmax() ? std::exp(logits[j] - normalizer)
                                                          : 1.0 / (1.0 + std::exp(-logits[j])));
        if (p < threshold) break;  // ranked by score, so by probability
        row.push_back({static_cast<int32_t>(ids[j]), p});
      }
    }
  });
  return out;
}

}  // namespace tessera
