// Trainer: the contrastive training loop of a Model.
//
// Each step embeds a batch of examples (queries with the query tower; positives, then every
// explicit hard negative, with the document tower; one embedding-bag call when the towers are
// shared), takes in-batch InfoNCE summed over the Matryoshka prefixes (matryoshka_infonce.h),
// optionally symmetric (the mean with the document -> query direction over the positives), and
// updates the tables with sparse Adam or AdaGrad and any projection with AdamW, at a learning
// rate from an LrSchedule.
//
// Batches come from batcher.h: random with no duplicates, or NGAME-clustered once the cluster
// size exceeds 1: at the start of every ngame.recluster_every-th epoch the epoch's queries are
// embedded with the current model and cut into balanced clusters, and batches are made of whole
// clusters, so in-batch negatives are hard. The cluster size starts at ngame.cluster_size and
// doubles at each epoch of ngame.double_at (capped at half the batch). The mean cosine of the
// in-batch negatives is logged per epoch: it rises as batches get harder.
//
// Checkpoints (a model file with the optimizer state and the epoch's plan added, see
// Model::save) are written atomically every checkpoint_minutes; resume() continues from one and,
// at the same thread count, reaches bit-identical weights.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tessera/core/schedule.h"
#include "tessera/model/model.h"
#include "tessera/train/batcher.h"
#include "tessera/train/step_benchmark.h"

namespace tessera {

struct NgameOptions {
  int64_t cluster_size = 1;        // 1: random batches
  std::vector<int64_t> double_at;  // epochs (0-based) at whose start the cluster size doubles
  int64_t recluster_every = 1;     // epochs between clusterings
  int64_t cluster_dim = 64;        // prefix of the embeddings the clustering uses (0: full)
};

struct TrainerOptions {
  int64_t epochs = 10;
  int64_t batch_size = 256;
  LrSchedule lr{0.01f, 0.0f, 0, 0, Decay::kConstant};  // total_steps 0: filled from the epochs
  double warmup_fraction = 0.0;  // of the total steps, when lr.warmup_steps is 0
  SparseOptimizerKind table_optimizer = SparseOptimizerKind::kAdam;
  float dense_weight_decay = 0.01f;   // AdamW, for projections
  std::vector<float> prefix_weights;  // empty: 1 per model prefix
  float scale = 20.0f;                // inverse temperature (the start value when learned)
  bool learn_scale = false;           // learn log(scale) with Adam, kept in [1, 100] (as CLIP)
  bool symmetric = false;
  NgameOptions ngame;
  uint64_t seed = 0;
  std::string checkpoint_path;  // empty: no checkpoints
  double checkpoint_minutes = 10.0;
  std::string metrics_log;  // JSONL, one line per epoch (and per evaluation); empty: none
};

// What the progress callback sees after each step.
struct StepProgress {
  int64_t epoch = 0, epochs = 0;
  int64_t batch = 0, batches = 0;  // within the epoch, 1-based batch
  int64_t step = 0, total_steps = 0;
  int64_t pairs = 0;   // pairs trained on so far in this run
  double seconds = 0;  // training time so far in this run
  float loss = 0, lr = 0;
};

struct EpochReport {
  int64_t epoch = 0;  // 0-based
  int64_t pairs = 0, batches = 0;
  double loss = 0;             // mean over the epoch's batches
  double negative_cosine = 0;  // mean cosine of in-batch negatives (largest prefix)
  int64_t cluster_size = 1;
  double scale = 0;                    // the inverse temperature at the end of the epoch
  double seconds = 0;                  // training time of the epoch
  std::map<std::string, double> eval;  // the evaluation hook's metrics, if any
};

struct TrainReport {
  std::vector<EpochReport> epochs;
  int64_t steps = 0;
  int64_t pairs = 0;
  double train_seconds = 0;  // forward, backward and updates
  double prep_seconds = 0;   // drawing, featurizing and clustering
  int64_t resumed_from_step = 0;
};

class Trainer {
 public:
  using ProgressFn = std::function<void(const StepProgress&)>;
  using EvaluateFn = std::function<std::map<std::string, double>(const Model&)>;

  Trainer(Model& model, std::vector<WeightedSource> sources, TrainerOptions options);
  ~Trainer();

  void on_progress(ProgressFn fn) { progress_ = std::move(fn); }
  // Called after every epoch; its metrics go into the report and the metrics log.
  void on_epoch_end(EvaluateFn fn) { evaluate_ = std::move(fn); }
  // Loads a checkpoint written by this trainer's options (same model shape, sources, seed);
  // run() then continues from it.
  void resume(const std::string& checkpoint_path);

  TrainReport run();

 private:
  struct State;
  std::unique_ptr<State> state_;
  ProgressFn progress_;
  EvaluateFn evaluate_;
};

}  // namespace tessera
