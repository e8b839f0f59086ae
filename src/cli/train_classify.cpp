#include "train_classify.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "labeled_input_options.h"
#include "options.h"
#include "progress.h"
#include "tessera/core/check.h"
#include "tessera/core/file_lock.h"
#include "tessera/core/stopwatch.h"
#include "tessera/eval/classification_metrics.h"
#include "tessera/eval/classifier_autotune.h"
#include "tessera/model/compact_bag_encoder.h"

namespace tessera::cli {

namespace {

constexpr const char* kGroup = "Classification (--task classify)";

// The options of retrieval's data and loss, which a classifier does not read.
constexpr const char* kRetrievalOnly[] = {
    "--beir",         "--beir-split",     "--beir-weight",    "--dev-fraction", "--corpus",
    "--corpus-field", "--crops-weight",   "--pairs-per-doc",  "--span-min",     "--span-max",
    "--typo",         "--word-drop",      "--shuffle-window", "--pairs",        "--pairs-weight",
    "--query-field",  "--positive-field", "--negative-field", "--two-towers",   "--learn-scale",
    "--symmetric",    "--prefix-weights"};
// NGAME's options, which only --loss infonce reads (its negatives are the batch's labels).
constexpr const char* kNgameOptions[] = {"--ngame-cluster-size", "--ngame-double-at",
                                         "--ngame-recluster-every"};

bool given(const CLI::App& cmd, const char* name) {
  const CLI::Option* option = cmd.get_option_no_throw(name);
  return option != nullptr && option->count() > 0;
}

}  // namespace

void add_classify_options(CLI::App& cmd, ClassifyArgs& c) {
  cmd.add_option("--input", c.input.path,
                 "Labeled training texts: fastText's format (__label__a text), or JSONL / TSV / "
                 "CSV with --label-field and --field; with --task words, a raw corpus (text "
                 "lines, .gz too)")
      ->group(kGroup);
  cmd.add_option("--valid", c.valid, "Labeled texts scored (P@1) after every epoch")->group(kGroup);
  cmd.add_option("--label-text", c.label_text,
                 "label<TAB>description lines: labels are embedded from their descriptions by "
                 "the texts' encoder, so a described label no training text carries is "
                 "predicted too (zero-shot)")
      ->group(kGroup);
  cmd.add_option("--word-match", c.head.word_match,
                 "With --label-text: added to a label's logit times the share of its "
                 "description's words a text holds (default 3; 0: none)")
      ->check(CLI::NonNegativeNumber)
      ->group(kGroup);
  add_labeled_input_options(cmd, c.input, kGroup);
  add_enum_option(cmd, "--loss", c.head.loss,
                  "softmax over all labels; ns: negative sampling (--neg); ova: one-vs-all "
                  "logistic (multi-label); infonce: softmax over the batch's labels, in NGAME "
                  "batches (--ngame-*), for very many labels")
      ->group(kGroup);
  cmd.add_option("--neg", c.negatives,
                 "ns, infonce: labels drawn per text (shared by the batch; ns needs 1 or more)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 16))
      ->capture_default_str()
      ->group(kGroup);
  cmd.add_flag("--end-word,!--no-end-word", c.end_word,
               "Every text also holds the word </s> (as fastText's lines): a bias that gives each "
               "label its prior (default: on)")
      ->group(kGroup);
  cmd.add_option("--autotune-validation", c.autotune_validation,
                 "Search lr, epochs, dim, word n-grams, buckets, weight decay and loss for the "
                 "best P@1 on this labeled file, then train with the best settings")
      ->group(kGroup);
  cmd.add_option("--autotune-duration", c.autotune_seconds,
                 "Seconds of search (no trial starts after them)")
      ->check(positive())
      ->capture_default_str()
      ->group(kGroup);
  add_enum_option(cmd, "--similarity", c.head.similarity,
                  "Score of a text and a label: dot (fastText's) or cosine (times --scale)")
      ->group(kGroup);
}

void run_train_classify(const CLI::App& cmd, TrainArgs& a, ClassifyArgs& c) {
  for (const char* name : kRetrievalOnly) {
    if (given(cmd, name)) {
      throw CLI::ValidationError(name,
                                 "is an option of retrieval training, not of --task classify");
    }
  }
  if (c.input.path.empty()) throw CLI::ValidationError("--input", "--task classify needs --input");
  if (c.input.format == LabeledFormat::kXc) {
    for (const char* name : {"--buckets", "--word-ngrams", "--char-ngram-min", "--char-ngram-max",
                             "--label-field", "--field", "--label-prefix", "--min-count"}) {
      if (given(cmd, name)) {
        throw CLI::ValidationError(name, "does not apply to --format xc (feature ids, not text)");
      }
    }
  }
  use_threads(a.threads);
  const Stopwatch watch;

  // Classification's defaults, where the user gave none, chosen on dev splits of MR's and AG
  // News' training parts (bench/classification_splits.py; the README has the figures): whole
  // texts of words and bigrams hashed into 2^20 buckets (at 2^18 colliding bigrams cost MR 2
  // points), 64 dims, 10 epochs of Adam from lr 0.005 decaying linearly, with weight decay 3
  // (each touched row shrinks by lr * 3 a step).
  //
  // XC points and Mulan's ARFF rows (a few thousand frequent features, no rare words to hold
  // back, in no word order, many labels to a point) want 512 dims trained 15 epochs from lr
  // 0.003 (over seeds 0-4 of bibtex's dev split ova went 0.609/0.382/0.282 -> 0.635/0.401/0.298
  // in P@1/3/5 from 64 dims at lr 0.02, softmax +1.1 P@1, delicious' +0.9 P@1 and level at P@3/5;
  // the wider the table the smaller the step it wants: 256 dims at 0.005 and 1024 at 0.002 came
  // close; MR's split gained nothing from the width), weight decay 0.1 (over
  // seeds 0 and 1 it added 0.3-0.9 points of P@k to ova on bibtex's dev split, -0.2 to 0.6 on
  // delicious', and 1-3 to the softmax and infonce on delicious'; 0.3 and 1 lost), no word
  // n-grams (so no buckets), and one-vs-all logistic losses over sqrt-n pooled vectors,
  // whose length grows with the point's (mean pooling left ova 16 points of P@1 behind on
  // bibtex): chosen on dev splits of bibtex's and delicious' training points. Logistic losses
  // (ova, ns) get sqrt-n pooling there; the softmax ones keep the mean.
  const bool xc = c.input.format == LabeledFormat::kXc;
  const bool points = xc || c.input.format == LabeledFormat::kArff ||
                      (c.input.format == LabeledFormat::kAuto && c.input.path.ends_with(".arff"));
  FeaturizerFlags featurizer = a.featurizer;
  FeaturizerConfig& f = featurizer.config;
  if (!given(cmd, "--stem") && !given(cmd, "--no-stem")) f.tokenizer.stem = false;
  if (!given(cmd, "--stop-words") && !given(cmd, "--no-stop-words")) {
    f.tokenizer.remove_stop_words = false;
  }
  if (!given(cmd, "--max-tokens")) f.max_tokens = 0;
  if (points && !given(cmd, "--word-ngrams")) f.word_ngrams = 1;
  const bool hashed = f.word_ngrams > 1 || f.char_ngram_max > 0;
  if (!given(cmd, "--buckets")) f.buckets = points && !hashed ? 0 : int64_t{1} << 20;
  // The end word's bias added 4-5 points of P@1 on delicious' dev split (as points and as texts
  // of their words), 0.4 on bibtex's, and 0.2-0.3 on MR's and AG News' (one label a text).
  f.end_word = c.end_word;
  ClassificationTrainingOptions options;
  options.input = c.input;
  options.label_text_path = c.label_text;
  options.featurizer = featurizer.resolve();
  options.input.on_invalid_utf8 = options.featurizer.tokenizer.normalize.on_invalid_utf8;
  options.vocabulary = a.training.vocabulary;
  options.model = a.training.model;
  if (!given(cmd, "--dim")) options.model.dim = points ? 512 : 64;
  options.model.prefixes = parse_number_list<int64_t>(a.prefixes, "--prefixes");
  if (!options.model.prefixes.empty()) {
    const std::string problem = prefixes_problem(options.model.prefixes, options.model.dim);
    if (!problem.empty()) throw CLI::ValidationError("--prefixes", problem);
  }
  options.head = c.head;
  // The word match for described labels: 3 over the softmax on dev splits of bibtex and
  // delicious (bench/xc_zero_shot.py --dev) lifted held-out labels' P@1 among all labels
  // 0.051 -> 0.105 and 0.027 -> 0.045, and trained labels' P@1 (no label held out) by 4.3 and
  // -0.5 points; 2 gave the trained labels +4.4 and +0.6 but held-out ones less, 5 and more cost
  // trained labels 1-3 points.
  if (c.label_text.empty() && given(cmd, "--word-match")) {
    throw CLI::ValidationError("--word-match", "needs --label-text (labels with descriptions)");
  }
  if (!c.label_text.empty() && !given(cmd, "--word-match")) options.head.word_match = 3.0f;
  options.head.scale = given(cmd, "--scale")                      ? a.training.loss.scale
                       : c.head.similarity == Similarity::kCosine ? 20.0f
                                                                  : 1.0f;
  options.negatives = c.negatives;
  TrainerOptions& t = options.trainer;
  t = a.training.trainer;
  if (!given(cmd, "--epochs")) t.epochs = points ? 15 : 10;
  if (!given(cmd, "--batch-size")) t.batch_size = 64;
  if (points && !given(cmd, "--loss")) options.head.loss = ClassifyLoss::kOneVsAll;
  // A softmax compares a point's labels with one another, a vector's length does not matter
  // there: mean pooling (sqrt-n lost delicious' dev split 5 points with it).
  if (points && !given(cmd, "--pooling") && !options.head.softmax()) {
    options.model.pooling = Pooling::kSqrtN;
  }
  if (!given(cmd, "--lr")) t.lr.base_lr = points ? 0.003f : 0.005f;
  if (!given(cmd, "--decay")) t.lr.decay = Decay::kLinear;
  if (!given(cmd, "--weight-decay")) t.step.sparse_weight_decay = points ? 0.1f : 3.0f;
  t.ngame = {};  // random batches
  std::string ngame_double_at;
  if (options.head.loss == ClassifyLoss::kInfoNce) {
    // NGAME batches unless told otherwise: clusters of 32 texts (two to a default batch), never
    // doubling (chosen on dev splits of bibtex's and delicious' training points, where random
    // batches lost 2-4 points of P@1).
    const NgameOptions& given_ngame = a.training.trainer.ngame;
    t.ngame.cluster_size = given(cmd, "--ngame-cluster-size") ? given_ngame.cluster_size : 32;
    t.ngame.recluster_every = given_ngame.recluster_every;
    ngame_double_at = given(cmd, "--ngame-double-at") ? a.ngame_double_at : "";
    t.ngame.double_at = parse_double_at(ngame_double_at, "--ngame-double-at");
  } else {
    for (const char* name : kNgameOptions) {
      if (given(cmd, name)) {
        throw CLI::ValidationError(name, "NGAME batches are for --loss infonce");
      }
    }
  }
  t.checkpoint_path = a.checkpoint.empty() ? a.out + ".checkpoint" : a.checkpoint;
  t.metrics_log = a.log;
  check_writable(a.out);
  check_writable(t.checkpoint_path);
  const FileLock lock(t.checkpoint_path + ".lock", "the checkpoint " + t.checkpoint_path);
  if (!c.autotune_validation.empty()) {
    if (a.resume) throw CLI::ValidationError("--resume", "cannot be used with autotuning");
    LabeledInputOptions validation = options.input;
    validation.path = c.autotune_validation;
    AutotuneOptions tune;
    tune.seconds = c.autotune_seconds;
    tune.seed = t.seed;
    tune.on_trial = [](const AutotuneTrial& trial, const AutotuneTrial& best) {
      if (trial.stopped) {
        fmt::print(stderr, "autotune: trial {} ({:.1f}s) stopped at the budget's end, unscored\n",
                   trial.number, trial.seconds);
        return;
      }
      fmt::print(stderr, "autotune: trial {} ({:.1f}s): P@1 {:.4f} with {} (best {:.4f})\n",
                 trial.number, trial.seconds, trial.score, describe_autotuned(trial.settings),
                 best.score);
    };
    // A trial that changes the loss on points gets that loss's default pooling.
    if (points && !given(cmd, "--pooling")) {
      tune.derive = [](ClassificationTrainingOptions& trial) {
        trial.model.pooling = trial.head.softmax() ? Pooling::kMean : Pooling::kSqrtN;
      };
    }
    const AutotuneTrial best = autotune_classifier(options, validation, tune);
    fmt::print(stderr, "autotune: best of {:.0f}s: P@1 {:.4f} on {} with {}\n", watch.seconds(),
               best.score, c.autotune_validation, describe_autotuned(best.settings));
    const TrainerOptions kept = t;  // the run's own outputs
    options = best.settings;
    t.checkpoint_path = kept.checkpoint_path;
    t.metrics_log = kept.metrics_log;
  }
  options.options_json = nlohmann::json{
      {"task", "classify"},
      {"loss", name_of(options.head.loss)},
      {"neg", options.negatives},
      {"similarity", name_of(options.head.similarity)},
      {"scale", options.head.scale},
      {"epochs", t.epochs},
      {"batch_size", t.batch_size},
      {"lr", t.lr.base_lr},
      {"decay", name_of(t.lr.decay)},
      {"warmup", t.warmup_fraction},
      {"optimizer", name_of(t.step.sparse_optimizer)},
      {"weight_decay", t.step.sparse_weight_decay},
      {"ngame_cluster_size", t.ngame.cluster_size},
      {"ngame_double_at", ngame_double_at},
      {"ngame_recluster_every", t.ngame.recluster_every},
      {"seed", t.seed},
      {"min_count", options.vocabulary.min_count},
      {"dim", options.model.dim},
      {"label_text", options.label_text_path},
      {"word_match", options.head.word_match},
      {"prefixes",
       a.prefixes}}.dump();

  ClassificationTraining training(options);
  // Over hashed buckets the table has rows only for the features the texts hold.
  const Encoder& texts = training.model().tower(kQueryTower);
  const int64_t rows = texts.kind() == "compact_bag"
                           ? static_cast<const CompactBagEncoder&>(texts).rows()
                           : texts.input_size();
  fmt::print(stderr,
             "train: {}, {} labels, vocabulary of {} words, {} hash buckets, {} rows (features "
             "the texts hold)\n",
             training.source().describe(), training.labels().size(),
             training.model().featurizer().vocabulary().size(),
             training.model().featurizer().config().buckets, rows);
  Trainer& trainer = training.trainer();
  if (a.resume) {
    TESSERA_CHECK(std::filesystem::exists(t.checkpoint_path), "--resume: no checkpoint at {}",
                  t.checkpoint_path);
    trainer.resume(t.checkpoint_path);
    fmt::print(stderr, "train: resumed from {}\n", t.checkpoint_path);
  }
  if (!c.valid.empty()) {
    LabeledInputOptions valid = options.input;
    valid.path = c.valid;
    LabeledInputs set = read_labeled_inputs(valid, training.model(), training.labels());
    trainer.on_epoch_end(
        classification_dev_evaluation(std::move(set.inputs), std::move(set.gold), training.head()));
  }
  Progress progress("train", a.quiet ? 0 : -1);
  trainer.on_warning([&](const std::string& warning) { progress.message("warning: " + warning); });
  trainer.on_progress([&](const StepProgress& p) {
    const double rate = p.seconds > 0 ? static_cast<double>(p.examples) / p.seconds : 0.0;
    progress.show(fmt::format("epoch {}/{} batch {}/{} loss {:.4f} {:.0f} texts/s", p.epoch,
                              p.epochs, p.batch, p.batches, p.loss, rate));
  });
  const TrainReport report = training.run_and_save(a.out);
  progress.finish();
  for (const EpochReport& e : report.epochs) {
    std::string eval;
    for (const auto& [k, v] : e.eval) eval += fmt::format(", {} {:.4f}", k, v);
    fmt::print(stderr, "train: epoch {}: {} texts in {} batches, loss {:.4f}{}\n", e.epoch + 1,
               e.examples, e.batches, e.loss, eval);
  }
  fmt::print(
      stderr,
      "train: wrote {} ({} steps, {} texts; training {:.1f}s = {:.0f} texts/s, total "
      "{:.1f}s)\n",
      a.out, report.steps, report.examples, report.train_seconds,
      report.train_seconds > 0 ? static_cast<double>(report.examples) / report.train_seconds : 0.0,
      watch.seconds());
}

}  // namespace tessera::cli
