// tessera: learn, compress, index, serve and evaluate embeddings. `tessera <verb> --help`.
#include <malloc.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "commands.h"
#include "options.h"
#include "tessera/core/check.h"
#include "tessera/core/interrupt_cleanup.h"
#include "tessera/version.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsageError = 2;

// Keep freed memory in the process: a training step allocates and frees tens of MB, and glibc
// would otherwise return it to the kernel (mmap/munmap, trimming) and page-fault it back every
// step. Same settings as the PyTorch peer's tuning (bench/torch_static_mnrl.py).
void keep_freed_memory() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

int run(int argc, char** argv) {
  CLI::App app{"tessera " TESSERA_VERSION
               ": learn, compress, index, serve and evaluate embeddings on CPUs"};
  app.set_version_flag("--version", "tessera " TESSERA_VERSION);
  app.require_subcommand(1);
  tessera::cli::add_doctor_command(app);
  tessera::cli::add_bench_command(app);
  tessera::cli::add_collection_command(app);
  tessera::cli::add_embed_command(app);
  tessera::cli::add_eval_command(app);
  tessera::cli::add_export_command(app);
  tessera::cli::add_import_command(app);
  tessera::cli::add_index_command(app);
  tessera::cli::add_predict_command(app);
  tessera::cli::add_quantize_command(app);
  tessera::cli::add_quickstart_command(app);
  tessera::cli::add_serve_command(app);
  tessera::cli::add_test_command(app);
  tessera::cli::add_tokenize_command(app);
  tessera::cli::add_train_command(app);
  tessera::cli::add_vocab_command(app);
  tessera::cli::add_words_command(app);
  tessera::cli::require_finite_numbers(app);
  try {
    app.parse(argc, argv);
    // Output lost to a full disk or a closed pipe is a failure, not a success.
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
      std::fprintf(stderr, "tessera: error: writing standard output failed: %s\n",
                   std::strerror(errno));
      return kExitRuntimeError;
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tessera: usage error: %s (see tessera --help)\n", e.what());
    return kExitUsageError;
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "tessera: error: %s\n", e.what());
    return kExitRuntimeError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: error: %s\n", e.what());
    return kExitRuntimeError;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();
  tessera::install_interrupt_cleanup();
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // from setting up the command line itself
    std::fprintf(stderr, "tessera: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "tessera: internal error\n");
  }
  return kExitRuntimeError;
}
