// What `predict` and `test` share: the options that load a classifier (--model, --index, --dim,
// --label-text)
// and the texts of a labeled input predicted in batches.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "labeled_input_options.h"
#include "options.h"
#include "tessera/data/xc_reader.h"
#include "tessera/index/classifier.h"

namespace tessera::cli {

struct ClassifierArgs {
  std::string model;
  std::string index;  // empty: flat, or hnsw above kHnswLabels labels
  int64_t dim = 0;
  LabeledInputOptions input;
  std::string label_text;  // label<TAB>description: replaces the labels of a model of texts
  std::optional<float> word_match;  // replaces the model's
  int threads = 0;
};

inline CLI::Option* add_classifier_options(CLI::App& cmd, ClassifierArgs& a) {
  CLI::Option* model =
      cmd.add_option("--model", a.model, "Classifier model (from tessera train --task classify)");
  cmd.add_option("--input", a.input.path,
                 "Texts: fastText's format (labels, if any, first), or JSONL / TSV / CSV")
      ->required();
  add_labeled_input_options(cmd, a.input, "Input");
  add_enum_option(cmd, "--on-invalid-utf8", a.input.on_invalid_utf8, kInvalidUtf8Help);
  cmd.add_option("--index", a.index,
                 "Index spec of the labels (default flat, or hnsw above 100000 labels)")
      ->check(index_spec_check());
  cmd.add_option("--dim", a.dim, "Score at this Matryoshka prefix (0: the full dim)")
      ->check(non_negative());
  cmd.add_option("--label-text", a.label_text,
                 "label<TAB>description lines that replace the model's labels (a model trained "
                 "with --label-text: labels never trained on are predicted from their text)");
  cmd.add_option("--word-match", a.word_match,
                 "Weight of the words a text shares with a label's description, for a model "
                 "trained with --label-text (default: the model's; 0: none)")
      ->check(CLI::NonNegativeNumber);
  add_threads_option(cmd, a.threads);
  return model;
}

// The classifier of --model with --index, --dim, --label-text and --word-match.
Classifier load_classifier(const ClassifierArgs& a);

// The points of an XC-format input (--format xc), checked against the classifier's labels.
XcData read_xc_input(const LabeledInputOptions& input, const Classifier& classifier);

// Every point of an XC input predicted (k labels at most, threshold), in batches.
std::vector<std::vector<LabelScore>> predict_xc(const Classifier& classifier, const XcData& data,
                                                int64_t k, float threshold);

// Every text of items predicted (k labels at most, threshold), in batches.
std::vector<std::vector<LabelScore>> predict_all(const Classifier& classifier,
                                                 const std::vector<LabeledText>& items,
                                                 const std::string& source, int64_t k,
                                                 float threshold);

}  // namespace tessera::cli
