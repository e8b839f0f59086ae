// `tessera quantize`: a model made small for inference (fastText's `quantize`): --cutoff keeps
// the rows of largest norm of each bag table, --int8 stores them as int8 codes (compact_model.h).
// A classifier stays a classifier (its head is carried over). Prints both files' sizes and, with
// --valid, P@1 of both on labeled texts.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>

#include "classify_input.h"
#include "commands.h"
#include "tessera/core/check.h"
#include "tessera/eval/classification_metrics.h"
#include "tessera/eval/xc_metrics.h"
#include "tessera/model/compact_model.h"
#include "tessera/model/safetensors.h"
#include "tessera/train/classification_training.h"

namespace tessera::cli {

namespace {

// P@1 of the classifier at `model` on the labeled input.
double precision_at_1_on(const std::string& model, const LabeledInputOptions& input) {
  ClassifierArgs args;
  args.model = model;
  args.input = input;
  const Classifier classifier = load_classifier(args);
  if (input.format == LabeledFormat::kXc) {
    const XcData data = read_xc_input(input, classifier);
    std::vector<std::vector<int32_t>> gold;
    for (const XcPoint& point : data.points) gold.push_back(point.labels);
    return xc_metrics(predict_xc(classifier, data, 1, 0.0f), gold, {1}, {}).precision[0];
  }
  const std::vector<LabeledText> items = read_labeled_texts(input);
  const std::vector<std::vector<int32_t>> gold = gold_label_ids(items, classifier.labels());
  const ClassificationMetrics m =
      classification_metrics(predict_all(classifier, items, input.path, 1, 0.0f), gold, {1},
                             static_cast<int64_t>(classifier.labels().size()));
  return m.at_k[0].precision();
}

// Which features of model the texts of `path` hold: read as the validation input is read
// (its format options), labels and all.
std::vector<bool> features_seen(const Model& model, const std::string& path,
                                const LabeledInputOptions& like) {
  LabeledInputOptions input = like;
  input.path = path;
  input.labels_optional = true;
  std::vector<bool> seen(static_cast<size_t>(model.featurizer().num_features()), false);
  if (input.format == LabeledFormat::kXc) {
    const XcData data = read_xc(LineSource::open(path, input.on_invalid_utf8));
    for (const int32_t id : xc_inputs(data, model.featurizer().vocabulary()).bags.ids) {
      seen[static_cast<size_t>(id)] = true;
    }
    return seen;
  }
  std::vector<std::string> texts;
  for (LabeledText& item : read_labeled_texts(input)) texts.push_back(std::move(item.text));
  for (const Features& features : model.featurizer().featurize_all(texts, path)) {
    for (const int32_t id : features.ids) seen[static_cast<size_t>(id)] = true;
  }
  return seen;
}

std::string megabytes(uintmax_t bytes) { return fmt::format("{:.3f} MB", bytes / 1e6); }

}  // namespace

void add_quantize_command(CLI::App& app) {
  struct Args {
    std::string model;
    std::string out;
    CompactOptions compact;
    LabeledInputOptions valid;
    std::string train;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "quantize", "Make a model small for inference: keep its largest rows, store them as int8");
  cmd->add_option("--model", args->model, "Model to compact (tessera train)")->required();
  cmd->add_option("--out", args->out, "Compact model to write")->required();
  cmd->add_option("--cutoff", args->compact.cutoff,
                  "Keep this many rows of each feature table, those of largest norm (0: all)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_flag("--int8", args->compact.int8, "Store the rows as int8 codes with a scale per row");
  cmd->add_option("--input", args->train,
                  "The training texts (one per line, or the labeled input's file): with --cutoff, "
                  "only rows they reach are kept (the others hold their random start)");
  cmd->add_option("--valid", args->valid.path,
                  "Labeled texts on which to report the classifier's P@1 before and after");
  add_labeled_input_options(*cmd, args->valid, "Validation input");
  add_threads_option(*cmd, args->threads);
  cmd->callback([args] {
    TESSERA_CHECK(args->compact.cutoff > 0 || args->compact.int8,
                  "quantize needs --cutoff N, --int8 or both (else the model would not change)");
    TESSERA_CHECK(std::filesystem::absolute(args->model) != std::filesystem::absolute(args->out),
                  "--out {} would overwrite --model", args->out);
    use_threads(args->threads);
    const Model model = Model::load(args->model);
    CompactOptions options = args->compact;
    if (!args->train.empty()) options.seen = features_seen(model, args->train, args->valid);
    const Model compact = compact_model(model, options);
    // A classifier's head (and any other extra metadata) stays with the model; a trainer's
    // checkpoint state does not.
    ModelFileExtras extras;
    for (const auto& [key, value] : read_safetensors_metadata(args->model)) {
      if (!is_model_metadata_key(key)) extras.metadata.emplace(key, value);
    }
    compact.save(args->out, extras);
    const uintmax_t before = std::filesystem::file_size(args->model);
    const uintmax_t after = std::filesystem::file_size(args->out);
    fmt::print("model\tsize\n{}\t{}\n{}\t{} ({:.1f}x smaller)\n", args->model, megabytes(before),
               args->out, megabytes(after), static_cast<double>(before) / after);
    if (args->valid.path.empty()) return;
    fmt::print("P@1 on {}: {:.4f} before, {:.4f} after\n", args->valid.path,
               precision_at_1_on(args->model, args->valid),
               precision_at_1_on(args->out, args->valid));
  });
}

}  // namespace tessera::cli
