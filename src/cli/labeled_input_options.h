// The options that name a classification verb's labeled input: --input FILE [--format F]
// [--label-field F] [--field F] [--label-prefix P] [--arff-labels XML] (labeled_input.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "options.h"
#include "tessera/data/labeled_input.h"

namespace tessera::cli {

inline void add_labeled_input_options(CLI::App& cmd, LabeledInputOptions& input,
                                      const std::string& group) {
  add_enum_option(cmd, "--format", input.format, "Input format (auto: from the file name)")
      ->group(group);
  cmd.add_option("--label-prefix", input.label_prefix,
                 "fastText format: the prefix that marks a label")
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--label-field", input.label_field,
                 "JSONL field of the label or label list (default label), or TSV/CSV column "
                 "(header name or 0-based index; default 0)")
      ->group(group);
  cmd.add_option("--field", input.field,
                 "JSONL text field (nested a.b, joined title+text; default text) or TSV/CSV "
                 "text columns (\"1,2\" joined; default 1)")
      ->group(group);
  cmd.add_option("--arff-labels", input.arff_labels,
                 "ARFF input (Mulan): the XML file naming its label attributes")
      ->group(group);
}

}  // namespace tessera::cli
