// The options that name a verb's text input: --input FILE [--format F] [--field F].
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "options.h"
#include "tessera/data/text_input.h"
#include "tessera/text/tokenizer.h"

namespace tessera::cli {

inline void add_input_options(CLI::App& cmd, TextInputOptions& input) {
  cmd.add_option("--input", input.path,
                 "Input file (.jsonl, .tsv, .csv or plain text, optionally .gz; - for stdin)")
      ->required();
  add_enum_option(cmd, "--format", input.format, "Input format (auto: from the file name)");
  cmd.add_option("--field", input.field,
                 "JSONL field (nested a.b, joined title+text; default text) or TSV/CSV column "
                 "(header name, or 0-based index; default 0)");
}

// --on-invalid-utf8 for a verb without tokenizer options (embed): repair or refuse invalid UTF-8
// as the input is read, in any format.
inline void add_invalid_utf8_option(CLI::App& cmd, TextInputOptions& input) {
  add_enum_option(cmd, "--on-invalid-utf8", input.on_invalid_utf8, kInvalidUtf8Help);
}

// `input` read with the tokenizer's --on-invalid-utf8, so that one option repairs the JSON, CSV
// or plain text lines and the texts in them alike.
inline TextInputOptions with_utf8_policy(TextInputOptions input, const TokenizerOptions& t) {
  input.on_invalid_utf8 = t.normalize.on_invalid_utf8;
  return input;
}

// Reads every text of `input` in batches of at most batch_size consecutive lines and calls
// fn(texts, source_name, first_line) for each: consecutive, so that a library error inside a
// batch names the right line.
template <typename Fn>
void for_each_batch(TextInput& input, size_t batch_size, Fn&& fn) {
  std::vector<std::string> batch;
  int64_t first = 0, last = 0, line = 0;
  std::string text;
  while (input.next(text, line)) {
    if (!batch.empty() && (line != last + 1 || batch.size() >= batch_size)) {
      fn(batch, input.source_name(), first);
      batch.clear();
    }
    if (batch.empty()) first = line;
    last = line;
    batch.push_back(std::move(text));
  }
  if (!batch.empty()) fn(batch, input.source_name(), first);
}

}  // namespace tessera::cli
