// LabeledInput: the labeled texts of any input a classification verb accepts (`--input FILE`
// with `--label-field`, `--field`, `--label-prefix`), whatever its format, read whole.
//
// The format is given, or guessed from the name (after any .gz): .jsonl / .json -> JSONL,
// the label field (default "label") a string or an array of strings, the text a field spec
// (jsonl_reader.h; default "text"); .tsv / .csv -> one label column (default 0) and text columns
// (default 1; several, "1,2", are joined with a space), by 0-based index or by header name;
// anything else -> fastText's format (labeled_text_reader.h) with `label_prefix`. The XC
// repository's sparse format (xc_reader.h) holds feature ids, not texts: it is only ever given
// (kXc), and read by read_xc. Mulan's ARFF (.arff, arff_reader.h) needs its label XML
// (`arff_labels`); its rows may have no label.
#pragma once

#include <string>
#include <vector>

#include "tessera/core/enum_names.h"
#include "tessera/core/utf8.h"
#include "tessera/data/labeled_text_reader.h"
#include "tessera/data/text_input.h"

namespace tessera {

enum class LabeledFormat { kAuto, kFastText, kJsonl, kTsv, kCsv, kXc, kArff };
inline constexpr EnumName<LabeledFormat> kLabeledFormatNames[] = {
    {LabeledFormat::kAuto, "auto"},   {LabeledFormat::kFastText, "fasttext"},
    {LabeledFormat::kJsonl, "jsonl"}, {LabeledFormat::kTsv, "tsv"},
    {LabeledFormat::kCsv, "csv"},     {LabeledFormat::kXc, "xc"},
    {LabeledFormat::kArff, "arff"}};
template <>
inline constexpr EnumNames<LabeledFormat> enum_names<LabeledFormat> = kLabeledFormatNames;

struct LabeledInputOptions {
  std::string path;
  LabeledFormat format = LabeledFormat::kAuto;
  std::string label_prefix = "__label__";  // fastText's format
  std::string label_field;                 // JSONL field, TSV/CSV column; empty: the default
  std::string field;                       // text field spec or columns; empty: the default
  std::string arff_labels;                 // ARFF: the Mulan XML naming the label attributes
  // Texts to predict: a line without labels is a text (fastText format), a missing label field
  // or column gives none.
  bool labels_optional = false;
  InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError;
};

// Every labeled text of the file in order, each with its line; errors name file and line.
std::vector<LabeledText> read_labeled_texts(const LabeledInputOptions& options);
// The same from an open source read as `format` (kAuto: fastText's); options.path and
// on_invalid_utf8 are not used. For tests and fuzzers.
std::vector<LabeledText> read_labeled_texts(LineSource source, LabeledFormat format,
                                            const LabeledInputOptions& options);

}  // namespace tessera
