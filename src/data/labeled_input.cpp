#include "tessera/data/labeled_input.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "number_parse.h"
#include "tessera/core/check.h"
#include "tessera/data/arff_reader.h"
#include "tessera/data/source_error.h"

namespace tessera {

namespace {

using nlohmann::json;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t begin = 0;
  for (;;) {
    const size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) return parts;
    begin = end + 1;
  }
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// The member at a dotted path ("meta.title"), or nullptr when a step is missing.
const json* member(const json& object, const std::string& path) {
  const json* at = &object;
  for (const std::string& step : split(path, '.')) {
    if (!at->is_object()) return nullptr;
    const auto it = at->find(step);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at->is_null() ? nullptr : at;
}

std::vector<LabeledText> read_jsonl(LineSource source, const LabeledInputOptions& options) {
  const std::string label_field = options.label_field.empty() ? "label" : options.label_field;
  const std::vector<std::string> text_fields =
      split(options.field.empty() ? "text" : options.field, '+');
  for (const std::string& f : text_fields) {
    TESSERA_CHECK(!f.empty(), "the text field spec '{}' has an empty part", options.field);
  }
  std::vector<LabeledText> out;
  std::string_view line;
  while (source.next(line)) {
    if (line.find_first_not_of(" \t\r\v\f") == std::string_view::npos) continue;
    json object;
    try {
      object = json::parse(line);
    } catch (const json::exception&) {
      source.fail("a JSON object", quote_found(line));
    }
    if (!object.is_object()) source.fail("a JSON object", quote_found(line));
    LabeledText item;
    item.line = source.line_number();
    if (const json* labels = member(object, label_field)) {
      const auto add = [&](const json& label) {
        if (!label.is_string() || label.get_ref<const std::string&>().empty()) {
          source.fail(fmt::format("\"{}\" as a label name or a list of them", label_field),
                      quote_found(label.dump()));
        }
        item.labels.push_back(label.get<std::string>());
      };
      if (labels->is_array()) {
        for (const json& label : *labels) add(label);
      } else {
        add(*labels);
      }
    }
    if (item.labels.empty() && !options.labels_optional) {
      source.fail(fmt::format("a label in \"{}\"", label_field), "none");
    }
    bool present = false;
    for (const std::string& f : text_fields) {
      const json* value = member(object, f);
      if (value == nullptr) continue;
      if (!value->is_string()) {
        source.fail(fmt::format("\"{}\" as a string", f), quote_found(value->dump()));
      }
      present = true;
      const auto& text = value->get_ref<const std::string&>();
      if (text.empty()) continue;
      if (!item.text.empty()) item.text += ' ';
      item.text += text;
    }
    if (!present) {
      source.fail(
          fmt::format("a text field \"{}\"", options.field.empty() ? "text" : options.field),
          "none");
    }
    out.push_back(std::move(item));
  }
  return out;
}

Column column(const std::string& spec) {
  if (!all_digits(spec)) return Column::named(spec);
  int64_t index = 0;
  TESSERA_CHECK(data_detail::parse_int64(spec, index) && index < (int64_t{1} << 20),
                "column {} is not a column index below 2^20", spec);
  return Column::at(index);
}

std::vector<LabeledText> read_delimited(LineSource source, LabeledFormat format,
                                        const LabeledInputOptions& options) {
  DelimitedOptions o =
      format == LabeledFormat::kTsv ? DelimitedOptions::tsv() : DelimitedOptions::csv();
  o.allow_extra_columns = true;
  const Column label = column(options.label_field.empty() ? "0" : options.label_field);
  std::vector<Column> texts;
  for (const std::string& spec : split(options.field.empty() ? "1" : options.field, ',')) {
    TESSERA_CHECK(!spec.empty(), "the text columns '{}' have an empty part", options.field);
    texts.push_back(column(spec));
  }
  int64_t widest = label.index;
  bool named = label.index < 0;
  for (const Column& c : texts) {
    widest = std::max(widest, c.index);
    named = named || c.index < 0;
  }
  o.has_header = named;
  if (!named) o.columns = widest + 1;
  LabeledDelimitedReader reader(std::move(source), o, label, texts);
  reader.set_labels_optional(options.labels_optional);
  std::vector<LabeledText> out;
  LabeledText item;
  while (reader.next(item)) out.push_back(item);
  return out;
}

bool arff_name(std::string path) {
  if (path.size() > 3 && path.ends_with(".gz")) path.resize(path.size() - 3);
  return path.size() > 5 && path.ends_with(".arff");
}

}  // namespace

std::vector<LabeledText> read_labeled_texts(const LabeledInputOptions& options) {
  TESSERA_CHECK(!options.path.empty(), "no input file given");
  LabeledFormat format = options.format;
  if (format == LabeledFormat::kAuto && arff_name(options.path)) format = LabeledFormat::kArff;
  if (format == LabeledFormat::kArff) {
    TESSERA_CHECK(!options.arff_labels.empty(),
                  "{}: an ARFF input needs the Mulan XML that names its labels (--arff-labels "
                  "FILE.xml)",
                  options.path);
    TESSERA_CHECK(options.label_field.empty() && options.field.empty(),
                  "--label-field and --field need a JSONL, TSV or CSV input, not ARFF");
    return read_mulan_arff(
        LineSource::open(options.path, options.on_invalid_utf8),
        read_mulan_labels(LineSource::open(options.arff_labels, options.on_invalid_utf8)));
  }
  TESSERA_CHECK(options.arff_labels.empty(), "--arff-labels is for an ARFF input; {} is not one",
                options.path);
  if (format == LabeledFormat::kAuto && options.path != "-") {
    switch (guess_text_format(options.path)) {
      case TextFormat::kJsonl:
        format = LabeledFormat::kJsonl;
        break;
      case TextFormat::kTsv:
        format = LabeledFormat::kTsv;
        break;
      case TextFormat::kCsv:
        format = LabeledFormat::kCsv;
        break;
      default:
        break;
    }
  }
  return read_labeled_texts(LineSource::open(options.path, options.on_invalid_utf8), format,
                            options);
}

std::vector<LabeledText> read_labeled_texts(LineSource source, LabeledFormat format,
                                            const LabeledInputOptions& options) {
  switch (format) {
    case LabeledFormat::kJsonl:
      return read_jsonl(std::move(source), options);
    case LabeledFormat::kTsv:
    case LabeledFormat::kCsv:
      return read_delimited(std::move(source), format, options);
    case LabeledFormat::kXc:
      TESSERA_FAIL("{}: the XC format holds feature ids, not texts (read_xc reads it)",
                   source.name());
    case LabeledFormat::kArff:
      TESSERA_FAIL("{}: ARFF needs its label names (read_mulan_arff reads it)", source.name());
    case LabeledFormat::kFastText:
    case LabeledFormat::kAuto:
      break;
  }
  TESSERA_CHECK(options.label_field.empty() && options.field.empty(),
                "--label-field and --field need a JSONL, TSV or CSV input; {} is read in "
                "fastText's format (__label__name text)",
                source.name());
  FastTextOptions o;
  o.label_prefix = options.label_prefix;
  o.labels_optional = options.labels_optional;
  FastTextReader reader(std::move(source), o);
  std::vector<LabeledText> out;
  LabeledText item;
  while (reader.next(item)) out.push_back(item);
  return out;
}

}  // namespace tessera
