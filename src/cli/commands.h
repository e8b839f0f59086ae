// Each verb of the `tessera` command line registers itself on the top-level app; its callback
// does the work. Verbs throw tessera::Error for runtime failures (exit code 1); CLI11 parse
// errors are usage errors (exit code 2).
#pragma once

#include <CLI/CLI.hpp>

namespace tessera::cli {

void add_doctor_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_collection_command(CLI::App& app);  // collection create|add|delete|get|search|info
void add_embed_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_export_command(CLI::App& app);  // word vectors out
void add_import_command(CLI::App& app);  // word vectors in
void add_index_command(CLI::App& app);   // index and search
void add_predict_command(CLI::App& app);
void add_quantize_command(CLI::App& app);
void add_quickstart_command(CLI::App& app);
void add_serve_command(CLI::App& app);  // serve/
void add_test_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_vocab_command(CLI::App& app);
void add_words_command(CLI::App& app);  // words neighbors

}  // namespace tessera::cli
