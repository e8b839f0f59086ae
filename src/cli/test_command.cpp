// `tessera test`: a classifier scored on labeled texts as fastText's `test` scores it (N, P@k,
// R@k; classification_metrics.h), with per-label precision, recall and F1 and micro / macro F1
// in --json. With --predictions instead of --model it scores predictions another run wrote in
// predict-prob form (tessera predict, fasttext predict-prob) with the same code. With --format xc
// it prints the XC repository's P@k, nDCG@k and PSP@k instead.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "classify_input.h"
#include "commands.h"
#include "tessera/core/check.h"
#include "tessera/data/label_predictions_reader.h"
#include "tessera/eval/classification_metrics.h"
#include "tessera/eval/classification_report.h"
#include "tessera/eval/xc_metrics.h"
#include "tessera/train/classification_training.h"

namespace tessera::cli {

namespace {

// Predictions of another run, as label ids among `names` (which grows by the labels it names),
// at most k a text and none under the threshold.
std::vector<std::vector<LabelScore>> read_predictions(const std::string& path,
                                                      const std::string& label_prefix, int64_t k,
                                                      float threshold,
                                                      std::vector<std::string>& names) {
  std::unordered_map<std::string, int32_t> id_of;
  for (size_t i = 0; i < names.size(); ++i) id_of.emplace(names[i], static_cast<int32_t>(i));
  std::vector<std::vector<LabelScore>> out;
  for (const auto& row : read_label_predictions(LineSource::open(path), label_prefix)) {
    std::vector<LabelScore>& scores = out.emplace_back();
    for (size_t i = 0; i < row.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        TESSERA_CHECK(row[j].label != row[i].label, "{}:{}: label '{}' is predicted twice", path,
                      out.size(), row[i].label);
      }
    }
    for (const LabelPrediction& p : row) {
      if (static_cast<int64_t>(scores.size()) >= k || p.probability < threshold) break;
      const auto [it, added] = id_of.emplace(p.label, static_cast<int32_t>(names.size()));
      if (added) names.push_back(p.label);
      scores.push_back({it->second, p.probability});
    }
  }
  return out;
}

// --format xc: the XC repository's metrics (xc_metrics.h), PSP from the model's training counts.
void run_xc_test(const ClassifierArgs& a, const std::vector<int64_t>& ks, float threshold,
                 bool json) {
  TESSERA_CHECK(!a.model.empty(), "--format xc scores a --model (not --predictions)");
  const Classifier classifier = load_classifier(a);
  const XcData data = read_xc_input(a.input, classifier);
  const int64_t deepest = *std::max_element(ks.begin(), ks.end());
  std::vector<std::vector<int32_t>> gold;
  for (const XcPoint& point : data.points) gold.push_back(point.labels);
  const ClassifierHead& head = classifier.head();
  const std::vector<double> propensity =
      head.label_counts.empty() ? std::vector<double>()
                                : inverse_propensities(head.label_counts, head.examples);
  const XcMetrics m =
      xc_metrics(predict_xc(classifier, data, deepest, threshold), gold, ks, propensity);
  if (propensity.empty()) {
    fmt::print(stderr, "test: the model keeps no training counts: no PSP@k\n");
  }
  if (!json) {
    fmt::print("N\t{}\n", m.points);
    for (size_t q = 0; q < ks.size(); ++q) {
      fmt::print("P@{}\t{:.4f}\nnDCG@{}\t{:.4f}\n", ks[q], m.precision[q], ks[q], m.ndcg[q]);
      if (!m.psp.empty()) fmt::print("PSP@{}\t{:.4f}\n", ks[q], m.psp[q]);
    }
    return;
  }
  nlohmann::ordered_json at_k = nlohmann::ordered_json::object();
  for (size_t q = 0; q < ks.size(); ++q) {
    nlohmann::ordered_json one = {{"P", m.precision[q]}, {"nDCG", m.ndcg[q]}};
    if (!m.psp.empty()) one["PSP"] = m.psp[q];
    at_k[std::to_string(ks[q])] = one;
  }
  fmt::print("{}\n", nlohmann::ordered_json{{"model", a.model},
                                            {"input", a.input.path},
                                            {"N", m.points},
                                            {"threshold", threshold},
                                            {"propensity", {{"A", 0.55}, {"B", 1.5}}},
                                            {"at_k", at_k}}
                         .dump(2));
}

}  // namespace

void add_test_command(CLI::App& app) {
  struct Args {
    ClassifierArgs classifier;
    std::string predictions;
    std::string ks = "1";
    float threshold = 0.0f;
    bool json = false;
    std::string report;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "test", "Score a classifier on labeled texts: N, P@k and R@k as fastText's test");
  CLI::Option* model = add_classifier_options(*cmd, args->classifier);
  cmd->add_option("--predictions", args->predictions,
                  "Score these predictions (predict-prob form: __label__x 0.93 ...; one line per "
                  "text of --input) instead of a model's")
      ->excludes(model);
  CLI::Option* ks_option =
      cmd->add_option("-k", args->ks,
                      "Labels predicted per text; a list (1,5) scores each (--format xc: 1,3,5)")
          ->capture_default_str();
  cmd->add_option("--threshold", args->threshold, "Leave out labels less probable than this")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  cmd->add_option("--report", args->report,
                  "Also write DIR/metrics.json and DIR/report.html (per-label F1, confusion "
                  "matrix, calibration)");
  cmd->add_flag("--json", args->json,
                "Print JSON: the figures at each k, per-label precision / recall / F1 at the "
                "first k, micro and macro F1");
  cmd->callback([args, ks_option] {
    const ClassifierArgs& a = args->classifier;
    const bool xc = a.input.format == LabeledFormat::kXc;
    const std::vector<int64_t> ks =
        parse_number_list<int64_t>(xc && ks_option->count() == 0 ? "1,3,5" : args->ks, "-k");
    if (ks.empty()) throw CLI::ValidationError("-k", "needs at least one k");
    for (const int64_t k : ks) {
      if (k < 1) throw CLI::ValidationError("-k", fmt::format("{} is not >= 1", k));
    }
    if (a.model.empty() && args->predictions.empty()) {
      throw CLI::RequiredError("--model or --predictions");
    }
    use_threads(a.threads);
    if (xc) {
      run_xc_test(a, ks, args->threshold, args->json);
      return;
    }
    const std::vector<LabeledText> items = read_labeled_texts(a.input);
    const int64_t deepest = *std::max_element(ks.begin(), ks.end());
    std::vector<std::string> names;
    std::vector<std::vector<LabelScore>> predictions;
    if (!a.model.empty()) {
      const Classifier classifier = load_classifier(a);
      names = classifier.labels();
      predictions = predict_all(classifier, items, a.input.path, deepest, args->threshold);
    } else {
      // Every gold label is known: another tool's label set is not in its predictions.
      names = number_labels(items).names;
      predictions = read_predictions(args->predictions, a.input.label_prefix, deepest,
                                     args->threshold, names);
      TESSERA_CHECK(predictions.size() == items.size(), "{} has {} lines for the {} texts of {}",
                    args->predictions, predictions.size(), items.size(), a.input.path);
    }
    const std::vector<std::vector<int32_t>> gold = gold_label_ids(items, names);
    const ClassificationMetrics m =
        classification_metrics(predictions, gold, ks, static_cast<int64_t>(names.size()));
    if (m.skipped > 0 || m.unknown_gold > 0) {
      fmt::print(stderr,
                 "test: {} gold labels the model does not know were left out; {} texts without "
                 "a known label were not scored\n",
                 m.unknown_gold, m.skipped);
    }
    if (!args->json) {
      fmt::print("N\t{}\n", m.examples);
      for (size_t q = 0; q < ks.size(); ++q) {
        // fastText's own form: 3 significant digits (0.767, 0.5, 1).
        fmt::print("P@{}\t{:.3g}\nR@{}\t{:.3g}\n", ks[q], m.at_k[q].precision(), ks[q],
                   m.at_k[q].recall());
      }
      if (args->report.empty()) return;
    }
    nlohmann::ordered_json out = classification_report_json(
        a.model.empty() ? args->predictions : a.model, a.input.path, m, names, predictions, gold);
    out["skipped"] = m.skipped;
    out["unknown_gold_labels"] = m.unknown_gold;
    out["threshold"] = args->threshold;
    if (!args->report.empty()) {
      write_classification_report(args->report, out);
      fmt::print(stderr, "test: wrote {}/metrics.json and {}/report.html\n", args->report,
                 args->report);
    }
    if (!args->json) return;
    fmt::print("{}\n", out.dump(2));
  });
}

}  // namespace tessera::cli
