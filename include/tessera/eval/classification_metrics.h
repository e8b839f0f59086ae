// Classification metrics as fastText's `test` defines them, from ranked predictions (at most k
// labels per text, those under the threshold already dropped) and each text's gold labels:
//   N     texts scored
//   P@k   correct predictions / predictions made (the top k of each text, fewer when the
//         threshold or the number of labels stops it)
//   R@k   correct predictions / gold labels
// Per label (at the first k asked): precision = correct / predicted, recall = correct / gold and
// their F1 (0 when both are 0); micro F1 from P@k and R@k, macro F1 the mean F1 over the labels
// that are gold or predicted somewhere. Texts with no gold label the model knows are not scored
// and labels it does not know are dropped from the gold (fastText does the same); the counts say
// how many.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "tessera/data/labeled_input.h"
#include "tessera/data/labeled_text_reader.h"
#include "tessera/index/classifier.h"
#include "tessera/train/trainer.h"

namespace tessera {

struct LabelCounts {
  int64_t gold = 0, predicted = 0, correct = 0;
  double precision() const { return predicted > 0 ? double(correct) / double(predicted) : 0.0; }
  double recall() const { return gold > 0 ? double(correct) / double(gold) : 0.0; }
  double f1() const;
};

struct ClassificationMetrics {
  int64_t examples = 0;             // N
  int64_t skipped = 0;              // texts without a known gold label
  int64_t unknown_gold = 0;         // gold labels the model does not know (dropped)
  std::vector<int64_t> ks;          // as asked
  std::vector<LabelCounts> at_k;    // totals at each k
  std::vector<LabelCounts> labels;  // per label id, at ks.front()
  double micro_f1 = 0, macro_f1 = 0;
};

// predictions[i]: text i's labels, best first, at least max(ks) deep unless cut by the threshold
// or the label count; gold[i]: its gold label ids (-1 for a label the model does not know).
ClassificationMetrics classification_metrics(
    const std::vector<std::vector<LabelScore>>& predictions,
    const std::vector<std::vector<int32_t>>& gold, const std::vector<int64_t>& ks,
    int64_t num_labels);

// Each item's labels as ids among names (-1 for a name not among them).
std::vector<std::vector<int32_t>> gold_label_ids(const std::vector<LabeledText>& items,
                                                 const std::vector<std::string>& names);

// A labeled set (validation or test) as a classifier's model reads it: the featurized texts or
// the XC points (checked against the label count), and their gold label ids among labels.
struct LabeledInputs {
  EncoderInput inputs;
  std::vector<std::vector<int32_t>> gold;
};
LabeledInputs read_labeled_inputs(const LabeledInputOptions& options, const Model& model,
                                  const std::vector<std::string>& labels);

// P@1 of texts whose unnormalized vectors (the head's anchor tower's encode) are `encoded`, at
// prefix dim, the labels searched exactly; with the texts' features, the head's word match too.
double precision_at_1(const Model& model, const ClassifierHead& head, const Tensor& encoded,
                      const std::vector<std::vector<int32_t>>& gold, int64_t dim,
                      const Bags* features = nullptr);

// The hook for Trainer::on_epoch_end: P@1 of the inputs (the featurized texts, or XC points;
// "valid P@1", the accuracy of single-label data) at the full dim and at every smaller
// Matryoshka prefix ("valid P@1 dim <d>"), the labels searched exactly.
Trainer::EvaluateFn classification_dev_evaluation(EncoderInput inputs,
                                                  std::vector<std::vector<int32_t>> gold,
                                                  ClassifierHead head);

}  // namespace tessera
