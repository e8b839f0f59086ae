#include "tessera/index/classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "label_word_match.h"
#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/matmul.h"
#include "tessera/core/parallel.h"
#include "tessera/index/index_spec.h"
#include "tessera/model/id_encoder.h"
#include "tessera/model/safetensors.h"

namespace tessera {

Tensor classifier_label_vectors(const Model& model, const ClassifierHead& head, int64_t dim) {
  const Encoder& tower = model.tower(head.label_tower);
  if (tower.input_kind() != EncoderInputKind::kIds) {
    return model.embed(head.label_texts, dim, head.label_tower);
  }
  const auto* ids = dynamic_cast<const IdEncoder*>(&tower);
  TESSERA_CHECK(ids != nullptr, "tower '{}' is not a tower of ids", head.label_tower);
  std::vector<int32_t> all(static_cast<size_t>(ids->table().value.dim(0)));
  std::iota(all.begin(), all.end(), 0);
  return model.embed_input(EncoderInput::of_ids(all), dim, head.label_tower);
}

Classifier::Classifier(std::shared_ptr<const Model> model, ClassifierHead head,
                       const std::string& index_spec, int64_t dim)
    : model_(std::move(model)), head_(std::move(head)), dim_(dim == 0 ? model_->dim() : dim) {
  TESSERA_CHECK(dim_ >= 1 && dim_ <= model_->dim(), "dim {} is outside [1, {}]", dim_,
                model_->dim());
  const Encoder& tower = model_->tower(head_.label_tower);
  if (tower.input_kind() == EncoderInputKind::kIds) {
    const auto* ids = dynamic_cast<const IdEncoder*>(&tower);
    TESSERA_CHECK(ids != nullptr && !ids->names().empty(),
                  "tower '{}' is not a tower of named labels", head_.label_tower);
    labels_ = std::shared_ptr<const std::vector<std::string>>(model_, &ids->names());
  } else {
    TESSERA_CHECK(!head_.label_names.empty(),
                  "tower '{}' embeds texts, and the classifier head holds no label texts",
                  head_.label_tower);
    labels_ = std::make_shared<const std::vector<std::string>>(head_.label_names);
  }
  TESSERA_CHECK(head_.label_counts.empty() || head_.label_counts.size() == labels_->size(),
                "the classifier head counts {} labels, the tower has {}", head_.label_counts.size(),
                labels_->size());
  TESSERA_CHECK(head_.word_match >= 0 && std::isfinite(head_.word_match),
                "word match {} is not >= 0", head_.word_match);
  (void)model_->tower(head_.anchor_tower);  // an Error naming the towers when it has none
  const std::string spec_text = !index_spec.empty()                                   ? index_spec
                                : static_cast<int64_t>(labels_->size()) > kHnswLabels ? "hnsw"
                                                                                      : "flat";
  const ResolvedIndexSpec spec = resolve(parse_index_spec(spec_text), dim_);
  TESSERA_CHECK(spec.dim() == dim_, "the label index '{}' has {} dims, the classifier {}",
                spec.name(), spec.dim(), dim_);
  index_name_ = spec.name();
  index_ = make_index(spec, model_->normalization() == Normalization::kL2);
  label_vectors_ = classifier_label_vectors(*model_, head_, dim_);
  index_->add(label_vectors_);
  if (head_.word_match > 0 && !head_.label_texts.empty()) {
    word_match_ = std::make_shared<const index_detail::LabelWordMatch>(
        model_->featurizer(), model_->featurize(head_.label_texts));
  }
}

Classifier Classifier::load(const std::string& path, const std::string& index_spec, int64_t dim,
                            const LabelDescriptions* labels, std::optional<float> word_match) {
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
  if (labels != nullptr) {
    TESSERA_CHECK(model->tower(head.label_tower).input_kind() != EncoderInputKind::kIds,
                  "{}: its labels are rows of ids, not embedded from texts: labels from "
                  "descriptions need a classifier trained with --label-text",
                  path);
    std::unordered_map<std::string, int64_t> count_of;
    for (size_t l = 0; l < head.label_names.size() && l < head.label_counts.size(); ++l) {
      count_of.emplace(head.label_names[l], head.label_counts[l]);
    }
    head.label_counts.clear();
    if (!count_of.empty()) {
      for (const std::string& name : labels->names) {
        const auto count = count_of.find(name);
        head.label_counts.push_back(count == count_of.end() ? 0 : count->second);
      }
    }
    head.label_names = labels->names;
    head.label_texts = labels->texts;
  }
  if (word_match) {
    TESSERA_CHECK(*word_match == 0 || !head.label_texts.empty(),
                  "{}: its labels have no descriptions to match words with (a word match needs a "
                  "classifier trained with --label-text)",
                  path);
    head.word_match = *word_match;
  }
  try {
    return Classifier(std::move(model), std::move(head), index_spec, dim);
  } catch (const Error& e) {
    TESSERA_FAIL("{}: {}", path, e.what());
  }
}

std::vector<std::vector<LabelScore>> Classifier::predict(const std::vector<std::string>& texts,
                                                         int64_t k, float threshold,
                                                         const TextOrigin& origin) const {
  if (!word_match_) {
    return predict_vectors(model_->embed(texts, dim_, head_.anchor_tower, origin), k, threshold);
  }
  const EncoderInput input{model_->featurize(texts, origin)};
  return predict_input(input, k, threshold);
}

std::vector<std::vector<LabelScore>> Classifier::predict_input(const EncoderInput& input, int64_t k,
                                                               float threshold) const {
  return predict_vectors(model_->embed_input(input, dim_, head_.anchor_tower), k, threshold,
                         &input.bags);
}

std::vector<std::vector<LabelScore>> Classifier::predict_vectors(const Tensor& vectors, int64_t k,
                                                                 float threshold,
                                                                 const Bags* features) const {
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  TESSERA_CHECK(vectors.cols() == dim_, "vectors of {} dims for a classifier of {}", vectors.cols(),
                dim_);
  const auto num_labels = static_cast<int64_t>(labels_->size());
  k = std::min(k, num_labels);
  const bool exact_softmax = head_.softmax() && num_labels <= kExactSoftmaxLabels;
  const index_detail::LabelWordMatch* word_match =
      features != nullptr ? word_match_.get() : nullptr;
  TESSERA_CHECK(word_match == nullptr || features->size() == vectors.rows(),
                "{} feature bags for {} vectors", features->size(), vectors.rows());
  const double match_weight = head_.word_match;
  // The index proposes labels (and the word match those sharing a word with the text); their
  // scores are recomputed in fp32 (an int8 or binary index ranks by codes), and the softmax
  // over many labels is normalized over the best it returns.
  const int64_t depth = head_.softmax() && !exact_softmax ? std::max(k, kSoftmaxDepth) : k;
  const TopK top = index_->search(vectors, depth);
  std::vector<std::vector<LabelScore>> out(static_cast<size_t>(vectors.rows()));
  constexpr int64_t kBlock = 256;  // texts whose every label logit is held at once
  for (int64_t begin = 0; begin < vectors.rows(); begin += kBlock) {
    const int64_t end = std::min(vectors.rows(), begin + kBlock);
    Tensor all;  // exact softmax: every label's score of the block's texts
    if (exact_softmax) all = matmul(vectors.slice_rows(begin, end), label_vectors_, false, true);
    parallel_for(end - begin, [&](int64_t from, int64_t to, int) {
      std::vector<std::pair<int32_t, float>> matches;  // (label, share), label ascending
      std::vector<int32_t> hits;                       // the word match's scratch
      std::vector<int64_t> candidates;
      std::vector<std::pair<double, int64_t>> logits;
      std::vector<double> adjusted;  // exact softmax: every label's logit with its word match
      for (int64_t q = begin + from; q < begin + to; ++q) {
        const auto ids = top.ids_of(q);
        candidates.clear();
        for (int64_t j = 0; j < depth && ids[j] >= 0; ++j) candidates.push_back(ids[j]);
        matches.clear();
        if (word_match != nullptr) {
          word_match->match(*features, q, matches, hits);
          for (const auto& [label, share] : matches) candidates.push_back(label);
          std::sort(candidates.begin(), candidates.end());
          candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
        }
        // The word match's addition to label l's logit (matches ascend by label).
        const auto bonus = [&](int64_t l) {
          const auto it = std::lower_bound(
              matches.begin(), matches.end(), l,
              [](const std::pair<int32_t, float>& m, int64_t label) { return m.first < label; });
          return it != matches.end() && it->first == l ? match_weight * it->second : 0.0;
        };
        logits.clear();
        for (const int64_t id : candidates) {
          const double score = kernels::dot(vectors.row(q), label_vectors_.row(id), dim_);
          logits.emplace_back(static_cast<double>(head_.scale) * score + bonus(id), id);
        }
        std::sort(logits.begin(), logits.end(), [](const auto& a, const auto& b) {
          return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        double normalizer = 0.0;
        if (exact_softmax) {
          const float* row = all.row(q - begin);
          adjusted.resize(static_cast<size_t>(num_labels));
          for (int64_t l = 0; l < num_labels; ++l) {
            adjusted[static_cast<size_t>(l)] = double(head_.scale) * row[l];
          }
          for (const auto& [label, share] : matches) {
            adjusted[static_cast<size_t>(label)] += match_weight * share;
          }
          const double max = *std::max_element(adjusted.begin(), adjusted.end());
          for (const double a : adjusted) normalizer += std::exp(a - max);
          normalizer = max + std::log(normalizer);
        } else if (head_.softmax() && !logits.empty()) {
          for (const auto& [l, id] : logits) normalizer += std::exp(l - logits.front().first);
          normalizer = logits.front().first + std::log(normalizer);
        }
        auto& row = out[static_cast<size_t>(q)];
        for (size_t j = 0; j < logits.size() && static_cast<int64_t>(j) < k; ++j) {
          const double l = logits[j].first;
          const auto p = static_cast<float>(head_.softmax() ? std::exp(l - normalizer)
                                                            : 1.0 / (1.0 + std::exp(-l)));
          if (p < threshold) break;  // sorted by score, so by probability
          row.push_back({static_cast<int32_t>(logits[j].second), p});
        }
      }
    });
  }
  return out;
}

}  // namespace tessera
