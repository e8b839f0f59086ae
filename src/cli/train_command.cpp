// `tessera train`: train an embedding model on pairs, a BEIR split and/or a raw corpus, and
// save it as a safetensors file.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "commands.h"
#include "featurizer_options.h"
#include "progress.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/eval/pair_accuracy.h"
#include "tessera/eval/retrieval_benchmark.h"
#include "tessera/model/model.h"
#include "tessera/text/vocabulary_builder.h"
#include "tessera/train/trainer.h"
#include "tessera/train/training_data.h"
#include "tessera/version.h"
#include "train_run.h"

namespace tessera::cli {

namespace {

// "a,b,c" -> values; a malformed item is a usage error naming the option.
template <typename T>
std::vector<T> parse_list(const std::string& text, const char* what) {
  std::vector<T> out;
  if (text.empty()) return out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    try {
      size_t used = 0;
      if constexpr (std::is_integral_v<T>) {
        out.push_back(std::stoll(item, &used));
      } else {
        out.push_back(std::stof(item, &used));
      }
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw CLI::ValidationError(what,
                                 fmt::format("expected comma-separated numbers, got \"{}\"", text));
    }
    pos = comma + 1;
  }
  return out;
}

void add_options(CLI::App& cmd, TrainArgs& a) {
  // Data.
  cmd.add_option("--beir", a.data.beir_dir,
                 "BEIR directory: its qrels split's pairs and crops of its corpus")
      ->group("Data");
  cmd.add_option("--beir-split", a.data.beir_split, "qrels split to train on")
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--beir-weight", a.data.beir_weight,
                 "Times each judged pair is drawn per epoch (0: corpus only)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--dev-fraction", a.data.dev_fraction,
                 "Hold out this share of the BEIR split's queries (nDCG@10) and of the pairs "
                 "(accuracy@1), scored after every epoch")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--corpus", a.data.corpus_path,
                 "Corpus for self-supervised crops (BEIR corpus.jsonl, or any text input)")
      ->group("Data");
  cmd.add_option("--corpus-field", a.data.corpus_field, "Text field/column of a non-BEIR corpus")
      ->group("Data");
  cmd.add_option("--crops-weight", a.data.crops_weight, "Crop pairs per epoch, relative (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--pairs-per-doc", a.data.crops.pairs_per_document, "Crop pairs per document")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--span-min", a.data.crops.span_min, "Shortest crop, tokens")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--span-max", a.data.crops.span_max, "Longest crop, tokens")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--typo", a.data.crops.perturb.typo, "Crop queries: per-token typo probability")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--word-drop", a.data.crops.perturb.word_drop,
                 "Crop queries: per-token drop probability")
      ->check(CLI::Range(0.0, 0.95))
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--shuffle-window", a.data.crops.perturb.shuffle_window,
                 "Crop queries: tokens move at most this far (0: no shuffle)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--pairs", a.data.pair_files,
                 "Pairs file(s): JSONL {query, positive[, negative]} or TSV/CSV columns")
      ->group("Data");
  cmd.add_option("--pairs-weight", a.data.pairs_weight, "Times each pair is drawn per epoch")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--query-field", a.data.pair_fields.query, "JSONL field of pair queries")
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--positive-field", a.data.pair_fields.positive, "JSONL field of positives")
      ->capture_default_str()
      ->group("Data");
  cmd.add_option("--negative-field", a.data.pair_fields.negative,
                 "JSONL field of hard negatives (optional per line)")
      ->capture_default_str()
      ->group("Data");

  // Model.
  add_featurizer_options(cmd, a.featurizer);
  cmd.add_option("--min-count", a.vocabulary.min_count, "Vocabulary: leave out rarer words")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Model");
  cmd.add_option("--max-vocab", a.vocabulary.max_size,
                 "Vocabulary: keep the N most frequent (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group("Model");
  cmd.add_option("--dim", a.model.dim, "Output dimension")
      ->check(CLI::Range(int64_t{1}, kMaxModelDim))
      ->capture_default_str()
      ->group("Model");
  cmd.add_option("--prefixes", a.prefixes,
                 "Matryoshka prefixes, ascending, last = dim (default 32,64,128,256 at dim 256)")
      ->group("Model");
  cmd.add_option("--pooling", a.pooling, "Pooling of the bag")
      ->check(CLI::IsMember({"mean", "sqrt_n", "sum"}))
      ->capture_default_str()
      ->group("Model");
  cmd.add_flag("--projection", a.model.projection, "Learned linear map after pooling")
      ->group("Model");
  cmd.add_option("--table-dim", a.model.table_dim, "Table width with --projection (0: dim)")
      ->check(CLI::NonNegativeNumber)
      ->group("Model");
  cmd.add_flag("--two-towers", a.model.two_towers, "Separate query and document towers")
      ->group("Model");
  cmd.add_option("--init-std", a.model.init_std, "Initial weights N(0, std^2)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Model");

  // Training.
  TrainerOptions& t = a.trainer;
  cmd.add_option("--epochs", t.epochs, "Passes over the data")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--batch-size", t.batch_size, "Pairs per batch (in-batch negatives)")
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 20))
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--lr", t.lr.base_lr, "Learning rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--decay", a.decay, "Learning-rate decay after warm-up")
      ->check(CLI::IsMember({"constant", "linear", "cosine"}))
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--warmup", t.warmup_fraction, "Warm-up share of the steps")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--optimizer", a.optimizer, "Optimizer of the tables (AdamW for projections)")
      ->check(CLI::IsMember({"adam", "adagrad"}))
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--scale", t.scale, "Inverse temperature of InfoNCE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Training");
  cmd.add_flag("--learn-scale", t.learn_scale,
               "Learn the inverse temperature (from --scale, kept in [1, 100])")
      ->group("Training");
  cmd.add_flag("--symmetric,!--no-symmetric", t.symmetric,
               "Add the document -> query direction to the loss")
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--prefix-weights", a.prefix_weights, "Loss weight per prefix (default all 1)")
      ->group("Training");
  cmd.add_option("--ngame-cluster-size", t.ngame.cluster_size,
                 "NGAME: queries per cluster at the start (1: random batches)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--ngame-double-at", a.ngame_double_at,
                 "NGAME: epochs (1-based) at which the cluster size doubles (\"\": never)")
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--ngame-recluster-every", t.ngame.recluster_every,
                 "NGAME: epochs between clusterings")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--seed", t.seed, "Seed of initialization, sampling and batching")
      ->capture_default_str()
      ->group("Training");
  cmd.add_option("--threads", a.threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber)
      ->group("Training");

  // Output.
  cmd.add_option("--out", a.out, "Model file to write (.safetensors)")->required()->group("Output");
  cmd.add_option("--checkpoint", a.checkpoint, "Checkpoint file (default: OUT.checkpoint)")
      ->group("Output");
  cmd.add_option("--checkpoint-minutes", t.checkpoint_minutes, "Minutes between checkpoints")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group("Output");
  cmd.add_flag("--resume", a.resume, "Continue from the checkpoint (same options and threads)")
      ->group("Output");
  cmd.add_option("--log", a.log, "Metrics log, one JSON line per epoch")->group("Output");
  cmd.add_flag("--quiet", a.quiet, "No progress line")->group("Output");
}

Pooling resolve_pooling(const std::string& name) {
  if (name == "sqrt_n") return Pooling::kSqrtN;
  if (name == "sum") return Pooling::kSum;
  return Pooling::kMean;
}

Decay resolve_decay(const std::string& name) {
  if (name == "linear") return Decay::kLinear;
  if (name == "cosine") return Decay::kCosine;
  return Decay::kConstant;
}

Vocabulary count_vocabulary(const TrainingData& data, const FeaturizerConfig& config,
                            const VocabularyOptions& options) {
  VocabularyBuilder builder{Tokenizer(config.tokenizer)};
  const std::vector<std::string> texts = data.vocabulary_texts();
  constexpr size_t kBatch = 8192;
  for (size_t begin = 0; begin < texts.size(); begin += kBatch) {
    const std::vector<std::string> batch(
        texts.begin() + static_cast<std::ptrdiff_t>(begin),
        texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), begin + kBatch)));
    builder.add_texts(batch, "training texts", static_cast<int64_t>(begin) + 1);
  }
  return builder.build(options);
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

void run_train(TrainArgs& a) {
  if (a.threads > 0) set_num_threads(a.threads);
  const auto start = std::chrono::steady_clock::now();
  const FeaturizerConfig config = a.featurizer.resolve();
  a.model.pooling = resolve_pooling(a.pooling);
  a.model.prefixes = parse_list<int64_t>(a.prefixes, "--prefixes");
  a.trainer.prefix_weights = parse_list<float>(a.prefix_weights, "--prefix-weights");
  for (int64_t e : parse_list<int64_t>(a.ngame_double_at, "--ngame-double-at")) {
    a.trainer.ngame.double_at.push_back(e - 1);
  }
  a.trainer.lr.decay = resolve_decay(a.decay);
  a.trainer.table_optimizer =
      a.optimizer == "adagrad" ? SparseOptimizerKind::kAdagrad : SparseOptimizerKind::kAdam;
  a.trainer.checkpoint_path = a.checkpoint.empty() ? a.out + ".checkpoint" : a.checkpoint;
  a.trainer.metrics_log = a.log;
  a.model.seed = a.trainer.seed;

  TrainingData data = TrainingData::load(a.data);
  Vocabulary vocabulary = count_vocabulary(data, config, a.vocabulary);
  fmt::print(stderr, "train: vocabulary of {} words, {} hash buckets\n", vocabulary.size(),
             config.buckets);
  nlohmann::json options = {{"epochs", a.trainer.epochs},
                            {"batch_size", a.trainer.batch_size},
                            {"lr", a.trainer.lr.base_lr},
                            {"decay", a.decay},
                            {"warmup", a.trainer.warmup_fraction},
                            {"optimizer", a.optimizer},
                            {"scale", a.trainer.scale},
                            {"learn_scale", a.trainer.learn_scale},
                            {"symmetric", a.trainer.symmetric},
                            {"ngame_cluster_size", a.trainer.ngame.cluster_size},
                            {"ngame_double_at", a.ngame_double_at},
                            {"seed", a.trainer.seed},
                            {"min_count", a.vocabulary.min_count}};
  Model model = Model::create(config, std::move(vocabulary), a.model);
  std::vector<WeightedSource> sources = data.make_sources(model.featurizer());
  for (const WeightedSource& s : sources) {
    fmt::print(stderr, "train: {} x{}\n", s.source->describe(), s.weight);
  }

  Trainer trainer(model, sources, a.trainer);
  if (a.resume) {
    TESSERA_CHECK(std::filesystem::exists(a.trainer.checkpoint_path),
                  "--resume: no checkpoint at {}", a.trainer.checkpoint_path);
    trainer.resume(a.trainer.checkpoint_path);
    fmt::print(stderr, "train: resumed from {}\n", a.trainer.checkpoint_path);
  }
  std::unique_ptr<RetrievalBenchmark> dev;
  std::vector<Trainer::EvaluateFn> evaluations;
  if (!data.dev().query_ids.empty()) {
    // The held-out queries against the whole corpus: nDCG@10 of every prefix and of binary
    // codes + rescoring, after each epoch.
    std::vector<BeirQuery> queries;
    const std::unordered_set<std::string> ids(data.dev().query_ids.begin(),
                                              data.dev().query_ids.end());
    for (const BeirQuery& q : data.beir().queries) {
      if (ids.count(q.id)) queries.push_back(q);
    }
    dev = std::make_unique<RetrievalBenchmark>(data.beir().corpus, queries,
                                               qrels_from(data.dev().qrels));
    evaluations.push_back([&](const Model& m) {
      std::map<std::string, double> metrics;
      for (const MethodResult& r : dev->evaluate(m).methods) {
        metrics[r.name + " nDCG@10"] = r.metric("nDCG@10");
      }
      return metrics;
    });
  }
  if (!data.dev_pairs().empty()) {
    // Held-out pairs: accuracy@1 among all their positives, at the full dim and each prefix.
    evaluations.push_back([&](const Model& m) {
      std::map<std::string, double> metrics;
      for (int64_t p : m.prefixes()) {
        metrics[fmt::format("pairs accuracy@1 dim {}", p)] = pair_accuracy(m, data.dev_pairs(), p);
      }
      return metrics;
    });
  }
  if (!evaluations.empty()) {
    trainer.on_epoch_end([&](const Model& m) {
      std::map<std::string, double> metrics;
      for (const auto& evaluate : evaluations) metrics.merge(evaluate(m));
      return metrics;
    });
  }
  Progress progress("train", a.quiet ? 0 : -1);
  trainer.on_progress([&](const StepProgress& p) {
    const double rate = p.seconds > 0 ? static_cast<double>(p.pairs) / p.seconds : 0.0;
    const double left = p.step > 0 ? p.seconds / static_cast<double>(p.step) *
                                         static_cast<double>(p.total_steps - p.step)
                                   : 0.0;
    progress.show(fmt::format("epoch {}/{} batch {}/{} loss {:.4f} {:.0f} pairs/s ETA {}", p.epoch,
                              p.epochs, p.batch, p.batches, p.loss, rate, format_duration(left)));
  });
  const TrainReport report = trainer.run();
  progress.finish();
  for (const EpochReport& e : report.epochs) {
    std::string eval;
    for (const auto& [k, v] : e.eval) eval += fmt::format(", dev {} {:.4f}", k, v);
    fmt::print(stderr,
               "train: epoch {}: {} pairs in {} batches, loss {:.4f}, in-batch negative cosine "
               "{:.3f} (clusters of {}), scale {:.2f}{}\n",
               e.epoch + 1, e.pairs, e.batches, e.loss, e.negative_cosine, e.cluster_size, e.scale,
               eval);
  }

  nlohmann::json provenance = {{"data", nlohmann::json::parse(data.describe())},
                               {"options", options},
                               {"tessera_version", TESSERA_VERSION},
                               {"steps", report.steps},
                               {"train_seconds", report.train_seconds}};
  model.set_provenance(provenance.dump());
  model.save(a.out);
  std::error_code ignored;
  std::filesystem::remove(a.trainer.checkpoint_path, ignored);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(
      stderr,
      "train: wrote {} ({} steps, {} pairs; training {:.1f}s = {:.0f} pairs/s, data "
      "{:.1f}s, total {:.1f}s)\n",
      a.out, report.steps, report.pairs, report.train_seconds,
      report.train_seconds > 0 ? static_cast<double>(report.pairs) / report.train_seconds : 0.0,
      report.prep_seconds, wall);
}

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train an embedding model (contrastive, Matryoshka) and save it as safetensors");
  add_options(*cmd, *args);
  cmd->callback([args] { run_train(*args); });
}

}  // namespace tessera::cli
