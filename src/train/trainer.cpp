#include "tessera/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "tessera/core/autograd.h"
#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/ops.h"
#include "tessera/core/optimizer.h"
#include "tessera/core/parallel.h"
#include "tessera/model/safetensors.h"
#include "tessera/train/matryoshka_infonce.h"

namespace tessera {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr uint64_t kExampleStream = 0xe8a3;
constexpr uint64_t kOrderStream = 0x0bde;
constexpr uint64_t kClusterStream = 0xc105;
constexpr int kCheckpointVersion = 1;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The bags of a batch: queries, then positives, then every negative.
struct BatchBags {
  Bags queries, documents;
  int64_t size = 0;
};

// Mean cosine of q_i and d_j over i != j (d includes the extra negatives):
// (sum_i q_i / |q_i|) . (sum_j d_j / |d_j|) minus the diagonal, in O((B + N) dim).
double mean_negative_cosine(const Tensor& q, const Tensor& d) {
  const int64_t width = q.dim(1), b = q.dim(0), n = d.dim(0);
  if (b * n - b <= 0) return 0.0;
  auto inverse_norm = [&](const float* row) {
    const float norm = std::sqrt(kernels::sum_squares(row, width));
    return norm > 0 ? 1.0f / norm : 0.0f;
  };
  std::vector<float> q_sum(static_cast<size_t>(width), 0.0f), d_sum(q_sum);
  double diagonal = 0.0;
  for (int64_t i = 0; i < b; ++i) {
    const float iq = inverse_norm(q.row(i)), id = inverse_norm(d.row(i));
    kernels::axpy(iq, q.row(i), q_sum.data(), width);
    diagonal += static_cast<double>(iq * id * kernels::dot(q.row(i), d.row(i), width));
  }
  for (int64_t j = 0; j < n; ++j)
    kernels::axpy(inverse_norm(d.row(j)), d.row(j), d_sum.data(), width);
  const double total = kernels::dot(q_sum.data(), d_sum.data(), width) - diagonal;
  return total / static_cast<double>(b * n - b);
}

// exp(x) elementwise, for the learned scale (kept as its log so that it stays positive).
Var exp_of(const Var& x) {
  Tensor out = Tensor::empty(x.value().shape());
  for (int64_t i = 0; i < out.numel(); ++i) out.data()[i] = std::exp(x.value().data()[i]);
  const int ix = x.id();
  const Var inputs[] = {x};
  return x.graph()->record(out, inputs, [ix, out](Graph& g, const Tensor& dout) {
    if (!g.requires_grad(ix)) return;
    Tensor& gx = g.grad(ix);
    for (int64_t i = 0; i < out.numel(); ++i) gx.data()[i] += dout.data()[i] * out.data()[i];
  });
}

// The pooled (and projected) output of a tower for bags, on the graph.
Var encode_on(Graph& graph, BagEncoder& tower, Bags bags) {
  Var out = embedding_bag(graph, tower.table(), std::move(bags), tower.pooling());
  if (tower.has_projection()) out = matmul(out, graph.param(tower.projection()));
  return out;
}

json slots_to_json(const std::vector<Slot>& slots) {
  json out = json::array();
  for (const Slot& s : slots) {
    out.push_back(s.source);
    out.push_back(s.item);
  }
  return out;
}

std::vector<Slot> slots_from_json(const json& j) {
  std::vector<Slot> slots;
  for (size_t i = 0; i + 1 < j.size(); i += 2) {
    slots.push_back({j[i].get<int32_t>(), j[i + 1].get<int64_t>()});
  }
  return slots;
}

json report_to_json(const EpochReport& r) {
  json eval = json::object();
  for (const auto& [k, v] : r.eval) eval[k] = v;
  return {{"epoch", r.epoch + 1},
          {"pairs", r.pairs},
          {"batches", r.batches},
          {"loss", r.loss},
          {"negative_cosine", r.negative_cosine},
          {"cluster_size", r.cluster_size},
          {"scale", r.scale},
          {"train_seconds", r.seconds},
          {"eval", eval}};
}

EpochReport report_from_json(const json& j) {
  EpochReport r;
  r.epoch = j.at("epoch").get<int64_t>() - 1;
  r.pairs = j.at("pairs").get<int64_t>();
  r.batches = j.at("batches").get<int64_t>();
  r.loss = j.at("loss").get<double>();
  r.negative_cosine = j.at("negative_cosine").get<double>();
  r.cluster_size = j.at("cluster_size").get<int64_t>();
  r.scale = j.at("scale").get<double>();
  r.seconds = j.at("train_seconds").get<double>();
  for (const auto& [k, v] : j.at("eval").items()) r.eval[k] = v.get<double>();
  return r;
}

}  // namespace

struct Trainer::State {
  Model& model;
  std::vector<WeightedSource> sources;
  TrainerOptions options;
  MatryoshkaInfoNceOptions loss;
  std::unique_ptr<Optimizer> table_optimizer;
  std::unique_ptr<Optimizer> dense_optimizer;  // null without projections
  Parameter log_scale = Parameter::dense("log_scale", Tensor::zeros({1}));
  std::unique_ptr<Optimizer> scale_optimizer;  // only with learn_scale
  LrSchedule schedule;

  // Where the run stands (all of it goes into checkpoints).
  int64_t epoch = 0;
  int64_t next_batch = 0;  // within the epoch's plan
  int64_t step = 0;
  std::vector<Slot> slots;                     // the current epoch's
  std::vector<std::vector<int64_t>> batches;   // the current epoch's plan
  std::vector<std::vector<int64_t>> clusters;  // the last clustering (slot indices)
  std::vector<Slot> clustered_slots;           // the slots it was made for
  int64_t cluster_size = 1;
  bool have_plan = false;
  // The current epoch's running sums.
  double loss_sum = 0, negative_sum = 0, epoch_seconds = 0;
  int64_t epoch_pairs = 0, epoch_batches = 0;
  TrainReport report;

  State(Model& m, std::vector<WeightedSource> s, TrainerOptions o)
      : model(m), sources(std::move(s)), options(std::move(o)) {}

  int64_t cluster_size_at(int64_t e) const {
    int64_t size = std::max<int64_t>(1, options.ngame.cluster_size);
    for (int64_t at : options.ngame.double_at) {
      if (at <= e) size *= 2;
    }
    return std::min(size, options.batch_size);
  }

  // The example of slot `index` in the current epoch (deterministic in seed, epoch, index).
  Random example_random(int64_t index) const {
    return Random::stream(options.seed, kExampleStream + static_cast<uint64_t>(epoch),
                          static_cast<uint64_t>(index));
  }

  // Embeds every slot's query at the clustering prefix (unit rows).
  Tensor embed_queries() const {
    const BagEncoder& tower = model.tower(Tower::kQuery);
    const int64_t dim = options.ngame.cluster_dim > 0
                            ? std::min(options.ngame.cluster_dim, model.dim())
                            : model.dim();
    const auto n = static_cast<int64_t>(slots.size());
    Tensor out = Tensor::empty({n, dim});
    constexpr int64_t kChunk = 4096;
    std::vector<float> norms(static_cast<size_t>(kChunk));
    for (int64_t begin = 0; begin < n; begin += kChunk) {
      const int64_t end = std::min(n, begin + kChunk);
      std::vector<Features> features(static_cast<size_t>(end - begin));
      parallel_for(
          end - begin,
          [&](int64_t b, int64_t e, int) {
            for (int64_t i = b; i < e; ++i) {
              const Slot& slot = slots[static_cast<size_t>(begin + i)];
              Random random = example_random(begin + i);
              features[static_cast<size_t>(i)] =
                  sources[static_cast<size_t>(slot.source)].source->draw_query(slot.item, random);
            }
          },
          16);
      Bags bags;
      for (const Features& f : features) bags.add(f.ids, f.weights);
      Tensor rows = out.slice_rows(begin, end);
      l2_normalize_forward(tower.encode(bags).prefix_cols(dim), 1e-12f, rows,
                           std::span<float>(norms).first(static_cast<size_t>(end - begin)));
    }
    return out;
  }

  void plan_epoch() {
    slots = draw_slots(sources, options.seed, epoch);
    TESSERA_CHECK(slots.size() >= 2, "epoch {} has {} training pairs; need at least 2", epoch + 1,
                  slots.size());
    cluster_size = cluster_size_at(epoch);
    std::vector<int64_t> order;
    if (cluster_size <= 1) {
      order.resize(slots.size());
      std::iota(order.begin(), order.end(), 0);
      Random random = Random::stream(options.seed, kOrderStream, static_cast<uint64_t>(epoch));
      shuffle(order, random);
    } else {
      const bool same_slots = slots.size() == clustered_slots.size() &&
                              std::equal(slots.begin(), slots.end(), clustered_slots.begin(),
                                         [](const Slot& a, const Slot& b) {
                                           return a.source == b.source && a.item == b.item;
                                         });
      const bool due = options.ngame.recluster_every <= 1 ||
                       epoch % options.ngame.recluster_every == 0 ||
                       cluster_size != cluster_size_at(epoch - 1);
      Random random = Random::stream(options.seed, kClusterStream, static_cast<uint64_t>(epoch));
      if (due || !same_slots) {
        clusters = balanced_clusters(embed_queries(), cluster_size, random);
        clustered_slots = slots;
      } else {
        shuffle(clusters, random);
      }
      for (const auto& cluster : clusters)
        order.insert(order.end(), cluster.begin(), cluster.end());
    }
    batches = no_duplicate_batches(sources, slots, order, options.batch_size);
    next_batch = 0;
    loss_sum = negative_sum = epoch_seconds = 0;
    epoch_pairs = epoch_batches = 0;
    have_plan = true;
  }

  BatchBags make_batch(const std::vector<int64_t>& batch) const {
    std::vector<TrainingExample> examples(batch.size());
    parallel_for(
        static_cast<int64_t>(batch.size()),
        [&](int64_t b, int64_t e, int) {
          for (int64_t i = b; i < e; ++i) {
            const int64_t index = batch[static_cast<size_t>(i)];
            const Slot& slot = slots[static_cast<size_t>(index)];
            Random random = example_random(index);
            sources[static_cast<size_t>(slot.source)].source->draw(
                slot.item, random, examples[static_cast<size_t>(i)]);
          }
        },
        8);
    BatchBags out;
    out.size = static_cast<int64_t>(batch.size());
    for (const TrainingExample& ex : examples) out.queries.add(ex.query.ids, ex.query.weights);
    for (const TrainingExample& ex : examples) {
      out.documents.add(ex.positive.ids, ex.positive.weights);
    }
    for (const TrainingExample& ex : examples) {
      for (const Features& n : ex.negatives) out.documents.add(n.ids, n.weights);
    }
    return out;
  }

  // One optimization step; returns the loss and the mean negative cosine.
  std::pair<float, double> train_step(BatchBags bags, float lr) {
    Graph graph;
    Var q, d;
    const int64_t b = bags.size;
    const int64_t n = bags.documents.size();
    if (!model.two_towers()) {
      Bags both = std::move(bags.queries);
      const int64_t base = static_cast<int64_t>(both.ids.size());
      both.ids.insert(both.ids.end(), bags.documents.ids.begin(), bags.documents.ids.end());
      both.weights.insert(both.weights.end(), bags.documents.weights.begin(),
                          bags.documents.weights.end());
      for (size_t i = 1; i < bags.documents.offsets.size(); ++i) {
        both.offsets.push_back(base + bags.documents.offsets[i]);
      }
      const Var all = encode_on(graph, model.tower(Tower::kQuery), std::move(both));
      q = slice_rows(all, 0, b);
      d = slice_rows(all, b, b + n);
    } else {
      q = encode_on(graph, model.tower(Tower::kQuery), std::move(bags.queries));
      d = encode_on(graph, model.tower(Tower::kDocument), std::move(bags.documents));
    }
    Var learned_scale;
    if (scale_optimizer) learned_scale = exp_of(graph.param(log_scale));
    auto infonce = [&](const Var& anchors, const Var& targets) {
      return scale_optimizer ? matryoshka_infonce(anchors, targets, learned_scale, loss)
                             : matryoshka_infonce(anchors, targets, loss);
    };
    Var total = infonce(q, d);
    if (options.symmetric) total = scale(add(total, infonce(slice_rows(d, 0, b), q)), 0.5f);
    const double negative = mean_negative_cosine(q.value(), d.value());
    graph.backward(total);
    table_optimizer->step(lr);
    table_optimizer->zero_grad();
    if (dense_optimizer) {
      dense_optimizer->step(lr);
      dense_optimizer->zero_grad();
    }
    if (scale_optimizer) {
      scale_optimizer->step(lr);
      scale_optimizer->zero_grad();
      float& v = log_scale.value.data()[0];
      v = std::clamp(v, 0.0f, std::log(100.0f));
    }
    return {total.item(), negative};
  }

  // Everything but the model's weights that a checkpoint must hold.
  std::vector<std::pair<std::string, Tensor*>> optimizer_state() {
    auto out = table_optimizer->state();
    for (Optimizer* o : {dense_optimizer.get(), scale_optimizer.get()}) {
      if (o == nullptr) continue;
      for (auto& entry : o->state()) out.push_back(std::move(entry));
    }
    if (scale_optimizer) out.emplace_back("log_scale", &log_scale.value);
    return out;
  }

  float current_scale() const {
    return scale_optimizer ? std::exp(log_scale.value.data()[0]) : options.scale;
  }

  json state_json() const {
    json epochs = json::array();
    for (const EpochReport& r : report.epochs) epochs.push_back(report_to_json(r));
    json clusters_json = json::array();
    for (const auto& c : clusters) clusters_json.push_back(c);
    return {{"version", kCheckpointVersion},
            {"seed", options.seed},
            {"batch_size", options.batch_size},
            {"epochs", options.epochs},
            {"epoch", epoch},
            {"next_batch", next_batch},
            {"step", step},
            {"optimizer_steps", table_optimizer->steps_taken()},
            {"slots", slots_to_json(slots)},
            {"batches", batches},
            {"clusters", clusters_json},
            {"clustered_slots", slots_to_json(clustered_slots)},
            {"cluster_size", cluster_size},
            {"running",
             {{"loss_sum", loss_sum},
              {"negative_sum", negative_sum},
              {"seconds", epoch_seconds},
              {"pairs", epoch_pairs},
              {"batches", epoch_batches}}},
            {"report",
             {{"epochs", epochs},
              {"steps", report.steps},
              {"pairs", report.pairs},
              {"train_seconds", report.train_seconds},
              {"prep_seconds", report.prep_seconds}}}};
  }

  void save_checkpoint() {
    std::map<std::string, Tensor> tensors;
    for (auto& [name, tensor] : optimizer_state()) {
      tensors.emplace(std::string(kTrainerTensorPrefix) + name, *tensor);
    }
    model.save(options.checkpoint_path, {{"trainer_state", state_json().dump()}}, tensors);
  }
};

Trainer::Trainer(Model& model, std::vector<WeightedSource> sources, TrainerOptions options)
    : state_(std::make_unique<State>(model, std::move(sources), std::move(options))) {
  State& s = *state_;
  const TrainerOptions& o = s.options;
  TESSERA_CHECK(!s.sources.empty(), "no training data: give pairs, a BEIR split or a corpus");
  for (const WeightedSource& ws : s.sources) {
    TESSERA_CHECK(ws.source != nullptr, "null training source");
  }
  TESSERA_CHECK(o.epochs >= 1, "epochs must be >= 1, got {}", o.epochs);
  TESSERA_CHECK(o.batch_size >= 2, "batch size must be >= 2, got {}", o.batch_size);
  TESSERA_CHECK(o.scale > 0 && std::isfinite(o.scale), "scale must be > 0, got {}", o.scale);
  TESSERA_CHECK(o.ngame.recluster_every >= 1, "recluster-every must be >= 1");
  TESSERA_CHECK(o.warmup_fraction >= 0 && o.warmup_fraction < 1,
                "warmup fraction must be in [0, 1), got {}", o.warmup_fraction);
  s.loss.prefixes = model.prefixes();
  s.loss.weights = o.prefix_weights;
  s.loss.scale = o.scale;
  TESSERA_CHECK(o.prefix_weights.empty() || o.prefix_weights.size() == model.prefixes().size(),
                "{} prefix weights for {} prefixes", o.prefix_weights.size(),
                model.prefixes().size());

  std::vector<Parameter*> tables, dense;
  tables.push_back(&model.tower(Tower::kQuery).table());
  if (model.two_towers()) tables.push_back(&model.tower(Tower::kDocument).table());
  if (model.tower(Tower::kQuery).has_projection()) {
    dense.push_back(&model.tower(Tower::kQuery).projection());
    if (model.two_towers()) dense.push_back(&model.tower(Tower::kDocument).projection());
  }
  if (o.table_optimizer == SparseOptimizerKind::kAdam) {
    s.table_optimizer = std::make_unique<Adam>(tables);
  } else {
    s.table_optimizer = std::make_unique<Adagrad>(tables);
  }
  if (!dense.empty()) {
    AdamOptions adamw;
    adamw.weight_decay = o.dense_weight_decay;
    adamw.decoupled = true;
    s.dense_optimizer = std::make_unique<Adam>(dense, adamw);
  }

  if (o.learn_scale) {
    TESSERA_CHECK(o.scale >= 1 && o.scale <= 100, "a learned scale starts in [1, 100], got {}",
                  o.scale);
    s.log_scale.value.data()[0] = std::log(o.scale);
    s.scale_optimizer = std::make_unique<Adam>(std::vector<Parameter*>{&s.log_scale});
  }

  // The schedule's length: the epochs' pairs over the batch size (duplicates may add a batch).
  int64_t pairs = static_cast<int64_t>(draw_slots(s.sources, o.seed, 0).size());
  const int64_t total = o.epochs * ((pairs + o.batch_size - 1) / o.batch_size);
  s.schedule = o.lr;
  if (s.schedule.total_steps == 0) s.schedule.total_steps = std::max<int64_t>(1, total);
  if (s.schedule.warmup_steps == 0) {
    s.schedule.warmup_steps =
        static_cast<int64_t>(o.warmup_fraction * static_cast<double>(s.schedule.total_steps));
  }
  if (s.schedule.decay != Decay::kConstant && s.schedule.total_steps <= s.schedule.warmup_steps) {
    s.schedule.total_steps = s.schedule.warmup_steps + 1;
  }
}

Trainer::~Trainer() = default;

void Trainer::resume(const std::string& path) {
  State& s = *state_;
  SafetensorsHeader header = read_safetensors_header(path);
  auto it = header.metadata.find("trainer_state");
  TESSERA_CHECK(it != header.metadata.end(), "{}: not a training checkpoint (no trainer_state)",
                path);
  json state;
  try {
    state = json::parse(it->second);
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: trainer_state is not valid JSON: {}", path, e.what());
  }
  try {
    TESSERA_CHECK(state.at("version").get<int>() == kCheckpointVersion,
                  "checkpoint version {} is not {}", state.at("version").dump(),
                  kCheckpointVersion);
    TESSERA_CHECK(state.at("seed").get<uint64_t>() == s.options.seed &&
                      state.at("batch_size").get<int64_t>() == s.options.batch_size,
                  "the checkpoint was made with seed {} and batch size {}; this run has {} and {}",
                  state.at("seed").dump(), state.at("batch_size").dump(), s.options.seed,
                  s.options.batch_size);
    // The model's weights.
    const Model saved = Model::load(path);
    TESSERA_CHECK(saved.two_towers() == s.model.two_towers(),
                  "the checkpoint's model has another number of towers than this run's");
    for (Tower t : {Tower::kQuery, Tower::kDocument}) {
      if (t == Tower::kDocument && !saved.two_towers()) break;  // one shared tower
      BagEncoder& mine = s.model.tower(t);
      const BagEncoder& theirs = saved.tower(t);
      TESSERA_CHECK(mine.table().value.same_shape(theirs.table().value) &&
                        mine.has_projection() == theirs.has_projection(),
                    "the checkpoint's model has another shape than this run's");
      mine.table().value.copy_from(theirs.table().value);
      if (mine.has_projection()) mine.projection().value.copy_from(theirs.projection().value);
    }
    // The optimizer state.
    std::erase_if(header.tensors,
                  [](const auto& entry) { return !entry.first.starts_with(kTrainerTensorPrefix); });
    SafetensorsContents contents = read_safetensors(path, std::move(header));
    for (auto& [name, tensor] : s.optimizer_state()) {
      auto found = contents.tensors.find(std::string(kTrainerTensorPrefix) + name);
      TESSERA_CHECK(found != contents.tensors.end(), "optimizer state '{}' is missing", name);
      TESSERA_CHECK(found->second.same_shape(*tensor),
                    "optimizer state '{}' has another shape than this run's", name);
      tensor->copy_from(found->second);
    }
    const auto optimizer_steps = state.at("optimizer_steps").get<int64_t>();
    s.table_optimizer->restore_steps(optimizer_steps);
    if (s.dense_optimizer) s.dense_optimizer->restore_steps(optimizer_steps);
    if (s.scale_optimizer) s.scale_optimizer->restore_steps(optimizer_steps);
    // Where the run stands.
    s.epoch = state.at("epoch").get<int64_t>();
    s.next_batch = state.at("next_batch").get<int64_t>();
    s.step = state.at("step").get<int64_t>();
    s.slots = slots_from_json(state.at("slots"));
    s.batches = state.at("batches").get<std::vector<std::vector<int64_t>>>();
    s.clusters = state.at("clusters").get<std::vector<std::vector<int64_t>>>();
    s.clustered_slots = slots_from_json(state.at("clustered_slots"));
    s.cluster_size = state.at("cluster_size").get<int64_t>();
    const json& running = state.at("running");
    s.loss_sum = running.at("loss_sum").get<double>();
    s.negative_sum = running.at("negative_sum").get<double>();
    s.epoch_seconds = running.at("seconds").get<double>();
    s.epoch_pairs = running.at("pairs").get<int64_t>();
    s.epoch_batches = running.at("batches").get<int64_t>();
    const json& report = state.at("report");
    s.report = {};
    for (const json& e : report.at("epochs")) s.report.epochs.push_back(report_from_json(e));
    s.report.steps = report.at("steps").get<int64_t>();
    s.report.pairs = report.at("pairs").get<int64_t>();
    s.report.train_seconds = report.at("train_seconds").get<double>();
    s.report.prep_seconds = report.at("prep_seconds").get<double>();
    s.report.resumed_from_step = s.step;
    for (const Slot& slot : s.slots) {
      TESSERA_CHECK(slot.source >= 0 && static_cast<size_t>(slot.source) < s.sources.size() &&
                        slot.item >= 0 &&
                        slot.item < s.sources[static_cast<size_t>(slot.source)].source->size(),
                    "the checkpoint's plan names training pairs this run does not have");
    }
    for (const auto& batch : s.batches) {
      for (int64_t i : batch) {
        TESSERA_CHECK(i >= 0 && static_cast<size_t>(i) < s.slots.size(),
                      "the checkpoint's plan is inconsistent");
      }
    }
    s.have_plan = true;
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: trainer_state is malformed: {}", path, e.what());
  } catch (const Error& e) {
    TESSERA_FAIL("{}: cannot resume: {}", path, e.what());
  }
}

TrainReport Trainer::run() {
  State& s = *state_;
  const TrainerOptions& o = s.options;
  std::ofstream log;
  if (!o.metrics_log.empty()) {
    log.open(o.metrics_log, s.report.resumed_from_step > 0 ? std::ios::app : std::ios::trunc);
    TESSERA_CHECK(log.good(), "cannot write the metrics log {}", o.metrics_log);
  }
  const auto run_start = Clock::now();
  auto last_checkpoint = Clock::now();
  const double run_seconds_before = s.report.train_seconds;
  const int64_t run_pairs_before = s.report.pairs;
  for (; s.epoch < o.epochs; ++s.epoch) {
    if (!s.have_plan) {
      const auto t0 = Clock::now();
      s.plan_epoch();
      s.report.prep_seconds += seconds_since(t0);
    }
    const auto batches = static_cast<int64_t>(s.batches.size());
    for (; s.next_batch < batches; ++s.next_batch) {
      const auto t0 = Clock::now();
      const auto& batch = s.batches[static_cast<size_t>(s.next_batch)];
      BatchBags bags = s.make_batch(batch);
      const float lr = s.schedule.at(s.step);
      const auto t1 = Clock::now();
      const auto [loss, negative] = s.train_step(std::move(bags), lr);
      const double step_seconds = seconds_since(t1);
      s.report.prep_seconds += std::chrono::duration<double>(t1 - t0).count();
      TESSERA_CHECK(std::isfinite(loss), "the loss became {} at step {}: lower the learning rate",
                    loss, s.step + 1);
      ++s.step;
      s.loss_sum += loss;
      s.negative_sum += negative;
      s.epoch_seconds += step_seconds;
      s.epoch_pairs += static_cast<int64_t>(batch.size());
      ++s.epoch_batches;
      s.report.steps = s.step;
      s.report.pairs += static_cast<int64_t>(batch.size());
      s.report.train_seconds += step_seconds;
      if (progress_) {
        StepProgress p;
        p.epoch = s.epoch + 1;
        p.epochs = o.epochs;
        p.batch = s.next_batch + 1;
        p.batches = batches;
        p.step = s.step;
        p.total_steps = std::max(s.schedule.total_steps, s.step);
        p.pairs = s.report.pairs - run_pairs_before;
        p.seconds = s.report.train_seconds - run_seconds_before;
        p.loss = loss;
        p.lr = lr;
        progress_(p);
      }
      if (!o.checkpoint_path.empty() &&
          seconds_since(last_checkpoint) >= o.checkpoint_minutes * 60.0) {
        ++s.next_batch;  // the checkpoint resumes after this batch
        s.save_checkpoint();
        --s.next_batch;
        last_checkpoint = Clock::now();
      }
    }
    EpochReport epoch;
    epoch.epoch = s.epoch;
    epoch.pairs = s.epoch_pairs;
    epoch.batches = s.epoch_batches;
    epoch.loss = s.epoch_batches > 0 ? s.loss_sum / static_cast<double>(s.epoch_batches) : 0.0;
    epoch.negative_cosine =
        s.epoch_batches > 0 ? s.negative_sum / static_cast<double>(s.epoch_batches) : 0.0;
    epoch.cluster_size = s.cluster_size;
    epoch.scale = s.current_scale();
    epoch.seconds = s.epoch_seconds;
    if (evaluate_) epoch.eval = evaluate_(s.model);
    s.report.epochs.push_back(epoch);
    if (log.is_open()) {
      json line = report_to_json(epoch);
      line["step"] = s.step;
      line["lr"] = s.schedule.at(s.step > 0 ? s.step - 1 : 0);
      line["elapsed_seconds"] = seconds_since(run_start);
      log << line.dump() << '\n' << std::flush;
    }
    s.have_plan = false;
  }
  return s.report;
}

}  // namespace tessera
