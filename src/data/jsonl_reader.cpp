#include "tessera/data/jsonl_reader.h"

#include <simdjson.h>

#include <string_view>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/core/utf8.h"
#include "tessera/data/source_error.h"

namespace tessera {

namespace {

// One field spec, compiled: parts joined with a space, each a path of member names.
struct FieldSpec {
  std::string text;
  bool optional = false;
  std::vector<std::vector<std::string>> parts;
};

FieldSpec compile_spec(const std::string& text) {
  FieldSpec spec;
  spec.text = text;
  std::string_view rest = text;
  if (!rest.empty() && rest.back() == '?') {
    spec.optional = true;
    rest.remove_suffix(1);
  }
  TESSERA_CHECK(!rest.empty(), "empty JSONL field spec '{}'", text);
  for (;;) {
    const size_t plus = rest.find('+');
    std::string_view part = rest.substr(0, plus);
    std::vector<std::string> path;
    for (;;) {
      const size_t dot = part.find('.');
      const std::string_view step = part.substr(0, dot);
      TESSERA_CHECK(!step.empty(), "JSONL field spec '{}' has an empty name", text);
      path.emplace_back(step);
      if (dot == std::string_view::npos) break;
      part.remove_prefix(dot + 1);
    }
    spec.parts.push_back(std::move(path));
    if (plus == std::string_view::npos) break;
    rest.remove_prefix(plus + 1);
  }
  return spec;
}

const char* type_name(simdjson::dom::element_type type) {
  using simdjson::dom::element_type;
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a bool";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// What went wrong on one line; empty `expected` means the line parsed.
struct LineError {
  std::string expected;
  std::string found;
};

std::string join_path(const std::vector<std::string>& path, size_t steps) {
  std::string out;
  for (size_t i = 0; i < steps; ++i) {
    if (i > 0) out += '.';
    out += path[i];
  }
  return out;
}

// Looks up one path; returns true and sets `value` for a string, false when absent or null.
bool lookup(simdjson::dom::element root, const std::vector<std::string>& path,
            std::string_view& value, LineError& error) {
  simdjson::dom::element current = root;
  for (size_t step = 0; step < path.size(); ++step) {
    if (current.type() != simdjson::dom::element_type::OBJECT) {
      error = {fmt::format("an object at '{}'", join_path(path, step)), type_name(current.type())};
      return false;
    }
    simdjson::dom::element child;
    if (current.get_object().at_key(path[step]).get(child) != simdjson::SUCCESS) return false;
    current = child;
  }
  if (current.type() == simdjson::dom::element_type::NULL_VALUE) return false;
  if (current.type() != simdjson::dom::element_type::STRING) {
    error = {fmt::format("a string for field '{}'", join_path(path, path.size())),
             type_name(current.type())};
    return false;
  }
  value = current.get_string().value_unsafe();
  return true;
}

void parse_line(simdjson::dom::parser& parser, const std::string& line,
                const std::vector<FieldSpec>& specs, JsonlRecord& record, LineError& error) {
  error = {};
  simdjson::dom::element root;
  const auto status = parser.parse(line.data(), line.size(), true).get(root);
  if (status != simdjson::SUCCESS) {
    if (status == simdjson::UTF8_ERROR) {  // quoted repaired: a message stays valid text
      error = {
          "valid JSON",
          fmt::format("{} ({}; --on-invalid-utf8 replace maps bad bytes to U+FFFD)",
                      quote_found(replace_invalid_utf8(line)), simdjson::error_message(status))};
      return;
    }
    error = {"valid JSON",
             fmt::format("{} ({})", quote_found(line), simdjson::error_message(status))};
    return;
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) {
    const size_t first = line.find_first_not_of(" \t\r");
    error = {"a JSON object", quote_found(std::string_view(line).substr(first, 1))};
    return;
  }
  record.values.resize(specs.size());
  record.present.assign(specs.size(), 0);
  for (size_t i = 0; i < specs.size(); ++i) {
    const FieldSpec& spec = specs[i];
    std::string& out = record.values[i];
    out.clear();
    bool any = false;
    for (const auto& path : spec.parts) {
      std::string_view value;
      if (!lookup(root, path, value, error)) {
        if (!error.expected.empty()) return;
        continue;
      }
      any = true;
      if (value.empty()) continue;
      if (!out.empty()) out += ' ';
      out += value;
    }
    if (!any && !spec.optional) {
      const std::string name = spec.text;
      error = {spec.parts.size() == 1 ? fmt::format("a field '{}'", name)
                                      : fmt::format("at least one of the fields '{}'", name),
               "none"};
      return;
    }
    record.present[i] = any ? 1 : 0;
  }
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

struct JsonlReader::Impl {
  LineSource source;
  JsonlOptions options;
  std::vector<FieldSpec> specs;
  std::vector<simdjson::dom::parser> parsers;  // one per thread
  // The current batch: lines [0, count), handed out from cursor.
  std::vector<std::string> lines;
  std::vector<JsonlRecord> records;
  std::vector<LineError> errors;
  size_t count = 0;
  size_t cursor = 0;

  Impl(LineSource s, JsonlOptions o) : source(std::move(s)), options(std::move(o)) {
    TESSERA_CHECK(!options.fields.empty(), "JsonlReader needs at least one field");
    TESSERA_CHECK(options.batch_lines > 0, "batch_lines must be positive, got {}",
                  options.batch_lines);
    for (const auto& field : options.fields) specs.push_back(compile_spec(field));
  }

  bool read_batch() {
    count = 0;
    cursor = 0;
    int64_t bytes = 0;
    std::string_view line;
    while (static_cast<int64_t>(count) < options.batch_lines && bytes < options.batch_bytes &&
           source.next(line)) {
      if (is_blank(line)) continue;
      if (count == lines.size()) {
        lines.emplace_back();
        records.emplace_back();
        errors.emplace_back();
      }
      lines[count].assign(line);
      records[count].line = source.line_number();
      bytes += static_cast<int64_t>(line.size());
      ++count;
    }
    if (count == 0) return false;
    const int threads = in_parallel_region() ? 1 : num_threads();
    if (parsers.size() < static_cast<size_t>(threads)) parsers.resize(threads);
    if (threads == 1) {
      for (size_t i = 0; i < count; ++i)
        parse_line(parsers[0], lines[i], specs, records[i], errors[i]);
    } else {
      parallel_for(
          static_cast<int64_t>(count),
          [&](int64_t begin, int64_t end, int thread) {
            for (int64_t i = begin; i < end; ++i) {
              parse_line(parsers[thread], lines[i], specs, records[i], errors[i]);
            }
          },
          64);
    }
    return true;
  }

  bool next(JsonlRecord& record) {
    if (cursor == count && !read_batch()) return false;
    const size_t i = cursor++;
    if (!errors[i].expected.empty()) {
      throw_source_error(source.name(), records[i].line, errors[i].expected, errors[i].found);
    }
    std::swap(record, records[i]);
    return true;
  }
};

JsonlReader::JsonlReader(LineSource source, JsonlOptions options)
    : impl_(std::make_unique<Impl>(std::move(source), std::move(options))) {}
JsonlReader::JsonlReader(JsonlReader&&) noexcept = default;
JsonlReader& JsonlReader::operator=(JsonlReader&&) noexcept = default;
JsonlReader::~JsonlReader() = default;

bool JsonlReader::next(JsonlRecord& record) { return impl_->next(record); }
const std::string& JsonlReader::source_name() const { return impl_->source.name(); }

}  // namespace tessera
