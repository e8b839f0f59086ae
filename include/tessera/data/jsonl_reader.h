// JsonlReader: one JSON object per line, selected fields out as strings, parsed with simdjson on
// several threads.
//
// A field spec names what to take from each object:
//   "text"         the string member `text`
//   "meta.title"   a nested member (each step an object)
//   "title+text"   several specs joined with one space, missing or empty parts skipped (BEIR
//                  corpora); at least one part must be present
//   "negative?"    a trailing '?' makes the field optional: absent (or null) gives an empty value
//                  and present[i] = false instead of an error
// Values must be JSON strings; a number, object, array or bool where a string is expected is an
// error, as are a missing required field, invalid JSON (bad escapes, truncated lines, invalid
// UTF-8) and a line that is not an object. Blank lines are skipped.
//
// Lines are read in batches (batch_lines, and at most batch_bytes of text), parsed in parallel
// with tessera::parallel_for and handed out in file order; memory is bounded by the batch, not the
// file. An error is raised when the bad line's turn comes, after every line before it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/data/line_source.h"

namespace tessera {

struct JsonlOptions {
  std::vector<std::string> fields = {"text"};  // field specs, see above
  int64_t batch_lines = 4096;
  int64_t batch_bytes = int64_t{32} << 20;
};

struct JsonlRecord {
  std::vector<std::string> values;  // values[i] is fields[i]
  std::vector<uint8_t> present;     // present[i] = 0 when an optional field was absent
  int64_t line = 0;                 // 1-based line in the source
};

class JsonlReader {
 public:
  // Throws tessera::Error when a field spec is malformed (empty, empty path step).
  JsonlReader(LineSource source, JsonlOptions options);
  JsonlReader(JsonlReader&&) noexcept;
  JsonlReader& operator=(JsonlReader&&) noexcept;
  ~JsonlReader();

  // Fills `record` with the next object's fields; false at the end of the input.
  bool next(JsonlRecord& record);
  const std::string& source_name() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera
