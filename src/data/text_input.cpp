#include "tessera/data/text_input.h"

#include <variant>

#include "tessera/core/check.h"
#include "tessera/data/delimited_reader.h"
#include "tessera/data/jsonl_reader.h"
#include "tessera/data/line_source.h"
#include "tessera/data/plain_text_reader.h"

namespace tessera {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

TextFormat guess_text_format(const std::string& path) {
  std::string name = path;
  if (ends_with(name, ".gz")) name.resize(name.size() - 3);
  if (ends_with(name, ".jsonl") || ends_with(name, ".json")) return TextFormat::kJsonl;
  if (ends_with(name, ".tsv")) return TextFormat::kTsv;
  if (ends_with(name, ".csv")) return TextFormat::kCsv;
  return TextFormat::kPlain;
}

struct TextInput::Impl {
  std::variant<JsonlReader, DelimitedReader, PlainTextReader> reader;
  std::string name;
  JsonlRecord jsonl;
  DelimitedRecord row;
  TextLine plain;
};

TextInput::TextInput(const TextInputOptions& options) {
  TESSERA_CHECK(!options.path.empty(), "no input file given");
  TextFormat format = options.format;
  if (format == TextFormat::kAuto) {
    format = options.path == "-" ? TextFormat::kPlain : guess_text_format(options.path);
  }
  LineSource source = LineSource::open(options.path);
  source.set_invalid_utf8(options.on_invalid_utf8);
  std::string name = source.name();
  switch (format) {
    case TextFormat::kJsonl: {
      JsonlOptions o;
      o.fields = {options.field.empty() ? "text" : options.field};
      impl_.reset(new Impl{JsonlReader(std::move(source), o), name, {}, {}, {}});
      break;
    }
    case TextFormat::kTsv:
    case TextFormat::kCsv: {
      DelimitedOptions o =
          format == TextFormat::kTsv ? DelimitedOptions::tsv() : DelimitedOptions::csv();
      o.allow_extra_columns = true;
      if (options.field.empty() || all_digits(options.field)) {
        const int64_t column = options.field.empty() ? 0 : std::stoll(options.field);
        o.select = {Column::at(column)};
        o.columns = column + 1;
      } else {
        o.has_header = true;
        o.select = {Column::named(options.field)};
      }
      impl_.reset(new Impl{DelimitedReader(std::move(source), o), name, {}, {}, {}});
      break;
    }
    case TextFormat::kPlain:
    case TextFormat::kAuto:
      TESSERA_CHECK(options.field.empty(),
                    "--field '{}' needs a JSONL, TSV or CSV input; {} is read as plain text",
                    options.field, name);
      impl_.reset(new Impl{PlainTextReader(std::move(source)), name, {}, {}, {}});
      break;
  }
}

TextInput::TextInput(TextInput&&) noexcept = default;
TextInput& TextInput::operator=(TextInput&&) noexcept = default;
TextInput::~TextInput() = default;

bool TextInput::next(std::string& text, int64_t& line) {
  Impl& m = *impl_;
  if (auto* jsonl = std::get_if<JsonlReader>(&m.reader)) {
    if (!jsonl->next(m.jsonl)) return false;
    text = std::move(m.jsonl.values[0]);
    line = m.jsonl.line;
    return true;
  }
  if (auto* delimited = std::get_if<DelimitedReader>(&m.reader)) {
    if (!delimited->next(m.row)) return false;
    text = std::move(m.row.values[0]);
    line = m.row.line;
    return true;
  }
  auto& plain = std::get<PlainTextReader>(m.reader);
  if (!plain.next(m.plain)) return false;
  text = std::move(m.plain.text);
  line = m.plain.line;
  return true;
}

const std::string& TextInput::source_name() const { return impl_->name; }

}  // namespace tessera
