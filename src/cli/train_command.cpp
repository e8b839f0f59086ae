// `tessera train`: train an embedding model on pairs, a BEIR split and/or a raw corpus, and
// save it as a safetensors file.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "featurizer_options.h"
#include "options.h"
#include "progress.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/file_lock.h"
#include "tessera/core/stopwatch.h"
#include "tessera/eval/dev_evaluation.h"
#include "tessera/train/batcher.h"
#include "train_classify.h"
#include "train_run.h"
#include "train_words.h"

namespace tessera::cli {

namespace {

void add_options(CLI::App& cmd, TrainArgs& a) {
  TrainingDataOptions& data = a.training.data;
  // Data.
  cmd.add_option("--beir", data.beir_dir,
                 "BEIR directory: its qrels split's pairs and crops of its corpus")
      ->group("Data");
  cmd.add_option("--beir-split", data.beir_split, "qrels split to train on")
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--beir-weight", data.beir_weight,
                 "Times each judged pair is drawn per epoch (0: corpus only)")
      ->check(non_negative())
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--dev-fraction", data.dev_fraction,
                 "Hold out this share of the BEIR split's queries (nDCG@10) and of the pairs "
                 "(accuracy@1), scored after every epoch")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--corpus", data.corpus_path,
                 "Corpus for self-supervised crops (BEIR corpus.jsonl, or any text input)")
      ->group("Data");
  cmd.add_option("--corpus-field", data.corpus_field, "Text field/column of a non-BEIR corpus")
      ->group("Data");
  cmd.add_option("--crops-weight", data.crops_weight, "Crop pairs per epoch, relative (0: none)")
      ->check(non_negative())
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--pairs-per-doc", data.crops.pairs_per_document, "Crop pairs per document")
      ->check(CLI::Range(int64_t{1}, kMaxSlotsPerEpoch))
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--span-min", data.crops.span_min, "Shortest crop, tokens")
      ->check(positive())
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--span-max", data.crops.span_max, "Longest crop, tokens")
      ->check(positive())
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--typo", data.crops.perturb.typo, "Crop queries: per-token typo probability")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--word-drop", data.crops.perturb.word_drop,
                 "Crop queries: per-token drop probability")
      ->check(CLI::Range(0.0, 0.95))
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--shuffle-window", data.crops.perturb.shuffle_window,
                 "Crop queries: tokens move at most this far (0: no shuffle)")
      ->check(non_negative())
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--pairs", data.pair_files,
                 "Pairs file(s): JSONL {query, positive[, negative]} or TSV/CSV columns")
      ->group("Data");
  cmd.add_option("--pairs-weight", data.pairs_weight, "Times each pair is drawn per epoch")
      ->check(non_negative())
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--query-field", data.pair_fields.query, "JSONL field of pair queries")
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--positive-field", data.pair_fields.positive, "JSONL field of positives")
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--negative-field", data.pair_fields.negative,
                 "JSONL field of hard negatives (optional per line)")
      ->capture_default_str()
      ->group("Data");

  // Model.
  add_featurizer_options(cmd, a.featurizer);
  ModelOptions& model = a.training.model;
  cmd.add_option("--min-count", a.training.vocabulary.min_count,
                 "Vocabulary: leave out rarer words")
      ->check(positive())
      ->capture_default_str()
      ->group("Model");
  cmd.add_option("--max-vocab", a.training.vocabulary.max_size,
                 "Vocabulary: keep the N most frequent (0: all)")
      ->check(non_negative())
      ->capture_default_str()
      ->group("Model");
  cmd.add_option("--dim", model.dim, "Output dimension")
      ->check(CLI::Range(int64_t{1}, kMaxModelDim))
      ->capture_default_str()
      ->group("Model");
  cmd.add_option("--prefixes", a.prefixes,
                 "Matryoshka prefixes, ascending, last = dim (default 32,64,128,256 at dim 256)")
      ->group("Model");
  add_enum_option(cmd, "--pooling", model.pooling, "Pooling of the bag")->group("Model");
  cmd.add_flag("--projection", model.projection, "Learned linear map after pooling")
      ->group("Model");
  cmd.add_option("--table-dim", model.table_dim, "Table width with --projection (0: dim)")
      ->check(non_negative())
      ->group("Model");
  cmd.add_flag("--two-towers", model.two_towers, "Separate query and document towers")
      ->group("Model");
  cmd.add_option("--init-std", model.init_std, "Initial weights N(0, std^2)")
      ->check(positive())
      ->capture_default_str()
      ->group("Model");

  // Training.
  TrainerOptions& t = a.training.trainer;
  InfoNceOptions& loss = a.training.loss;
  cmd.add_option("--epochs", t.epochs, "Passes over the data")
      ->check(positive())
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--batch-size", t.batch_size, "Pairs per batch (in-batch negatives)")
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 20))
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--lr", t.lr.base_lr, "Learning rate")
      ->check(positive())
      ->capture_default_str()
      ->group("Training");
  add_enum_option(cmd, "--decay", t.lr.decay, "Learning-rate decay after warm-up")
      ->group("Training");
  cmd.add_option("--warmup", t.warmup_fraction, "Warm-up share of the steps")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str()
      ->group("Training");
  add_enum_option(cmd, "--optimizer", t.step.sparse_optimizer,
                  "Optimizer of the tables (AdamW for projections)")
      ->group("Training");
  cmd.add_option("--weight-decay", t.step.sparse_weight_decay,
                 "Decoupled weight decay of the tables' rows, on the steps that touch them (adam)")
      ->check(non_negative())
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--scale", loss.scale, "Inverse temperature of InfoNCE")
      ->check(positive())
      ->capture_default_str()
      ->group("Training");
  cmd.add_flag("--learn-scale", loss.learn_scale,
               "Learn the inverse temperature (from --scale, kept in [1, 100])")
      ->group("Training");
  cmd.add_flag("--symmetric,!--no-symmetric", loss.symmetric,
               "Add the document -> query direction to the loss")
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--prefix-weights", a.prefix_weights, "Loss weight per prefix (default all 1)")
      ->group("Training");
  cmd.add_option("--ngame-cluster-size", t.ngame.cluster_size,
                 "NGAME: queries per cluster at the start (1: random batches)")
      ->check(positive())
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--ngame-double-at", a.ngame_double_at,
                 "NGAME: epochs (1-based) at which the cluster size doubles (\"\": never)")
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--ngame-recluster-every", t.ngame.recluster_every,
                 "NGAME: epochs between clusterings")
      ->check(positive())
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--seed", t.seed, "Seed of initialization, sampling and batching")
      ->capture_default_str()
      ->group("Training");
  add_threads_option(cmd, a.threads);

  // Output.
  cmd.add_option("--out", a.out, "Model file to write (.safetensors)")->required()->group("Output");
  cmd.add_option("--checkpoint", a.checkpoint, "Checkpoint file (default: OUT.checkpoint)")
      ->group("Output");
  cmd.add_option("--checkpoint-minutes", t.checkpoint_minutes, "Minutes between checkpoints")
      ->check(positive())
      ->capture_default_str()
      ->group("Output");
  cmd.add_flag("--resume", a.resume,
               "Continue from the checkpoint (same options: others are an error)")
      ->group("Output");
  cmd.add_option("--log", a.log, "Metrics log, one JSON line per epoch")->group("Output");
  cmd.add_flag("--quiet", a.quiet, "No progress line")->group("Output");
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

// The Matryoshka options against --dim: usage errors before any data is read.
void check_prefixes(const std::vector<int64_t>& prefixes, const std::vector<float>& weights,
                    int64_t dim) {
  if (!prefixes.empty()) {
    const std::string problem = prefixes_problem(prefixes, dim);
    if (!problem.empty()) throw CLI::ValidationError("--prefixes", problem);
  }
  const size_t count = prefixes.empty() ? default_prefixes(dim).size() : prefixes.size();
  if (!weights.empty() && weights.size() != count) {
    throw CLI::ValidationError("--prefix-weights",
                               fmt::format("{} weights for {} prefixes", weights.size(), count));
  }
}

}  // namespace

void run_train(TrainArgs& a) {
  use_threads(a.threads);
  const Stopwatch watch;
  RetrievalTrainingOptions options = a.training;
  options.featurizer = a.featurizer.resolve();
  // One --on-invalid-utf8 for the files read and the texts the model will embed.
  options.data.on_invalid_utf8 = options.featurizer.tokenizer.normalize.on_invalid_utf8;
  options.model.prefixes = parse_number_list<int64_t>(a.prefixes, "--prefixes");
  options.prefix_weights = parse_number_list<float>(a.prefix_weights, "--prefix-weights");
  check_prefixes(options.model.prefixes, options.prefix_weights, options.model.dim);
  options.trainer.ngame.double_at = parse_double_at(a.ngame_double_at, "--ngame-double-at");
  options.trainer.checkpoint_path = a.checkpoint.empty() ? a.out + ".checkpoint" : a.checkpoint;
  options.trainer.metrics_log = a.log;
  const TrainerOptions& t = options.trainer;
  options.options_json = nlohmann::json{{"epochs", t.epochs},
                                        {"batch_size", t.batch_size},
                                        {"lr", t.lr.base_lr},
                                        {"decay", name_of(t.lr.decay)},
                                        {"warmup", t.warmup_fraction},
                                        {"optimizer", name_of(t.step.sparse_optimizer)},
                                        {"weight_decay", t.step.sparse_weight_decay},
                                        {"scale", options.loss.scale},
                                        {"learn_scale", options.loss.learn_scale},
                                        {"symmetric", options.loss.symmetric},
                                        {"ngame_cluster_size", t.ngame.cluster_size},
                                        {"ngame_double_at", a.ngame_double_at},
                                        {"seed", t.seed},
                                        {"min_count", options.vocabulary.min_count},
                                        {"dim", options.model.dim},
                                        {"prefixes", a.prefixes},
                                        {"prefix_weights", a.prefix_weights},
                                        {"beir_weight", options.data.beir_weight},
                                        {"pairs_weight", options.data.pairs_weight},
                                        {"crops_weight", options.data.crops_weight},
                                        {"pairs_per_doc", options.data.crops.pairs_per_document}}
                             .dump();
  // Before any data is read: a second run on the same output or checkpoint, or an output that
  // cannot be written, fails now rather than after the training.
  check_writable(a.out);
  check_writable(t.checkpoint_path);
  const FileLock lock(t.checkpoint_path + ".lock", "the checkpoint " + t.checkpoint_path);

  RetrievalTraining training(options);
  fmt::print(stderr, "train: vocabulary of {} words, {} hash buckets\n",
             training.model().featurizer().vocabulary().size(), options.featurizer.buckets);
  for (const WeightedSource& s : training.sources()) {
    fmt::print(stderr, "train: {} x{}\n", s.source->describe(), s.weight);
  }
  Trainer& trainer = training.trainer();
  if (a.resume) {
    TESSERA_CHECK(std::filesystem::exists(t.checkpoint_path), "--resume: no checkpoint at {}",
                  t.checkpoint_path);
    trainer.resume(t.checkpoint_path);
    fmt::print(stderr, "train: resumed from {}\n", t.checkpoint_path);
  }
  if (Trainer::EvaluateFn evaluate = dev_evaluation(training.data())) {
    trainer.on_epoch_end(std::move(evaluate));
  }
  Progress progress("train", a.quiet ? 0 : -1);
  trainer.on_warning([&](const std::string& warning) { progress.message("warning: " + warning); });
  trainer.on_progress([&](const StepProgress& p) {
    const double rate = p.seconds > 0 ? static_cast<double>(p.examples) / p.seconds : 0.0;
    const double left = p.step > 0 ? p.seconds / static_cast<double>(p.step) *
                                         static_cast<double>(p.total_steps - p.step)
                                   : 0.0;
    progress.show(fmt::format("epoch {}/{} batch {}/{} loss {:.4f} {:.0f} pairs/s ETA {}", p.epoch,
                              p.epochs, p.batch, p.batches, p.loss, rate, format_duration(left)));
  });
  const TrainReport report = training.run_and_save(a.out);
  progress.finish();
  for (const EpochReport& e : report.epochs) {
    std::string objective, eval;
    for (const auto& [k, v] : e.objective) objective += fmt::format(", {} {:.2f}", k, v);
    for (const auto& [k, v] : e.eval) eval += fmt::format(", dev {} {:.4f}", k, v);
    fmt::print(stderr,
               "train: epoch {}: {} pairs in {} batches, loss {:.4f}, in-batch negative cosine "
               "{:.3f} (clusters of {}){}{}\n",
               e.epoch + 1, e.examples, e.batches, e.loss, e.negative_cosine, e.cluster_size,
               objective, eval);
  }
  fmt::print(
      stderr,
      "train: wrote {} ({} steps, {} pairs; training {:.1f}s = {:.0f} pairs/s, data "
      "{:.1f}s, total {:.1f}s)\n",
      a.out, report.steps, report.examples, report.train_seconds,
      report.train_seconds > 0 ? static_cast<double>(report.examples) / report.train_seconds : 0.0,
      report.prep_seconds, watch.seconds());
}

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto classify = std::make_shared<ClassifyArgs>();
  auto words = std::make_shared<WordsArgs>();
  auto task = std::make_shared<std::string>("retrieval");
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train an embedding model (contrastive, Matryoshka) or a classifier, saved as safetensors");
  cmd->add_option("--task", *task,
                  "retrieval: queries and documents; classify: texts and their labels; words: "
                  "word vectors from a raw corpus")
      ->check(CLI::IsMember({"retrieval", "classify", "words"}))
      ->capture_default_str();
  add_options(*cmd, *args);
  add_classify_options(*cmd, *classify);
  add_words_options(*cmd, *words);
  cmd->callback([cmd, args, classify, words, task] {
    if (*task == "words") {
      run_train_words(*cmd, *args, *classify, *words);
      return;
    }
    for (const char* name : {"--model", "--window", "--sample"}) {
      if (cmd->get_option(name)->count() > 0) {
        throw CLI::ValidationError(name, "is an option of --task words");
      }
    }
    if (*task == "classify") {
      run_train_classify(*cmd, *args, *classify);
      return;
    }
    for (const char* name :
         {"--input", "--valid", "--loss", "--neg", "--similarity", "--autotune-validation",
          "--autotune-duration", "--label-prefix", "--label-field", "--field", "--format"}) {
      if (cmd->get_option(name)->count() > 0) {
        throw CLI::ValidationError(name, "is an option of --task classify");
      }
    }
    run_train(*args);
  });
}

}  // namespace tessera::cli
