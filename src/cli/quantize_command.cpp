// `tessera quantize`: a model made small for inference (fastText's `quantize`): --cutoff keeps
// the most used rows of each bag table (compact_model.h: by their effect on the label scores
// or their norm, times the --input texts that hold them), --retrain trains those rows again on
// the training texts (fastText's -retrain), --int8 stores them as int8 codes. A classifier
// stays a classifier (its head is carried over). Prints both files' sizes and, with --valid,
// P@1 of both on labeled texts.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
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

// How many texts of `path` hold each feature of model: read as the validation input is read
// (its format options), labels and all.
std::vector<int64_t> feature_counts(const Model& model, const std::string& path,
                                    const LabeledInputOptions& like) {
  LabeledInputOptions input = like;
  input.path = path;
  input.labels_optional = true;
  std::vector<int64_t> counts(static_cast<size_t>(model.featurizer().num_features()), 0);
  if (input.format == LabeledFormat::kXc) {
    const XcData data = read_xc(LineSource::open(path, input.on_invalid_utf8));
    for (const int32_t id : xc_inputs(data, model.featurizer().vocabulary()).bags.ids) {
      ++counts[static_cast<size_t>(id)];
    }
    return counts;
  }
  std::vector<std::string> texts;
  for (LabeledText& item : read_labeled_texts(input)) texts.push_back(std::move(item.text));
  for (const Features& features : model.featurizer().featurize_all(texts, path)) {
    for (const int32_t id : features.ids) ++counts[static_cast<size_t>(id)];
  }
  return counts;
}

// How to train the classifier at `path` (model, with head) again as it was trained (the options
// its provenance records, `tessera train --task classify`'s), on input, for `epochs`; lr
// replaced when positive.
ClassificationTrainingOptions retraining_options(const Model& model, const ClassifierHead* head,
                                                 const std::string& path,
                                                 const LabeledInputOptions& input, int64_t epochs,
                                                 float lr) {
  TESSERA_CHECK(head != nullptr, "{} is no classifier (tessera train --task classify)", path);
  const nlohmann::json provenance = nlohmann::json::parse(model.provenance());
  const nlohmann::json options = provenance.value("options", nlohmann::json::object());
  auto recorded = [&](const char* key) -> const nlohmann::json& {
    TESSERA_CHECK(options.contains(key),
                  "{} does not record its training option '{}', which retraining repeats", path,
                  key);
    return options.at(key);
  };
  ClassificationTrainingOptions out;
  out.input = input;
  out.head = *head;
  out.negatives = recorded("neg").get<int64_t>();
  TrainerOptions& t = out.trainer;
  t.epochs = epochs;
  t.batch_size = recorded("batch_size").get<int64_t>();
  t.lr.base_lr = lr > 0 ? lr : recorded("lr").get<float>();
  t.lr.decay = parse_enum<Decay>(recorded("decay").get<std::string>(), "decay");
  t.warmup_fraction = recorded("warmup").get<double>();
  t.step.sparse_optimizer =
      parse_enum<SparseOptimizerKind>(recorded("optimizer").get<std::string>(), "optimizer");
  t.step.sparse_weight_decay = recorded("weight_decay").get<float>();
  t.seed = recorded("seed").get<uint64_t>();
  if (out.head.loss == ClassifyLoss::kInfoNce) {
    t.ngame.cluster_size = recorded("ngame_cluster_size").get<int64_t>();
    t.ngame.recluster_every = recorded("ngame_recluster_every").get<int64_t>();
    t.ngame.double_at =
        parse_double_at(recorded("ngame_double_at").get<std::string>(), "ngame_double_at");
  }
  out.options_json =
      nlohmann::json{{"retrain", true}, {"epochs", t.epochs}, {"lr", t.lr.base_lr}}.dump();
  return out;
}

// The directions a classifier scores a text's vector along: its label vectors, less their mean
// under a softmax (a shift of every score changes no probability).
Tensor label_directions(const Model& model, const ClassifierHead& head) {
  Tensor out = classifier_label_vectors(model, head, 0);
  if (head.softmax()) {
    for (int64_t c = 0; c < out.cols(); ++c) {
      double mean = 0;
      for (int64_t l = 0; l < out.dim(0); ++l) mean += out.row(l)[c];
      mean /= static_cast<double>(out.dim(0));
      for (int64_t l = 0; l < out.dim(0); ++l) out.row(l)[c] -= static_cast<float>(mean);
    }
  }
  return out;
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
    std::string rank_by;  // empty: scores for a classifier, norm for other models
    bool retrain = false;
    int64_t epochs = 2;
    float lr = 0;
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
                  "a row's use counts the texts that hold it, and rows none holds are dropped");
  cmd->add_option("--rank-by", args->rank_by,
                  "What a row's use is measured by (times the texts of --input that hold it): "
                  "norm (fastText's), or scores: the norm of what it adds to the labels' scores "
                  "(default for a classifier)")
      ->check(CLI::IsMember({"norm", "scores"}));
  cmd->add_flag("--retrain", args->retrain,
                "After the cutoff, train again on --input with only the kept rows (fastText's "
                "-retrain), as the model was trained, then store the rows");
  cmd->add_option("--epochs", args->epochs,
                  "--retrain: epochs (the model's own overfit on dev splits of MR and AG News)")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--lr", args->lr, "--retrain: learning rate (0: the model's own)")
      ->check(non_negative());
  cmd->add_option("--valid", args->valid.path,
                  "Labeled texts on which to report the classifier's P@1 before and after");
  add_labeled_input_options(*cmd, args->valid, "Validation input");
  add_threads_option(*cmd, args->threads);
  cmd->callback([args, cmd] {
    TESSERA_CHECK(args->compact.cutoff > 0 || args->compact.int8,
                  "quantize needs --cutoff N, --int8 or both (else the model would not change)");
    TESSERA_CHECK(std::filesystem::absolute(args->model) != std::filesystem::absolute(args->out),
                  "--out {} would overwrite --model", args->out);
    TESSERA_CHECK(!args->retrain || (args->compact.cutoff > 0 && !args->train.empty()),
                  "--retrain needs --cutoff N and the training texts (--input)");
    TESSERA_CHECK(args->retrain || (cmd->count("--epochs") == 0 && cmd->count("--lr") == 0),
                  "--epochs and --lr are options of --retrain");
    use_threads(args->threads);
    Model model = Model::load(args->model);
    const auto metadata = read_safetensors_metadata(args->model);
    const auto head_json = metadata.find(std::string(kClassifierHeadKey));
    const std::optional<ClassifierHead> head =
        head_json == metadata.end() ? std::nullopt
                                    : std::optional(ClassifierHead::from_json(head_json->second));
    CompactOptions options = args->compact;
    if (!args->train.empty()) options.counts = feature_counts(model, args->train, args->valid);
    TESSERA_CHECK(head || args->rank_by != "scores",
                  "--rank-by scores needs a classifier's labels; {} has none", args->model);
    if (head && args->rank_by != "norm") options.rank_through = label_directions(model, *head);
    std::unique_ptr<ClassificationTraining> retraining;
    if (args->retrain) {
      // The rows the cutoff keeps are trained again on texts that hold only them; the
      // compact model then keeps those same rows (a classifier has one bag table).
      std::vector<bool> kept = compact_kept_features(model, options);
      LabeledInputOptions input = args->valid;
      input.path = args->train;
      const ClassificationTrainingOptions retrain = retraining_options(
          model, head ? &*head : nullptr, args->model, input, args->epochs, args->lr);
      options.counts.assign(kept.begin(), kept.end());
      retraining =
          std::make_unique<ClassificationTraining>(retrain, std::move(model), std::move(kept));
      const TrainReport report = retraining->trainer().run();
      fmt::print(stderr, "quantize: retrained {} epochs on {} ({} texts) in {:.1f}s\n",
                 retrain.trainer.epochs, args->train, retraining->source().size(),
                 report.train_seconds);
      nlohmann::json provenance = nlohmann::json::parse(retraining->model().provenance());
      provenance["retrained"] = {{"input", args->train},
                                 {"epochs", retrain.trainer.epochs},
                                 {"lr", retrain.trainer.lr.base_lr},
                                 {"train_seconds", report.train_seconds}};
      retraining->model().set_provenance(provenance.dump());
    }
    const Model compact = compact_model(retraining ? retraining->model() : model, options);
    // A classifier's head (and any other extra metadata) stays with the model; a trainer's
    // checkpoint state does not.
    ModelFileExtras extras;
    for (const auto& [key, value] : metadata) {
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
