// `tessera predict`: the k most probable labels of every text of an input, in fastText's
// predict-prob form (`__label__x 0.93 __label__y 0.04`, one line per input line: empty for a
// blank line or when no label reaches the threshold) or as JSON lines (one per text, with its
// line).
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "classify_input.h"
#include "commands.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/stopwatch.h"

namespace tessera::cli {

void add_predict_command(CLI::App& app) {
  struct Args {
    ClassifierArgs classifier;
    int64_t k = 1;
    float threshold = 0.0f;
    bool json = false;
    std::string out = kStandardOutput;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd =
      app.add_subcommand("predict", "Predict the labels of texts with a classifier model");
  add_classifier_options(*cmd, args->classifier)->required();
  args->classifier.input.labels_optional = true;
  cmd->add_option("-k", args->k, "Labels per text")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--threshold", args->threshold, "Leave out labels less probable than this")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  cmd->add_flag("--json", args->json,
                "JSON lines {\"line\", \"labels\": [{\"label\", \"probability\"}]}");
  cmd->add_option("--out", args->out, "Output file (- for standard output)")->capture_default_str();
  cmd->callback([args] {
    const ClassifierArgs& a = args->classifier;
    use_threads(a.threads);
    const Classifier classifier = load_classifier(a);
    std::vector<int64_t> lines;
    std::vector<std::vector<LabelScore>> predictions;
    const Stopwatch watch;
    if (a.input.format == LabeledFormat::kXc) {
      const XcData data = read_xc_input(a.input, classifier);
      for (const XcPoint& point : data.points) lines.push_back(point.line);
      predictions = predict_xc(classifier, data, args->k, args->threshold);
    } else {
      const std::vector<LabeledText> items = read_labeled_texts(a.input);
      for (const LabeledText& item : items) lines.push_back(item.line);
      predictions = predict_all(classifier, items, a.input.path, args->k, args->threshold);
    }
    const double seconds = watch.seconds();
    AtomicFile out(args->out);
    std::string line;
    int64_t previous = a.input.format == LabeledFormat::kXc ? 1 : 0;  // XC: after the header
    for (size_t i = 0; i < lines.size(); ++i) {
      // One output line per input line, as fastText: a blank input line predicts nothing.
      if (!args->json) {
        for (int64_t blank = previous + 1; blank < lines[i]; ++blank) out.write("\n");
      }
      previous = lines[i];
      line.clear();
      if (args->json) {
        nlohmann::json labels = nlohmann::json::array();
        for (const LabelScore& p : predictions[i]) {
          labels.push_back({{"label", classifier.labels()[static_cast<size_t>(p.label)]},
                            {"probability", p.probability}});
        }
        line = nlohmann::ordered_json{{"line", lines[i]}, {"labels", labels}}.dump();
      } else {
        for (const LabelScore& p : predictions[i]) {
          if (!line.empty()) line += ' ';
          line += fmt::format("{}{} {:.6g}", a.input.label_prefix,
                              classifier.labels()[static_cast<size_t>(p.label)], p.probability);
        }
      }
      line += '\n';
      out.write(line);
    }
    out.commit();
    fmt::print(stderr, "predict: {} texts, {} labels, index {}: {:.2f} s, {:.0f} texts/s\n",
               lines.size(), classifier.labels().size(), classifier.index_name(), seconds,
               seconds > 0 ? static_cast<double>(lines.size()) / seconds : 0.0);
  });
}

}  // namespace tessera::cli
