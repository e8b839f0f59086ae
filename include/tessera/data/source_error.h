// Errors about input files: every reader reports bad input as
//   FILE:LINE: expected WHAT, found WHAT
// (e.g. "corpus.jsonl:17: expected a JSON object, found '['"), so a user can open the file at the
// line and see the problem. The message carries no source-code location: it is about the data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tessera {

// "source:line: expected <expected>, found <found>"; a line <= 0 is left out ("source: ...").
std::string source_error_message(std::string_view source, int64_t line, std::string_view expected,
                                 std::string_view found);

// Throws tessera::Error with source_error_message(...).
[[noreturn]] void throw_source_error(std::string_view source, int64_t line,
                                     std::string_view expected, std::string_view found);

// Input text shown in a message: single-quoted, control bytes escaped (\t, \n, \xNN), and cut to
// about max_bytes with "..." so one bad 1 MB line does not flood the terminal.
std::string quote_found(std::string_view text, size_t max_bytes = 40);

}  // namespace tessera
