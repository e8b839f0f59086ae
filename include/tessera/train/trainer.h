// Trainer: the training loop of a Model for a TrainingTask, and nothing else: epochs of batches
// from a Batcher (batcher.h) over weighted example sources, a learning-rate schedule, a
// TrainingStep (training_step.h) per batch, checkpoints and resume, progress, a metrics log and
// an evaluation hook after every epoch. What a step computes (which towers, which candidates,
// which loss) is the task's; the trainer knows no encoder kind and no objective.
//
// Each step's examples are drawn from their sources with Random streams of (seed, epoch, slot),
// in parallel, and each step's own draws (sampled candidates) from (seed, step): equal seeds give
// equal runs at equal thread counts. Checkpoints (a model file with the step's optimizer state,
// the batcher's state and the epoch's plan added, see Model::save's extras) are written
// atomically every checkpoint_minutes; resume() continues from one and reaches bit-identical
// weights at the same thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/core/schedule.h"
#include "tessera/model/model.h"
#include "tessera/train/batcher.h"
#include "tessera/train/training_step.h"
#include "tessera/train/training_task.h"

namespace tessera {

struct TrainerOptions {
  int64_t epochs = 10;
  int64_t batch_size = 256;
  LrSchedule lr{0.01f, 0.0f, 0, 0, Decay::kConstant};  // total_steps 0: filled from the epochs
  double warmup_fraction = 0.0;  // of the total steps, when lr.warmup_steps is 0
  StepOptions step;              // the optimizers
  NgameOptions ngame;            // cluster size 1 and no doubling: random batches
  uint64_t seed = 0;
  std::string checkpoint_path;  // empty: no checkpoints
  double checkpoint_minutes = 10.0;
  std::string metrics_log;  // JSONL, one line per epoch; empty: none
  // The settings the run was started with, a JSON object of the recipe's options ("": none).
  // Checkpoints record them; resume refuses a checkpoint made with other settings.
  std::string settings_json;
};

// What the progress callback sees after each step.
struct StepProgress {
  int64_t epoch = 0, epochs = 0;
  int64_t batch = 0, batches = 0;  // within the epoch, 1-based batch
  int64_t step = 0, total_steps = 0;
  int64_t examples = 0;  // examples trained on so far in this run
  double seconds = 0;    // training time so far in this run
  float loss = 0, lr = 0;
};

struct EpochReport {
  int64_t epoch = 0;  // 0-based
  int64_t examples = 0, batches = 0;
  double loss = 0;             // mean over the epoch's batches
  double negative_cosine = 0;  // mean cosine of anchors with their negatives
  int64_t cluster_size = 1;
  std::map<std::string, double> objective;  // the objective's report at the end of the epoch
  double seconds = 0;                       // training time of the epoch
  std::map<std::string, double> eval;       // the evaluation hook's metrics, if any
};

struct TrainReport {
  std::vector<EpochReport> epochs;
  int64_t steps = 0;
  int64_t examples = 0;
  double train_seconds = 0;  // forward, backward and updates
  double prep_seconds = 0;   // drawing examples and planning epochs (clustering)
  int64_t resumed_from_step = 0;
  bool stopped = false;  // the stop condition ended the run before its last step
};

class Trainer {
 public:
  using ProgressFn = std::function<void(const StepProgress&)>;
  using EvaluateFn = std::function<std::map<std::string, double>(const Model&)>;
  using WarningFn = std::function<void(const std::string&)>;

  Trainer(Model& model, std::vector<WeightedSource> sources, TrainingTask task,
          TrainerOptions options);
  ~Trainer();

  void on_progress(ProgressFn fn) { progress_ = std::move(fn); }
  // Called after every epoch; its metrics go into the report and the metrics log.
  void on_epoch_end(EvaluateFn fn) { evaluate_ = std::move(fn); }
  // Told what went wrong without stopping the run: a checkpoint that could not be written (a
  // full disk) is a warning, and training goes on; the model itself must still be written.
  void on_warning(WarningFn fn) { warning_ = std::move(fn); }
  // Asked after every step but the last; true ends the run there (report.stopped), as a time
  // budget does.
  void stop_when(std::function<bool()> fn) { stop_ = std::move(fn); }
  // Loads a checkpoint written by this trainer's options (same model shape, sources, seed);
  // run() then continues from it.
  void resume(const std::string& checkpoint_path);

  TrainReport run();

 private:
  struct State;
  std::unique_ptr<State> state_;
  ProgressFn progress_;
  EvaluateFn evaluate_;
  WarningFn warning_;
  std::function<bool()> stop_;
};

}  // namespace tessera
