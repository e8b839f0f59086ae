// Classifier: a classifier model (classification_training.h) that predicts labels: the text is
// embedded by the head's anchor tower, and the label tower's vectors, in an index built by the
// index factory (flat by default, HNSW for large label sets: "hnsw" in index_spec.h's grammar),
// return the best labels; the head (classifier_head.h) turns their scores into probabilities.
//
// Probabilities: independent sigmoids of the logits (ns, ova), or the softmax over the labels
// (softmax). The index proposes the best labels; their scores are recomputed in fp32 (an int8 or
// binary index ranks by its codes). The softmax is normalized over every label when there are
// at most kExactSoftmaxLabels of them (each block of texts scored against all labels at once),
// else over the best kSoftmaxDepth the index returns (an approximation that leaves the ranking
// as it is). Above kHnswLabels labels the default index is HNSW, whose recall is lower over the
// unnormalized vectors of dot similarity than over cosine's unit vectors.
//
// Word match: with the head's word_match w > 0 and labels described, a text's logit for a label
// gains w * (the share of the label's description's words the text holds: label_word_match.h),
// and every label sharing a word with the text is scored beside those the index proposes. It
// reads the text's features (predict_vectors takes them beside the vectors). A
// text that names a label is the evidence a label never trained on has most of: on the dev
// splits of bench/xc_zero_shot.py, w = 3 lifted held-out labels' P@1 among all labels from 0.051
// to 0.105 (bibtex) and 0.027 to 0.045 (delicious).
//
// The label tower is a tower of named ids, or one that reads texts (labels embedded from their
// descriptions, kept in the head): its labels can be replaced by others, described, that it was
// never trained on (zero-shot).
//
// Immutable once built; predict is const and safe to call from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/tensor.h"
#include "tessera/data/label_descriptions.h"
#include "tessera/index/index.h"
#include "tessera/model/model.h"
#include "tessera/train/classifier_head.h"

namespace tessera {

namespace index_detail {
class LabelWordMatch;
}

inline constexpr int64_t kExactSoftmaxLabels = 4096;
// Label sets larger than this are searched by HNSW when no index spec is given.
inline constexpr int64_t kHnswLabels = 100'000;
inline constexpr int64_t kSoftmaxDepth = 256;

// The label vectors of a classifier model with this head at prefix dim (0: full), labels x dim:
// the rows of its tower of ids, or its label tower's embedding of the head's label texts.
Tensor classifier_label_vectors(const Model& model, const ClassifierHead& head, int64_t dim);

struct LabelScore {
  int32_t label = -1;
  float probability = 0.0f;
};

class Classifier {
 public:
  // The labels of model's head tower indexed by index_spec (empty: "flat", or "hnsw" above
  // kHnswLabels labels) at prefix dim (0: the model's full dim). Throws when the label tower has
  // no names (ids) or the head no label texts (a tower of texts).
  Classifier(std::shared_ptr<const Model> model, ClassifierHead head,
             const std::string& index_spec = "", int64_t dim = 0);
  // Reads a model file with its head; an Error naming the file when it has none. With labels,
  // they replace the model's (its label tower must read texts; training counts are kept for the
  // labels of the same name). A word_match given replaces the head's.
  static Classifier load(const std::string& path, const std::string& index_spec = "",
                         int64_t dim = 0, const LabelDescriptions* labels = nullptr,
                         std::optional<float> word_match = std::nullopt);

  const std::vector<std::string>& labels() const { return *labels_; }
  const Model& model() const { return *model_; }
  const ClassifierHead& head() const { return head_; }
  int64_t dim() const { return dim_; }
  // The canonical name of the label index's spec.
  const std::string& index_name() const { return index_name_; }

  // The k most probable labels of each text whose probability is at least threshold, most
  // probable first (ties: the lower label id).
  std::vector<std::vector<LabelScore>> predict(const std::vector<std::string>& texts, int64_t k,
                                               float threshold = 0.0f,
                                               const TextOrigin& origin = {}) const;
  // The same from any input the anchor tower reads (feature bags: the XC format's points).
  std::vector<std::vector<LabelScore>> predict_input(const EncoderInput& input, int64_t k,
                                                     float threshold = 0.0f) const;
  // The same from texts' vectors as the anchor tower's embed gives them at dim(); the word
  // match needs the texts' features (vectors hold no words), none without them.
  std::vector<std::vector<LabelScore>> predict_vectors(const Tensor& vectors, int64_t k,
                                                       float threshold = 0.0f,
                                                       const Bags* features = nullptr) const;

 private:
  std::shared_ptr<const Model> model_;
  ClassifierHead head_;
  int64_t dim_ = 0;
  std::shared_ptr<const std::vector<std::string>> labels_;
  Tensor label_vectors_;  // labels x dim, as the index holds them
  std::unique_ptr<Index> index_;
  std::string index_name_;
  std::shared_ptr<const index_detail::LabelWordMatch> word_match_;  // null: no word match
};

}  // namespace tessera
