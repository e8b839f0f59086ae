#include "tessera/data/line_source.h"

#include <cstring>
#include <utility>

#include "byte_input.h"
#include "tessera/core/check.h"
#include "tessera/data/source_error.h"

namespace tessera {

using data_detail::ByteInput;
using data_detail::InputError;

struct LineSource::Impl {
  static constexpr size_t kReadChunk = size_t{1} << 16;

  std::string name;
  std::unique_ptr<ByteInput> raw;    // until the first read, when the magic is sniffed
  std::unique_ptr<ByteInput> input;  // decoded bytes
  bool compressed = false;
  bool at_end = false;
  int64_t line_number = 0;
  int64_t max_line_bytes = kDefaultMaxLineBytes;
  InvalidUtf8 invalid_utf8 = InvalidUtf8::kError;
  std::string repaired;  // the last line, when invalid UTF-8 in it was replaced
  // buffer[begin, end) holds bytes read but not yet returned as lines.
  std::string buffer;
  size_t begin = 0;
  size_t end = 0;

  // Reads more bytes after buffer[end); returns false at the end of the input.
  bool fill() {
    if (at_end) return false;
    if (begin > 0 && (begin == end || begin > buffer.size() / 2)) {
      std::memmove(buffer.data(), buffer.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (buffer.size() - end < kReadChunk) buffer.resize(end + kReadChunk);
    size_t got = 0;
    try {
      if (input == nullptr) input = data_detail::decompress_if_gzip(std::move(raw), &compressed);
      got = input->read(buffer.data() + end, buffer.size() - end);
    } catch (const InputError& e) {
      throw_source_error(name, line_number + 1, e.expected, e.found);
    }
    if (got == 0) {
      at_end = true;
      return false;
    }
    end += got;
    return true;
  }

  bool next(std::string_view& line) {
    size_t scanned = begin;
    for (;;) {
      const void* newline = std::memchr(buffer.data() + scanned, '\n', end - scanned);
      if (newline != nullptr) {
        const size_t stop = static_cast<const char*>(newline) - buffer.data();
        emit(line, stop, stop + 1);
        return true;
      }
      if (static_cast<int64_t>(end - begin) > max_line_bytes) {
        throw_source_error(name, line_number + 1,
                           fmt::format("a line of at most {} bytes", max_line_bytes),
                           "a longer line");
      }
      const size_t offset = end - begin;
      if (!fill()) {
        if (begin == end) return false;
        emit(line, end, end);  // a last line without a newline
        return true;
      }
      scanned = begin + offset;
    }
  }

  // Returns buffer[begin, stop) as the next line (minus "\r" and a leading BOM); resumes at resume.
  void emit(std::string_view& line, size_t stop, size_t resume) {
    std::string_view text(buffer.data() + begin, stop - begin);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (line_number == 0 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    ++line_number;
    begin = resume;
    if (invalid_utf8 == InvalidUtf8::kReplace && !is_valid_utf8(text)) {
      repaired = replace_invalid_utf8(text);
      text = repaired;
    }
    line = text;
  }
};

LineSource::LineSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LineSource::LineSource(LineSource&&) noexcept = default;
LineSource& LineSource::operator=(LineSource&&) noexcept = default;
LineSource::~LineSource() = default;

LineSource LineSource::open(const std::string& path, InvalidUtf8 on_invalid_utf8) {
  auto impl = std::make_unique<Impl>();
  impl->invalid_utf8 = on_invalid_utf8;
  if (path == "-") {
    impl->name = "<stdin>";
    impl->raw = data_detail::stdin_input();
  } else {
    impl->name = path;
    impl->raw = data_detail::open_file_input(path);
  }
  return LineSource(std::move(impl));
}

LineSource LineSource::from_memory(std::string name, std::string_view bytes) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->raw = data_detail::memory_input(bytes);
  return LineSource(std::move(impl));
}

LineSource LineSource::from_stream(std::string name, std::istream& in) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->raw = data_detail::stream_input(in);
  return LineSource(std::move(impl));
}

bool LineSource::next(std::string_view& line) { return impl_->next(line); }
int64_t LineSource::line_number() const { return impl_->line_number; }
const std::string& LineSource::name() const { return impl_->name; }
bool LineSource::compressed() const { return impl_->compressed; }

void LineSource::set_max_line_bytes(int64_t max_bytes) {
  TESSERA_CHECK(max_bytes > 0, "max_line_bytes must be positive, got {}", max_bytes);
  impl_->max_line_bytes = max_bytes;
}

void LineSource::set_invalid_utf8(InvalidUtf8 policy) { impl_->invalid_utf8 = policy; }

void LineSource::fail(std::string_view expected, std::string_view found) const {
  throw_source_error(impl_->name, impl_->line_number, expected, found);
}

}  // namespace tessera
