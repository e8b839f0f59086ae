#include "tessera/train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "tessera/core/check.h"
#include "tessera/core/fault_injection.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"
#include "tessera/core/stopwatch.h"
#include "tessera/model/safetensors.h"

namespace tessera {

namespace {

using nlohmann::json;

constexpr uint64_t kExampleStream = 0xe8a3;
constexpr uint64_t kStepStream = 0x57e9;
constexpr int kCheckpointVersion = 2;
// Names of the trainer's tensors in a checkpoint (the model's parameters keep their own).
constexpr std::string_view kStatePrefix = "trainer.";

json report_to_json(const EpochReport& r) {
  return {{"epoch", r.epoch + 1},
          {"examples", r.examples},
          {"batches", r.batches},
          {"loss", r.loss},
          {"negative_cosine", r.negative_cosine},
          {"cluster_size", r.cluster_size},
          {"objective", r.objective},
          {"train_seconds", r.seconds},
          {"eval", r.eval}};
}

EpochReport report_from_json(const json& j) {
  EpochReport r;
  r.epoch = j.at("epoch").get<int64_t>() - 1;
  r.examples = j.at("examples").get<int64_t>();
  r.batches = j.at("batches").get<int64_t>();
  r.loss = j.at("loss").get<double>();
  r.negative_cosine = j.at("negative_cosine").get<double>();
  r.cluster_size = j.at("cluster_size").get<int64_t>();
  r.objective = j.at("objective").get<std::map<std::string, double>>();
  r.seconds = j.at("train_seconds").get<double>();
  r.eval = j.at("eval").get<std::map<std::string, double>>();
  return r;
}

}  // namespace

struct Trainer::State {
  Model& model;
  std::vector<WeightedSource> sources;
  TrainerOptions options;
  TrainingStep step;
  std::unique_ptr<Batcher> batcher;
  LrSchedule schedule;

  // Where the run stands (all of it goes into checkpoints).
  int64_t epoch = 0;
  int64_t next_batch = 0;  // within the epoch's plan
  int64_t steps = 0;
  std::vector<Slot> slots;                    // the current epoch's
  std::vector<std::vector<int64_t>> batches;  // the current epoch's plan
  bool have_plan = false;
  // The current epoch's running sums.
  double loss_sum = 0, negative_sum = 0, epoch_seconds = 0;
  int64_t epoch_examples = 0, epoch_batches = 0;
  TrainReport report;

  State(Model& m, std::vector<WeightedSource> s, TrainingTask task, TrainerOptions o)
      : model(m),
        sources(std::move(s)),
        options(std::move(o)),
        step(m, std::move(task), options.step) {}

  // The example of slot `index` in the current epoch (deterministic in seed, epoch, index).
  Random example_random(int64_t index) const {
    return Random::stream(options.seed, kExampleStream + static_cast<uint64_t>(epoch),
                          static_cast<uint64_t>(index));
  }

  // The anchors of slots by the anchor tower, cut to dim and unit length (NGAME's clustering).
  Tensor embed_anchors(const std::vector<Slot>& of, int64_t dim) const {
    const Encoder& tower = model.tower(step.task().anchor_tower);
    dim = dim > 0 ? std::min(dim, model.dim()) : model.dim();
    const auto n = static_cast<int64_t>(of.size());
    Tensor out = Tensor::empty({n, dim});
    constexpr int64_t kChunk = 4096;
    for (int64_t begin = 0; begin < n; begin += kChunk) {
      const int64_t end = std::min(n, begin + kChunk);
      std::vector<Features> features(static_cast<size_t>(end - begin));
      parallel_for(
          end - begin,
          [&](int64_t b, int64_t e, int) {
            for (int64_t i = b; i < e; ++i) {
              const Slot& slot = of[static_cast<size_t>(begin + i)];
              Random random = example_random(begin + i);
              features[static_cast<size_t>(i)] =
                  sources[static_cast<size_t>(slot.source)].source->draw_anchor(slot.item, random);
            }
          },
          16);
      EncoderInput input;
      for (const Features& f : features) input.bags.add(f.ids, f.weights);
      out.slice_rows(begin, end).copy_from(l2_normalized_prefix(tower.encode(input), dim));
    }
    return out;
  }

  void plan_epoch() {
    slots = draw_slots(sources, options.seed, epoch);
    TESSERA_CHECK(slots.size() >= 2, "epoch {} has {} training examples; need at least 2",
                  epoch + 1, slots.size());
    batches = batcher->plan(epoch, slots);
    next_batch = 0;
    loss_sum = negative_sum = epoch_seconds = 0;
    epoch_examples = epoch_batches = 0;
    have_plan = true;
  }

  std::vector<Example> draw_batch(const std::vector<int64_t>& batch) const {
    std::vector<Example> examples(batch.size());
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
    return examples;
  }

  json state_json() const {
    json epochs = json::array();
    for (const EpochReport& r : report.epochs) epochs.push_back(report_to_json(r));
    return {{"version", kCheckpointVersion},
            {"seed", options.seed},
            {"batch_size", options.batch_size},
            {"epochs", options.epochs},
            {"settings", options.settings_json},
            {"epoch", epoch},
            {"next_batch", next_batch},
            {"step", steps},
            {"optimizer_steps", step.steps_taken()},
            {"slots", slots_to_json(slots)},
            {"batches", batches},
            {"batcher", batcher->state()},
            {"running",
             {{"loss_sum", loss_sum},
              {"negative_sum", negative_sum},
              {"seconds", epoch_seconds},
              {"examples", epoch_examples},
              {"batches", epoch_batches}}},
            {"report",
             {{"epochs", epochs},
              {"steps", report.steps},
              {"examples", report.examples},
              {"train_seconds", report.train_seconds},
              {"prep_seconds", report.prep_seconds}}}};
  }

  void save_checkpoint() {
    ModelFileExtras extras;
    extras.metadata["trainer_state"] = state_json().dump();
    for (auto& [name, tensor] : step.state()) {
      extras.tensors.emplace(std::string(kStatePrefix) + name, *tensor);
    }
    fault_point("trainer:checkpoint");
    model.save(options.checkpoint_path, extras);
  }

  // A checkpoint continues only the run it was made by: every setting it recorded must be this
  // run's (a changed --lr or --epochs would otherwise be taken without a word).
  void check_settings(const json& state) const {
    const auto recorded = state.find("settings");
    if (recorded == state.end() || options.settings_json.empty()) return;
    const std::string& text = recorded->get_ref<const std::string&>();
    if (text.empty() || text == options.settings_json) return;
    const json before = json::parse(text), now = json::parse(options.settings_json);
    std::string changed;
    for (const auto& [key, value] : now.items()) {
      const auto old = before.find(key);
      if (old != before.end() && *old == value) continue;
      changed += fmt::format("{}{} {} (the checkpoint's: {})", changed.empty() ? "" : ", ", key,
                             value.dump(), old == before.end() ? "none" : old->dump());
    }
    for (const auto& [key, value] : before.items()) {
      if (!now.contains(key)) {
        changed += fmt::format("{}{} none (the checkpoint's: {})", changed.empty() ? "" : ", ", key,
                               value.dump());
      }
    }
    TESSERA_FAIL("the checkpoint was made with other settings: {}; resume with the same ones",
                 changed);
  }

  void restore(const json& state, SafetensorsContents& contents) {
    TESSERA_CHECK(state.at("version").get<int>() == kCheckpointVersion,
                  "checkpoint version {} is not {}", state.at("version").dump(),
                  kCheckpointVersion);
    TESSERA_CHECK(state.at("seed").get<uint64_t>() == options.seed &&
                      state.at("batch_size").get<int64_t>() == options.batch_size,
                  "the checkpoint was made with seed {} and batch size {}; this run has {} and {}",
                  state.at("seed").dump(), state.at("batch_size").dump(), options.seed,
                  options.batch_size);
    check_settings(state);
    // The weights, then everything else a step holds, each by name.
    auto copy = [&](const std::string& name, Tensor& into) {
      const auto found = contents.tensors.find(name);
      TESSERA_CHECK(found != contents.tensors.end(), "tensor '{}' is missing", name);
      TESSERA_CHECK(found->second.same_shape(into), "tensor '{}' has shape {}, this run's {}", name,
                    found->second.shape_string(), into.shape_string());
      into.copy_from(found->second);
    };
    for (Parameter* p : model.parameters()) copy(p->name, p->value);
    for (auto& [name, tensor] : step.state()) copy(std::string(kStatePrefix) + name, *tensor);
    step.restore_steps(state.at("optimizer_steps").get<int64_t>());
    // Where the run stands.
    epoch = state.at("epoch").get<int64_t>();
    next_batch = state.at("next_batch").get<int64_t>();
    steps = state.at("step").get<int64_t>();
    slots = slots_from_json(state.at("slots"));
    batches = state.at("batches").get<std::vector<std::vector<int64_t>>>();
    batcher->restore(state.at("batcher"));
    const json& running = state.at("running");
    loss_sum = running.at("loss_sum").get<double>();
    negative_sum = running.at("negative_sum").get<double>();
    epoch_seconds = running.at("seconds").get<double>();
    epoch_examples = running.at("examples").get<int64_t>();
    epoch_batches = running.at("batches").get<int64_t>();
    const json& r = state.at("report");
    report = {};
    for (const json& e : r.at("epochs")) report.epochs.push_back(report_from_json(e));
    report.steps = r.at("steps").get<int64_t>();
    report.examples = r.at("examples").get<int64_t>();
    report.train_seconds = r.at("train_seconds").get<double>();
    report.prep_seconds = r.at("prep_seconds").get<double>();
    report.resumed_from_step = steps;
    for (const Slot& slot : slots) {
      TESSERA_CHECK(slot.source >= 0 && static_cast<size_t>(slot.source) < sources.size() &&
                        slot.item >= 0 &&
                        slot.item < sources[static_cast<size_t>(slot.source)].source->size(),
                    "the checkpoint's plan names training examples this run does not have");
    }
    for (const auto& batch : batches) {
      for (int64_t i : batch) {
        TESSERA_CHECK(i >= 0 && static_cast<size_t>(i) < slots.size(),
                      "the checkpoint's plan is inconsistent");
      }
    }
    TESSERA_CHECK(epoch >= 0 && epoch < options.epochs && steps >= 0 && next_batch >= 0 &&
                      next_batch <= static_cast<int64_t>(batches.size()),
                  "the checkpoint stands at epoch {}, batch {} of {}, step {}: not a place this "
                  "run of {} epochs has",
                  epoch + 1, next_batch, batches.size(), steps, options.epochs);
    have_plan = true;
  }

  EpochReport finish_epoch() const {
    EpochReport r;
    r.epoch = epoch;
    r.examples = epoch_examples;
    r.batches = epoch_batches;
    const auto n = static_cast<double>(std::max<int64_t>(1, epoch_batches));
    r.loss = epoch_batches > 0 ? loss_sum / n : 0.0;
    r.negative_cosine = epoch_batches > 0 ? negative_sum / n : 0.0;
    r.cluster_size = batcher->cluster_size(epoch);
    r.objective = step.task().objective->report();
    r.seconds = epoch_seconds;
    return r;
  }
};

Trainer::Trainer(Model& model, std::vector<WeightedSource> sources, TrainingTask task,
                 TrainerOptions options)
    : state_(
          std::make_unique<State>(model, std::move(sources), std::move(task), std::move(options))) {
  State& s = *state_;
  const TrainerOptions& o = s.options;
  TESSERA_CHECK(!s.sources.empty(), "no training data: no example source was given");
  for (const WeightedSource& ws : s.sources) {
    TESSERA_CHECK(ws.source != nullptr, "null training source");
  }
  TESSERA_CHECK(o.epochs >= 1, "epochs must be >= 1, got {}", o.epochs);
  TESSERA_CHECK(o.batch_size >= 2, "batch size must be >= 2, got {}", o.batch_size);
  TESSERA_CHECK(o.warmup_fraction >= 0 && o.warmup_fraction < 1,
                "warmup fraction must be in [0, 1), got {}", o.warmup_fraction);
  s.batcher = make_batcher(
      s.sources, o.batch_size, o.seed, o.ngame,
      [&s](const std::vector<Slot>& slots, int64_t dim) { return s.embed_anchors(slots, dim); });

  // The schedule's length: the epochs' examples over the batch size (duplicates may add a batch).
  const auto examples = static_cast<int64_t>(draw_slots(s.sources, o.seed, 0).size());
  const int64_t total = o.epochs * ((examples + o.batch_size - 1) / o.batch_size);
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
  const SafetensorsHeader header = read_safetensors_header(path);
  const auto it = header.metadata.find("trainer_state");
  TESSERA_CHECK(it != header.metadata.end(), "{}: not a training checkpoint (no trainer_state)",
                path);
  // Checkpoints of the current model format carry a checksum, which read_safetensors verifies.
  const auto version = header.metadata.find("format_version");
  TESSERA_CHECK(version == header.metadata.end() || version->second != "3" ||
                    header.metadata.count(kSafetensorsChecksumKey),
                "{}: a checkpoint of model format 3 without its checksum: corrupted", path);
  json state;
  try {
    state = json::parse(it->second);
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: trainer_state is not valid JSON: {}", path, e.what());
  }
  try {
    SafetensorsContents contents = read_safetensors(path, header);
    state_->restore(state, contents);
  } catch (const json::exception& e) {
    TESSERA_FAIL("{}: trainer_state is malformed: {}", path, e.what());
  } catch (const Error& e) {
    TESSERA_FAIL("{}: cannot resume: {}", path, e.what());
  }
}

TrainReport Trainer::run() {
  State& s = *state_;
  const TrainerOptions& o = s.options;
  s.report.stopped = false;
  std::ofstream log;
  if (!o.metrics_log.empty()) {
    // A resumed run, or one going on after a stop, adds to its log.
    log.open(o.metrics_log, s.steps > 0 ? std::ios::app : std::ios::trunc);
    TESSERA_CHECK(log.good(), "cannot write the metrics log {}", o.metrics_log);
  }
  const Stopwatch run_watch;
  Stopwatch since_checkpoint;
  const double run_seconds_before = s.report.train_seconds;
  const int64_t run_examples_before = s.report.examples;
  for (; s.epoch < o.epochs; ++s.epoch) {
    if (!s.have_plan) {
      const Stopwatch planning;
      s.plan_epoch();
      s.report.prep_seconds += planning.seconds();
    }
    const auto batches = static_cast<int64_t>(s.batches.size());
    for (; s.next_batch < batches; ++s.next_batch) {
      const Stopwatch drawing;
      const auto& batch = s.batches[static_cast<size_t>(s.next_batch)];
      const std::vector<Example> examples = s.draw_batch(batch);
      const float lr = s.schedule.at(s.steps);
      Random random = Random::stream(o.seed, kStepStream, static_cast<uint64_t>(s.steps));
      s.report.prep_seconds += drawing.seconds();
      const Stopwatch training;
      const StepResult result = s.step.run(examples, lr, random);
      const double step_seconds = training.seconds();
      TESSERA_CHECK(std::isfinite(result.loss),
                    "the loss became {} at step {}: lower the learning rate", result.loss,
                    s.steps + 1);
      ++s.steps;
      s.loss_sum += result.loss;
      s.negative_sum += result.negative_cosine;
      s.epoch_seconds += step_seconds;
      s.epoch_examples += static_cast<int64_t>(batch.size());
      ++s.epoch_batches;
      s.report.steps = s.steps;
      s.report.examples += static_cast<int64_t>(batch.size());
      s.report.train_seconds += step_seconds;
      if (progress_) {
        StepProgress p;
        p.epoch = s.epoch + 1;
        p.epochs = o.epochs;
        p.batch = s.next_batch + 1;
        p.batches = batches;
        p.step = s.steps;
        p.total_steps = std::max(s.schedule.total_steps, s.steps);
        p.examples = s.report.examples - run_examples_before;
        p.seconds = s.report.train_seconds - run_seconds_before;
        p.loss = result.loss;
        p.lr = lr;
        progress_(p);
      }
      if (!o.checkpoint_path.empty() && since_checkpoint.seconds() >= o.checkpoint_minutes * 60.0) {
        ++s.next_batch;  // the checkpoint resumes after this batch
        try {
          s.save_checkpoint();
        } catch (const Error& e) {
          if (warning_)
            warning_(fmt::format("no checkpoint written ({}); training goes on", e.what()));
        }
        --s.next_batch;
        since_checkpoint.restart();
      }
      const bool last_step = s.next_batch + 1 == batches && s.epoch + 1 == o.epochs;
      if (stop_ && !last_step && stop_()) {
        ++s.next_batch;  // a later run() goes on after this step
        s.report.stopped = true;
        return s.report;
      }
    }
    EpochReport epoch = s.finish_epoch();
    if (evaluate_) epoch.eval = evaluate_(s.model);
    s.report.epochs.push_back(epoch);
    if (log.is_open()) {
      json line = report_to_json(epoch);
      line["step"] = s.steps;
      line["lr"] = s.schedule.at(s.steps > 0 ? s.steps - 1 : 0);
      line["elapsed_seconds"] = run_watch.seconds();
      log << line.dump() << '\n' << std::flush;
      // A lost line fails the run (the checkpoint stays, to resume with another log).
      TESSERA_CHECK(log.good(), "writing the metrics log {} failed: {}", o.metrics_log,
                    std::strerror(errno));
    }
    s.have_plan = false;
  }
  return s.report;
}

}  // namespace tessera
