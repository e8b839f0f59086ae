// TrainingStep: one optimization step of a Model on a batch of Examples for a TrainingTask:
// embed the batch (training_task.h), take the objective's loss, back-propagate, update. The
// Trainer's loop runs it, and `tessera bench train-step` times exactly it.
//
// Every parameter is updated by the optimizer its kind calls for: sparse-row tables (embedding
// and id tables) by sparse Adam or AdaGrad, which move only the rows a batch touched; dense
// parameters of the model (projections) by AdamW; the objective's own (a learned temperature)
// by Adam.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/optimizer.h"
#include "tessera/core/random.h"
#include "tessera/model/model.h"
#include "tessera/train/training_task.h"

namespace tessera {

struct StepOptions {
  SparseOptimizerKind sparse_optimizer = SparseOptimizerKind::kAdam;
  float dense_weight_decay = 0.01f;  // AdamW's decoupled weight decay, for dense parameters
  // Decoupled weight decay of the tables' rows (Adam only), applied lazily: a row decays on the
  // steps that touch it, so frequent features are held back more (L2 per occurrence).
  float sparse_weight_decay = 0.0f;
};

struct StepResult {
  float loss = 0;
  double negative_cosine = 0;  // mean_negative_cosine of the embedded batch
  int64_t rows_touched = 0;    // rows of sparse tables the update moved
  double forward_ms = 0, backward_ms = 0, update_ms = 0;
};

class TrainingStep {
 public:
  // task.objective must be set; an empty catalog of a tower of ids becomes its default_catalog.
  TrainingStep(Model& model, TrainingTask task, StepOptions options = {});
  ~TrainingStep();

  // One update from the batch at learning rate lr; random draws what the task samples.
  StepResult run(const std::vector<Example>& batch, float lr, Random& random);

  // What a checkpoint must hold beside the model's parameters to continue exactly: the
  // objective's parameters and every optimizer's state, by name.
  std::vector<std::pair<std::string, Tensor*>> state();
  int64_t steps_taken() const;
  void restore_steps(int64_t steps);

  Model& model() { return model_; }
  const TrainingTask& task() const { return task_; }

 private:
  Model& model_;
  TrainingTask task_;
  std::vector<Parameter*> sparse_, dense_;  // the model's parameters
  std::unique_ptr<Optimizer> sparse_optimizer_;
  std::unique_ptr<Optimizer> dense_optimizer_;      // null without dense parameters
  std::unique_ptr<Optimizer> objective_optimizer_;  // null when the objective has none
};

}  // namespace tessera
