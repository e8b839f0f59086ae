// The options that name a verb's text input: --input FILE [--format F] [--field F].
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "tessera/data/text_input.h"

namespace tessera::cli {

struct InputFlags {
  std::string path;
  std::string format = "auto";
  std::string field;

  TextInputOptions resolve() const {
    return TextInputOptions{path, parse_text_format(format), field};
  }
};

inline void add_input_options(CLI::App& cmd, InputFlags& flags) {
  cmd.add_option("--input", flags.path,
                 "Input file (.jsonl, .tsv, .csv or plain text, optionally .gz; - for stdin)")
      ->required();
  cmd.add_option("--format", flags.format, "Input format (auto: from the file name)")
      ->check(CLI::IsMember({"auto", "jsonl", "tsv", "csv", "text"}))
      ->capture_default_str();
  cmd.add_option("--field", flags.field,
                 "JSONL field (nested a.b, joined title+text; default text) or TSV/CSV column "
                 "(header name, or 0-based index; default 0)");
}

}  // namespace tessera::cli
