// TextInput: the texts of any input file a verb accepts (`--input FILE [--field F]`), whatever
// its format, one at a time with the line it came from.
//
// The format is given, or guessed from the name (after any .gz): .jsonl / .json -> JSONL with
// field spec `field` (default "text"; "title+text" joins, see jsonl_reader.h); .tsv -> TSV and
// .csv -> CSV with `field` naming a header column or, when it is a number, a 0-based column
// (default 0, no header); anything else -> plain text, one item per line. "-" reads stdin as
// plain text unless a format is given.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tessera/core/enum_names.h"
#include "tessera/core/utf8.h"

namespace tessera {

enum class TextFormat { kAuto, kJsonl, kTsv, kCsv, kPlain };
inline constexpr EnumName<TextFormat> kTextFormatNames[] = {{TextFormat::kAuto, "auto"},
                                                            {TextFormat::kJsonl, "jsonl"},
                                                            {TextFormat::kTsv, "tsv"},
                                                            {TextFormat::kCsv, "csv"},
                                                            {TextFormat::kPlain, "text"}};
template <>
inline constexpr EnumNames<TextFormat> enum_names<TextFormat> = kTextFormatNames;

struct TextInputOptions {
  std::string path;
  TextFormat format = TextFormat::kAuto;
  std::string field;  // JSONL field spec or TSV/CSV column; empty: the format's default
  // kError: invalid UTF-8 is an error naming file, line and byte; kReplace: U+FFFD, in any format.
  InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError;
};

// The format `path` would be read as under kAuto.
TextFormat guess_text_format(const std::string& path);

class TextInput {
 public:
  // Opens the file (throws tessera::Error naming it when it cannot).
  explicit TextInput(const TextInputOptions& options);
  TextInput(TextInput&&) noexcept;
  TextInput& operator=(TextInput&&) noexcept;
  ~TextInput();

  // The next text and its 1-based line; false at the end.
  bool next(std::string& text, int64_t& line);
  const std::string& source_name() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera
