// ClassifierHead: how a classifier model's scores become labels and probabilities, saved beside
// the model under the metadata key "classifier" (a JSON object {anchor_tower, label_tower, loss,
// similarity, scale, examples, label_counts, label_names, label_texts, word_match}).
//
// A text's logit for a label is scale * (the inner product of their vectors); with cosine
// similarity the model normalizes its vectors (Normalization::kL2), so the product is the
// cosine. A head with label texts and a word match w adds w * (the share of the label's
// description's words the text holds) to that logit. Probabilities are the softmax of the logits
// over the labels (loss softmax, and infonce, a softmax trained over the batch's labels) or each
// logit's sigmoid (ns, ova: independent labels).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/core/enum_names.h"
#include "tessera/model/model.h"
#include "tessera/train/label_objective.h"

namespace tessera {

enum class ClassifyLoss { kSoftmax, kNegativeSampling, kOneVsAll, kInfoNce };
inline constexpr EnumName<ClassifyLoss> kClassifyLossNames[] = {
    {ClassifyLoss::kSoftmax, "softmax"},
    {ClassifyLoss::kNegativeSampling, "ns"},
    {ClassifyLoss::kOneVsAll, "ova"},
    {ClassifyLoss::kInfoNce, "infonce"}};
template <>
inline constexpr EnumNames<ClassifyLoss> enum_names<ClassifyLoss> = kClassifyLossNames;

inline constexpr std::string_view kLabelTower = "label";
inline constexpr std::string_view kClassifierHeadKey = "classifier";

struct ClassifierHead {
  std::string anchor_tower = std::string(kQueryTower);
  std::string label_tower = std::string(kLabelTower);
  ClassifyLoss loss = ClassifyLoss::kSoftmax;
  Similarity similarity = Similarity::kDot;
  float scale = 1.0f;
  // The training data's size and each label's count in it (propensities, xc_metrics.h); empty
  // in heads saved before they were kept.
  int64_t examples = 0;
  std::vector<int64_t> label_counts;
  // A label tower that reads texts (labels embedded from their descriptions) has no names of
  // its own: the labels' names and texts are kept here (empty for a tower of ids).
  std::vector<std::string> label_names;
  std::vector<std::string> label_texts;
  // With label texts: added to a label's logit times the share of its description's words the
  // text holds (classifier.h); 0 (and absent from heads saved before it): none.
  float word_match = 0.0f;

  // Whether probabilities are a softmax over the labels (else independent sigmoids).
  bool softmax() const { return loss == ClassifyLoss::kSoftmax || loss == ClassifyLoss::kInfoNce; }
  std::string to_json() const;
  // Throws an Error saying what is wrong with the JSON.
  static ClassifierHead from_json(const std::string& json);
};

}  // namespace tessera
