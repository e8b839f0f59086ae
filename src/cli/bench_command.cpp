// `tessera bench <what>`: performance measurements to run beside a peer (../shared/bench).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.h"
#include "options.h"
#include "tessera/train/step_benchmark.h"

namespace tessera::cli {

void add_bench_featurize(CLI::App& bench);  // bench_featurize.cpp
void add_bench_search(CLI::App& bench);     // bench_search.cpp

namespace {

void add_train_step(CLI::App& bench) {
  struct Args {
    StepBenchmarkOptions options;
    int threads = 2;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = bench.add_subcommand(
      "train-step",
      "Time the trainer's step on a bag-of-tokens model: in-batch InfoNCE over Matryoshka "
      "prefixes, sparse Adam; peer: torch_static_mnrl.py --time-steps");
  StepBenchmarkOptions& o = args->options;
  cmd->add_option("--vocab", o.vocab, "Rows of the embedding table")->capture_default_str();
  cmd->add_option("--dim", o.dim, "Embedding dimension")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Pairs per step")->capture_default_str();
  cmd->add_option("--bag-len", o.bag_len, "Token ids per bag")->capture_default_str();
  cmd->add_option("--mrl", o.mrl_dims, "Matryoshka prefixes, ascending")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--steps", o.steps, "Timed steps")->capture_default_str();
  cmd->add_option("--warmup", o.warmup_steps, "Untimed steps first")->capture_default_str();
  cmd->add_option("--lr", o.lr, "Learning rate")->capture_default_str();
  add_enum_option(*cmd, "--optimizer", o.optimizer, "Sparse optimizer");
  add_threads_option(*cmd, args->threads);
  cmd->add_option("--seed", o.seed, "Random seed")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  cmd->callback([args] {
    const StepBenchmarkOptions& opts = args->options;
    use_threads(args->threads);
    const StepBenchmarkResult r = run_step_benchmark(opts);
    if (args->json) {
      fmt::print(
          "{{\"vocab\": {}, \"dim\": {}, \"batch\": {}, \"bag_len\": {}, \"mrl\": [{}], "
          "\"optimizer\": \"{}\", \"threads\": {}, \"steps\": {}, \"ms_per_step_mean\": {:.3f}, "
          "\"ms_per_step_median\": {:.3f}, \"ms_per_step_min\": {:.3f}, \"forward_ms\": {:.3f}, "
          "\"backward_ms\": {:.3f}, \"optimizer_ms\": {:.3f}, \"pairs_per_s\": {:.0f}, "
          "\"rows_touched_per_step\": {:.0f}, \"first_loss\": {:.5f}, \"last_loss\": {:.5f}}}\n",
          opts.vocab, opts.dim, opts.batch, opts.bag_len, fmt::join(opts.mrl_dims, ", "),
          name_of(opts.optimizer), r.threads, r.steps, r.ms_mean, r.ms_median, r.ms_min,
          r.forward_ms, r.backward_ms, r.optimizer_ms, r.pairs_per_s, r.rows_touched_per_step,
          r.first_loss, r.last_loss);
      return;
    }
    fmt::print("train-step V={} dim={} B={} L={} mrl={} opt={} threads={}\n", opts.vocab, opts.dim,
               opts.batch, opts.bag_len, fmt::join(opts.mrl_dims, ","), name_of(opts.optimizer),
               r.threads);
    fmt::print(
        "{} steps: {:.2f} ms/step mean, {:.2f} median, {:.2f} min; {:.0f} pairs/s\n"
        "  forward {:.2f} ms, backward {:.2f} ms, optimizer {:.2f} ms; {:.0f} rows updated/step; "
        "loss {:.4f} -> {:.4f}\n",
        r.steps, r.ms_mean, r.ms_median, r.ms_min, r.pairs_per_s, r.forward_ms, r.backward_ms,
        r.optimizer_ms, r.rows_touched_per_step, r.first_loss, r.last_loss);
  });
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Performance benchmarks (compare with a peer)");
  bench->require_subcommand(1);
  add_train_step(*bench);
  add_bench_featurize(*bench);
  add_bench_search(*bench);
}

}  // namespace tessera::cli
