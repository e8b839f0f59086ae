// `tessera embed`: embed every text of an input with a model and write the vectors (.npy,
// .fvecs / .bvecs or JSONL), optionally quantized to int8 or binary codes; with a classifier and
// --explicit, each text's label probabilities as a sparse vector (JSON lines).
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "classify_input.h"
#include "commands.h"
#include "input_options.h"
#include "options.h"
#include "progress.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/embedding_writer.h"
#include "tessera/core/stopwatch.h"
#include "tessera/index/classifier.h"
#include "tessera/model/model.h"

namespace tessera::cli {

namespace {

// What one row of the output holds, for the summary line.
std::string describe_codes(const EmbeddingWriter& writer) {
  switch (writer.dtype()) {
    case VectorDtype::kFloat32:
      return "float32";
    case VectorDtype::kInt8:
      return "int8";
    case VectorDtype::kUint8:
      return fmt::format("binary, {} bytes per row", writer.code_cols());
  }
  return "?";
}

// --explicit: a classifier's label probabilities as sparse vectors, one JSON line per text:
// {"line", "indices": label ids, "labels": their names, "values": probabilities}, best first.
void write_explicit(const std::string& model, const std::string& label_text,
                    const TextInputOptions& options, int64_t dim, int64_t top,
                    const std::string& out_path, size_t batch_size, bool quiet) {
  if (out_path != kStandardOutput && vector_format_from_path(out_path) != VectorFormat::kJsonl) {
    throw CLI::ValidationError("--out",
                               "--explicit writes JSON lines: a .jsonl file or -, not " + out_path);
  }
  ClassifierArgs classifier_args;
  classifier_args.model = model;
  classifier_args.dim = dim;
  classifier_args.label_text = label_text;
  const Classifier classifier = load_classifier(classifier_args);
  TextInput input(options);
  const Stopwatch watch;
  AtomicFile out(out_path);
  Progress progress("embed", quiet ? 0 : -1);
  int64_t rows = 0, bytes = 0;
  for_each_batch(
      input, batch_size,
      [&](const std::vector<std::string>& batch, const std::string& source, int64_t first) {
        const auto predictions = classifier.predict(batch, top, 0.0f, TextOrigin{source, first});
        for (size_t i = 0; i < batch.size(); ++i) {
          nlohmann::ordered_json line = {{"line", first + static_cast<int64_t>(i)},
                                         {"indices", nlohmann::json::array()},
                                         {"labels", nlohmann::json::array()},
                                         {"values", nlohmann::json::array()}};
          for (const LabelScore& p : predictions[i]) {
            line["indices"].push_back(p.label);
            line["labels"].push_back(classifier.labels()[static_cast<size_t>(p.label)]);
            line["values"].push_back(p.probability);
          }
          out.write(line.dump() + "\n");
          bytes += static_cast<int64_t>(batch[i].size());
        }
        rows += static_cast<int64_t>(batch.size());
        progress.update(rows, bytes);
      });
  out.commit();
  progress.finish();
  fmt::print(stderr, "embed: {} texts as their top {} of {} labels written to {}: {:.2f} s\n", rows,
             top, classifier.labels().size(),
             out.is_standard_output() ? "standard output" : out_path, watch.seconds());
}

}  // namespace

void add_embed_command(CLI::App& app) {
  struct Args {
    std::string model;
    TextInputOptions input;
    int64_t dim = 0;
    std::string tower = std::string(kQueryTower);
    Quantization quantize = Quantization::kNone;
    std::string out;
    VectorFormat out_format = VectorFormat::kNpy;
    int threads = 0;
    int64_t batch_size = 8192;
    bool quiet = false;
    bool explicit_labels = false;
    int64_t top = 20;
    std::string label_text;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "embed", "Embed every text of an input with a model and write the vectors (streaming)");
  cmd->add_option("--model", args->model, "Model file (.safetensors, from tessera train)")
      ->required();
  add_input_options(*cmd, args->input);
  add_invalid_utf8_option(*cmd, args->input);
  cmd->add_option("--dim", args->dim,
                  "Keep the first k dims (a Matryoshka prefix), normalized as the model says "
                  "(0: all)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--tower", args->tower,
                  "Tower of the model that embeds the texts (query or document for retrieval)")
      ->capture_default_str();
  add_enum_option(*cmd, "--quantize", args->quantize,
                  "none: float32; binary: sign bits packed 8 per byte (MSB first); int8: "
                  "per-dim symmetric codes, scales calibrated on the first 65536 rows and "
                  "written to <out without extension>.scale.npy");
  cmd->add_option("--out", args->out,
                  "Vector file to write (.npy, .fvecs, .bvecs or .jsonl); - for standard output "
                  "(JSON lines unless --out-format)")
      ->required();
  CLI::Option* out_format = add_enum_option(*cmd, "--out-format", args->out_format,
                                            "Output format (default: from the --out name)")
                                ->default_str("");
  add_threads_option(*cmd, args->threads);
  cmd->add_option("--batch-size", args->batch_size, "Texts embedded together")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "No progress line");
  cmd->add_flag("--explicit", args->explicit_labels,
                "With a classifier: each text's vector of label probabilities (explicit "
                "dimensions, as SESA), sparse: its --top labels, as JSON lines");
  cmd->add_option("--top", args->top, "--explicit: labels kept per text")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--label-text", args->label_text,
                  "--explicit: label<TAB>description lines that replace the labels of a model "
                  "trained with --label-text (dimensions it was never trained on)");
  cmd->callback([cmd, args, out_format] {
    use_threads(args->threads);
    if (args->explicit_labels) {
      for (const char* name : {"--quantize", "--tower", "--out-format"}) {
        if (cmd->get_option(name)->count() > 0) {
          throw CLI::ValidationError(name, "does not apply to --explicit (label probabilities)");
        }
      }
      write_explicit(args->model, args->label_text, args->input, args->dim, args->top, args->out,
                     static_cast<size_t>(args->batch_size), args->quiet);
      return;
    }
    for (const char* name : {"--top", "--label-text"}) {
      if (cmd->get_option(name)->count() > 0) {
        throw CLI::ValidationError(name, "is an option of --explicit");
      }
    }
    const Model model = Model::load(args->model);
    const int64_t dim = args->dim == 0 ? model.dim() : args->dim;
    TESSERA_CHECK(dim <= model.dim(), "--dim {} is larger than the {} dims of the model {}", dim,
                  model.dim(), args->model);
    model.tower(args->tower);  // an Error listing the towers when the model has no such one
    EmbeddingWriterOptions options;
    const bool to_stdout = args->out == kStandardOutput;
    options.format = out_format->count() > 0 ? args->out_format
                     : to_stdout             ? VectorFormat::kJsonl
                                             : vector_format_from_path(args->out);
    options.quantization = args->quantize;
    TextInput input(args->input);

    const Stopwatch watch;
    EmbeddingWriter writer(args->out, dim, options);
    Progress progress("embed", args->quiet ? 0 : -1);
    int64_t input_bytes = 0;
    for_each_batch(
        input, static_cast<size_t>(args->batch_size),
        [&](const std::vector<std::string>& batch, const std::string& source, int64_t first) {
          writer.append(model.embed(batch, dim, args->tower, TextOrigin{source, first}));
          for (const std::string& text : batch) {
            input_bytes += static_cast<int64_t>(text.size());
          }
          progress.update(writer.rows(), input_bytes);
        });
    writer.finish();
    progress.finish();
    const double seconds = watch.seconds();
    const bool prefix =
        std::find(model.prefixes().begin(), model.prefixes().end(), dim) != model.prefixes().end();
    fmt::print(
        stderr,
        "embed: {} rows x {} dims ({}) written to {}{}: {} bytes, {:.2f} s, {:.0f} "
        "sentences/s{}\n",
        writer.rows(), dim, describe_codes(writer), to_stdout ? "standard output" : writer.path(),
        writer.scale_path().empty() ? "" : fmt::format(" (scales: {})", writer.scale_path()),
        writer.bytes(), seconds, seconds > 0 ? static_cast<double>(writer.rows()) / seconds : 0.0,
        prefix ? ""
               : fmt::format(" (note: {} is not a trained Matryoshka prefix: {})", dim,
                             fmt::join(model.prefixes(), ",")));
  });
}

}  // namespace tessera::cli
