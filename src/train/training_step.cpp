#include "tessera/train/training_step.h"

#include "tessera/core/autograd.h"
#include "tessera/core/check.h"
#include "tessera/core/stopwatch.h"

namespace tessera {

TrainingStep::TrainingStep(Model& model, TrainingTask task, StepOptions options)
    : model_(model), task_(std::move(task)) {
  TESSERA_CHECK(task_.objective != nullptr, "a training task needs an objective");
  // Both towers must exist; a catalog of ids is built once, not per step.
  model_.tower(task_.anchor_tower);
  const Encoder& candidates = model_.tower(task_.candidate_tower);
  if (task_.candidates != Candidates::kInBatch && task_.catalog.size() == 0) {
    task_.catalog = default_catalog(candidates);
  }
  for (Parameter* p : model_.parameters()) (p->sparse ? sparse_ : dense_).push_back(p);
  sparse_optimizer_ =
      make_sparse_optimizer(options.sparse_optimizer, sparse_, options.sparse_weight_decay);
  if (!dense_.empty()) {
    AdamOptions adamw;
    adamw.weight_decay = options.dense_weight_decay;
    adamw.decoupled = true;
    dense_optimizer_ = std::make_unique<Adam>(dense_, adamw);
  }
  const std::vector<Parameter*> own = task_.objective->parameters();
  if (!own.empty()) objective_optimizer_ = std::make_unique<Adam>(own);
}

TrainingStep::~TrainingStep() = default;

StepResult TrainingStep::run(const std::vector<Example>& batch, float lr, Random& random) {
  StepResult result;
  const Stopwatch watch;
  Graph graph;
  const EmbeddedBatch embedded = embed_batch(graph, model_, task_, batch, random);
  const Var loss = task_.objective->loss(embedded);
  result.negative_cosine = mean_negative_cosine(embedded);
  result.forward_ms = watch.milliseconds();
  graph.backward(loss);
  result.backward_ms = watch.milliseconds() - result.forward_ms;
  for (const Parameter* p : sparse_) result.rows_touched += p->sparse_grad.size();
  for (Optimizer* optimizer :
       {sparse_optimizer_.get(), dense_optimizer_.get(), objective_optimizer_.get()}) {
    if (optimizer == nullptr) continue;
    optimizer->step(lr);
    optimizer->zero_grad();
  }
  if (objective_optimizer_) task_.objective->after_update();
  result.update_ms = watch.milliseconds() - result.forward_ms - result.backward_ms;
  result.loss = loss.item();
  return result;
}

std::vector<std::pair<std::string, Tensor*>> TrainingStep::state() {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (Parameter* p : task_.objective->parameters()) out.emplace_back(p->name, &p->value);
  for (Optimizer* optimizer :
       {sparse_optimizer_.get(), dense_optimizer_.get(), objective_optimizer_.get()}) {
    if (optimizer == nullptr) continue;
    for (auto& entry : optimizer->state()) out.push_back(std::move(entry));
  }
  return out;
}

int64_t TrainingStep::steps_taken() const { return sparse_optimizer_->steps_taken(); }

void TrainingStep::restore_steps(int64_t steps) {
  for (Optimizer* optimizer :
       {sparse_optimizer_.get(), dense_optimizer_.get(), objective_optimizer_.get()}) {
    if (optimizer != nullptr) optimizer->restore_steps(steps);
  }
}

}  // namespace tessera
