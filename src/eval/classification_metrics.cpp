#include "tessera/eval/classification_metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "tessera/core/check.h"
#include "tessera/train/classification_training.h"

namespace tessera {

double LabelCounts::f1() const {
  const double p = precision(), r = recall();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

ClassificationMetrics classification_metrics(
    const std::vector<std::vector<LabelScore>>& predictions,
    const std::vector<std::vector<int32_t>>& gold, const std::vector<int64_t>& ks,
    int64_t num_labels) {
  TESSERA_CHECK(predictions.size() == gold.size(), "{} predictions for {} texts",
                predictions.size(), gold.size());
  TESSERA_CHECK(!ks.empty(), "no k to score at");
  for (const int64_t k : ks) TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  ClassificationMetrics m;
  m.ks = ks;
  m.at_k.resize(ks.size());
  m.labels.resize(static_cast<size_t>(num_labels));
  std::vector<int32_t> known;
  for (size_t i = 0; i < gold.size(); ++i) {
    known.clear();
    for (const int32_t label : gold[i]) {
      if (label < 0) {
        ++m.unknown_gold;
      } else if (std::find(known.begin(), known.end(), label) == known.end()) {
        TESSERA_CHECK(label < num_labels, "gold label {} is not in [0, {})", label, num_labels);
        known.push_back(label);
      }
    }
    if (known.empty()) {
      ++m.skipped;
      continue;
    }
    ++m.examples;
    const auto is_gold = [&](int32_t label) {
      return std::find(known.begin(), known.end(), label) != known.end();
    };
    for (size_t q = 0; q < ks.size(); ++q) {
      LabelCounts& c = m.at_k[q];
      c.gold += static_cast<int64_t>(known.size());
      const auto depth = std::min<size_t>(predictions[i].size(), static_cast<size_t>(ks[q]));
      for (size_t j = 0; j < depth; ++j) {
        ++c.predicted;
        c.correct += is_gold(predictions[i][j].label);
        if (q != 0) continue;
        const auto label = static_cast<size_t>(predictions[i][j].label);
        TESSERA_CHECK(label < m.labels.size(), "predicted label {} is not in [0, {})", label,
                      num_labels);
        ++m.labels[label].predicted;
        m.labels[label].correct += is_gold(predictions[i][j].label);
      }
    }
    for (const int32_t label : known) ++m.labels[static_cast<size_t>(label)].gold;
  }
  m.micro_f1 = m.at_k.front().f1();
  double total = 0;
  int64_t seen = 0;
  for (const LabelCounts& c : m.labels) {
    if (c.gold == 0 && c.predicted == 0) continue;
    total += c.f1();
    ++seen;
  }
  m.macro_f1 = seen > 0 ? total / static_cast<double>(seen) : 0.0;
  return m;
}

std::vector<std::vector<int32_t>> gold_label_ids(const std::vector<LabeledText>& items,
                                                 const std::vector<std::string>& names) {
  std::unordered_map<std::string_view, int32_t> id_of;
  for (size_t i = 0; i < names.size(); ++i) id_of.emplace(names[i], static_cast<int32_t>(i));
  std::vector<std::vector<int32_t>> out;
  out.reserve(items.size());
  for (const LabeledText& item : items) {
    std::vector<int32_t> ids;
    for (const std::string& label : item.labels) {
      const auto it = id_of.find(label);
      ids.push_back(it == id_of.end() ? -1 : it->second);
    }
    out.push_back(std::move(ids));
  }
  return out;
}

LabeledInputs read_labeled_inputs(const LabeledInputOptions& options, const Model& model,
                                  const std::vector<std::string>& labels) {
  LabeledInputs out;
  if (options.format == LabeledFormat::kXc) {
    const XcData data = read_xc(LineSource::open(options.path, options.on_invalid_utf8));
    TESSERA_CHECK(static_cast<size_t>(data.labels) == labels.size(),
                  "{} has {} labels, the classifier {}: not the data set it was trained on",
                  options.path, data.labels, labels.size());
    out.inputs = xc_inputs(data, model.featurizer().vocabulary());
    for (const XcPoint& point : data.points) out.gold.push_back(point.labels);
    return out;
  }
  const std::vector<LabeledText> items = read_labeled_texts(options);
  std::vector<std::string> texts;
  texts.reserve(items.size());
  for (const LabeledText& item : items) texts.push_back(item.text);
  out.inputs.bags = model.featurize(texts, TextOrigin{options.path, 1});
  out.gold = gold_label_ids(items, labels);
  return out;
}

double precision_at_1(const Model& model, const ClassifierHead& head, const Tensor& encoded,
                      const std::vector<std::vector<int32_t>>& gold, int64_t dim,
                      const Bags* features) {
  // A view of the model (being trained, or a trial's): the classifier must not own it.
  const std::shared_ptr<const Model> view(std::shared_ptr<const Model>(), &model);
  const Classifier classifier(view, head, "flat", dim);
  const ClassificationMetrics m =
      classification_metrics(classifier.predict_vectors(model.cut(encoded, dim), 1, 0.0f, features),
                             gold, {1}, static_cast<int64_t>(classifier.labels().size()));
  return m.at_k.front().precision();
}

Trainer::EvaluateFn classification_dev_evaluation(EncoderInput inputs,
                                                  std::vector<std::vector<int32_t>> gold,
                                                  ClassifierHead head) {
  return [inputs = std::move(inputs), gold = std::move(gold),
          head = std::move(head)](const Model& model) {
    std::map<std::string, double> out;
    const Tensor encoded = model.tower(head.anchor_tower).encode(inputs);
    for (const int64_t dim : model.prefixes()) {
      out[dim == model.dim() ? "valid P@1" : fmt::format("valid P@1 dim {}", dim)] =
          precision_at_1(model, head, encoded, gold, dim, &inputs.bags);
    }
    return out;
  };
}

}  // namespace tessera
