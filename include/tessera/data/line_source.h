// LineSource: the lines of a plain or gzip-compressed text, read in constant memory.
//
// Compression is detected by the gzip magic bytes (1f 8b), not by the file name, so `corpus.jsonl`
// that is really gzipped and `data.gz` that is really plain both read correctly; concatenated gzip
// members are read as one stream. A UTF-8 byte-order mark at the start is dropped, and a line
// ending in "\r\n" is returned without the "\r". Memory is one read buffer plus the longest line,
// which is capped (max_line_bytes) so that a file without newlines cannot exhaust memory.
//
// Bytes that are not UTF-8 are passed on as they are (the reader that parses the line reports
// them), or with set_invalid_utf8(kReplace) each maximal invalid subpart becomes U+FFFD before any
// reader sees the line: a JSON or CSV line keeps its structure, as no structural character is
// ever part of an invalid sequence.
//
// Errors (unreadable file, corrupt or truncated gzip, over-long line) are tessera::Error in the
// `FILE:LINE: expected ..., found ...` form of source_error.h, naming the source as given.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "tessera/core/utf8.h"

namespace tessera {

class LineSource {
 public:
  static constexpr int64_t kDefaultMaxLineBytes = int64_t{256} << 20;

  // Opens a file by path; "-" reads standard input (named "<stdin>" in messages). With kReplace,
  // as set_invalid_utf8.
  static LineSource open(const std::string& path,
                         InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError);
  // Reads bytes held in memory (copied), named `name` in messages. For tests and fuzzers.
  static LineSource from_memory(std::string name, std::string_view bytes);
  // Reads from a stream the caller keeps alive while the LineSource is used.
  static LineSource from_stream(std::string name, std::istream& in);

  LineSource(LineSource&&) noexcept;
  LineSource& operator=(LineSource&&) noexcept;
  ~LineSource();

  // Sets the next line (without its line end) into `line` and returns true, or returns false at
  // the end of the input. The view stays valid until the next call. A final line without a
  // newline is still a line; an empty input has no lines.
  bool next(std::string_view& line);

  // 1-based number of the line last returned by next() (0 before the first).
  int64_t line_number() const;
  // The name used in messages: the path as given, "<stdin>", or the name passed in.
  const std::string& name() const;
  // True when the input is gzip-compressed (known after the first next()).
  bool compressed() const;
  // Lines longer than this are an error (default kDefaultMaxLineBytes).
  void set_max_line_bytes(int64_t max_bytes);
  // kReplace repairs invalid UTF-8 in every line returned (default kError: lines as read).
  void set_invalid_utf8(InvalidUtf8 policy);

  // Throws the source error "name:line_number(): expected ..., found ..." (for readers on top).
  [[noreturn]] void fail(std::string_view expected, std::string_view found) const;

  struct Impl;

 private:
  explicit LineSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera
