// `tessera embed`: embed every text of an input with a model and write the vectors (.npy,
// .fvecs / .bvecs or JSONL), optionally quantized to int8 or binary codes.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "input_options.h"
#include "progress.h"
#include "tessera/core/check.h"
#include "tessera/core/embedding_writer.h"
#include "tessera/core/parallel.h"
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

}  // namespace

void add_embed_command(CLI::App& app) {
  struct Args {
    std::string model;
    InputFlags input;
    int64_t dim = 0;
    std::string tower = "query";
    std::string quantize = "none";
    std::string out;
    std::string out_format = "auto";
    int threads = 0;
    int64_t batch_size = 8192;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "embed", "Embed every text of an input with a model and write the vectors (streaming)");
  cmd->add_option("--model", args->model, "Model file (.safetensors, from tessera train)")
      ->required();
  add_input_options(*cmd, args->input);
  cmd->add_option("--dim", args->dim,
                  "Keep the first k dims (a Matryoshka prefix), normalized as the model says "
                  "(0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--tower", args->tower, "Tower of a two-tower model that embeds the texts")
      ->check(CLI::IsMember({"query", "document"}))
      ->capture_default_str();
  cmd->add_option("--quantize", args->quantize,
                  "none: float32; binary: sign bits packed 8 per byte (MSB first); int8: "
                  "per-dim symmetric codes, scales calibrated on the first 65536 rows and "
                  "written to <out without extension>.scale.npy")
      ->check(CLI::IsMember({"none", "int8", "binary"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Vector file to write (.npy, .fvecs, .bvecs or .jsonl)")
      ->required();
  cmd->add_option("--out-format", args->out_format, "Output format (auto: from the --out name)")
      ->check(CLI::IsMember({"auto", "npy", "jsonl", "fvecs", "bvecs"}))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch-size", args->batch_size, "Texts embedded together")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "No progress line");
  cmd->callback([args] {
    if (args->threads > 0) set_num_threads(args->threads);
    const Model model = Model::load(args->model);
    const int64_t dim = args->dim == 0 ? model.dim() : args->dim;
    TESSERA_CHECK(dim <= model.dim(), "--dim {} is larger than the {} dims of the model {}", dim,
                  model.dim(), args->model);
    const Tower tower = args->tower == "document" ? Tower::kDocument : Tower::kQuery;
    EmbeddingWriterOptions options;
    options.format = args->out_format == "auto" ? vector_format_from_path(args->out)
                                                : parse_vector_format(args->out_format);
    options.quantization = parse_quantization(args->quantize);
    TextInput input(args->input.resolve());

    const auto start = std::chrono::steady_clock::now();
    EmbeddingWriter writer(args->out, dim, options);
    Progress progress("embed", args->quiet ? 0 : -1);
    int64_t input_bytes = 0;
    for_each_batch(
        input, static_cast<size_t>(args->batch_size),
        [&](const std::vector<std::string>& batch, const std::string& source, int64_t first) {
          writer.append(model.embed(batch, dim, tower, TextOrigin{source, first}));
          for (const std::string& text : batch) {
            input_bytes += static_cast<int64_t>(text.size());
          }
          progress.update(writer.rows(), input_bytes);
        });
    writer.finish();
    progress.finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool prefix =
        std::find(model.prefixes().begin(), model.prefixes().end(), dim) != model.prefixes().end();
    fmt::print(stderr,
               "embed: {} rows x {} dims ({}) written to {}{}: {} bytes, {:.2f} s, {:.0f} "
               "sentences/s{}\n",
               writer.rows(), dim, describe_codes(writer), writer.path(),
               writer.scale_path().empty() ? "" : fmt::format(" (scales: {})", writer.scale_path()),
               writer.bytes(), seconds,
               seconds > 0 ? static_cast<double>(writer.rows()) / seconds : 0.0,
               prefix ? ""
                      : fmt::format(" (note: {} is not a trained Matryoshka prefix: {})", dim,
                                    fmt::join(model.prefixes(), ",")));
  });
}

}  // namespace tessera::cli
