// Reading .npy files (vector_io.h): a checked header, then the data in one read.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/core/vector_io.h"

namespace tessera {

namespace {

// Version 1.0 headers are at most 64 KiB; later versions allow more, but nothing tessera reads
// needs a header this large, so a bigger length is a corrupt file.
constexpr uint32_t kMaxHeaderBytes = 1 << 20;
constexpr int64_t kMaxDimension = int64_t{1} << 40;

struct NpyHeader {
  std::string descr;
  std::optional<bool> fortran_order;
  std::optional<std::vector<int64_t>> shape;
};

// A parser for the Python literal dict of an .npy header: string keys; values a string, True /
// False, or a tuple of non-negative integers.
class DictParser {
 public:
  DictParser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  NpyHeader parse() {
    NpyHeader header;
    bool has_descr = false;
    expect('{');
    while (true) {
      skip_spaces();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      skip_spaces();
      if (key == "descr") {
        header.descr = string_literal();
        has_descr = true;
      } else if (key == "fortran_order") {
        header.fortran_order = boolean();
      } else if (key == "shape") {
        header.shape = tuple();
      } else {
        fail(fmt::format("unexpected key '{}'", key));
      }
      skip_spaces();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}'");
    }
    ++pos_;
    skip_spaces();
    if (pos_ != text_.size()) fail("text after the closing '}'");
    if (!has_descr || !header.fortran_order || !header.shape) {
      fail("the keys descr, fortran_order and shape are all required");
    }
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    constexpr size_t kShown = 200;  // of a header that may be long garbage
    TESSERA_FAIL("{}: corrupt .npy header: {} at character {} of \"{}{}\"", path_, what, pos_,
                 text_.substr(0, kShown), text_.size() > kShown ? "..." : "");
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_spaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }
  void expect(char c) {
    skip_spaces();
    if (peek() != c) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }
  bool boolean() {
    if (text_.substr(pos_).starts_with("True")) {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_).starts_with("False")) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> values;
    while (true) {
      skip_spaces();
      if (peek() == ')') break;
      int64_t value = 0;
      const size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        value = value * 10 + (text_[pos_] - '0');
        if (value > kMaxDimension) fail("dimension too large");
        ++pos_;
      }
      if (pos_ == start) fail("expected a non-negative integer");
      values.push_back(value);
      skip_spaces();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("expected ',' or ')'");
      }
    }
    ++pos_;
    return values;
  }

  std::string_view text_;
  const std::string& path_;
  size_t pos_ = 0;
};

std::string shape_text(const std::vector<int64_t>& shape) {
  return shape.size() == 1 ? fmt::format("({},)", shape[0])
                           : fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  std::error_code error;
  TESSERA_CHECK(!std::filesystem::is_directory(path, error), "cannot read {}: it is a directory",
                path);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) TESSERA_FAIL("cannot open {}: {}", path, std::strerror(errno));
  const auto file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);

  char prefix[12] = {};
  const auto read_exactly = [&](char* out, uint64_t size, const char* what) {
    in.read(out, static_cast<std::streamsize>(size));
    if (static_cast<uint64_t>(in.gcount()) != size) {
      TESSERA_FAIL("{}: truncated .npy file: it ends inside the {}", path, what);
    }
  };
  read_exactly(prefix, 8, "magic and version");
  if (std::memcmp(prefix, "\x93NUMPY", 6) != 0) {
    TESSERA_FAIL("{}: not an .npy file (no \\x93NUMPY magic)", path);
  }
  const auto major = static_cast<unsigned char>(prefix[6]);
  TESSERA_CHECK(major >= 1 && major <= 3, "{}: unsupported .npy format version {}.{}", path, major,
                static_cast<unsigned char>(prefix[7]));
  uint32_t header_bytes = 0;
  uint64_t data_start = 0;
  if (major == 1) {
    read_exactly(prefix + 8, 2, "header length");
    header_bytes = static_cast<unsigned char>(prefix[8]) |
                   (static_cast<uint32_t>(static_cast<unsigned char>(prefix[9])) << 8);
    data_start = 10 + uint64_t{header_bytes};
  } else {
    read_exactly(prefix + 8, 4, "header length");
    for (int i = 3; i >= 0; --i) {
      header_bytes = (header_bytes << 8) | static_cast<unsigned char>(prefix[8 + i]);
    }
    data_start = 12 + uint64_t{header_bytes};
  }
  TESSERA_CHECK(header_bytes <= kMaxHeaderBytes, "{}: corrupt .npy header length {}", path,
                header_bytes);
  TESSERA_CHECK(data_start <= file_size,
                "{}: truncated .npy file: the header needs {} bytes, the file has {}", path,
                data_start, file_size);
  std::string text(header_bytes, '\0');
  read_exactly(text.data(), header_bytes, "header");
  const NpyHeader header = DictParser(text, path).parse();

  NpyArray array;
  if (header.descr == "<f4") {
    array.dtype = VectorDtype::kFloat32;
  } else if (header.descr == "|u1" || header.descr == "<u1" || header.descr == "u1") {
    array.dtype = VectorDtype::kUint8;
  } else if (header.descr == "|i1" || header.descr == "<i1" || header.descr == "i1") {
    array.dtype = VectorDtype::kInt8;
  } else {
    TESSERA_FAIL("{}: unsupported .npy dtype '{}' (tessera reads '<f4', '|u1' and '|i1')", path,
                 header.descr);
  }
  const std::vector<int64_t>& shape = *header.shape;
  TESSERA_CHECK(shape.size() == 1 || shape.size() == 2,
                "{}: .npy array of shape {} has {} dims; tessera reads 1 or 2", path,
                shape_text(shape), shape.size());
  TESSERA_CHECK(shape.size() == 1 || !*header.fortran_order,
                "{}: Fortran-order .npy arrays are not supported (save a C-order array, e.g. "
                "numpy.ascontiguousarray)",
                path);
  array.ndim = static_cast<int>(shape.size());
  array.rows = shape.size() == 1 ? 1 : shape[0];
  array.cols = shape.back();
  // Compared by division first: the product of two dimensions may not fit in 64 bits.
  const uint64_t element_bytes = vector_dtype_bytes(array.dtype);
  const uint64_t available = file_size - data_start;
  const auto rows = static_cast<uint64_t>(array.rows);
  const auto cols = static_cast<uint64_t>(array.cols);
  TESSERA_CHECK(cols == 0 || rows <= available / element_bytes / cols,
                "{}: truncated .npy file: shape {} of {} needs {} x {} x {} bytes of data, the "
                "file has {}",
                path, shape_text(shape), header.descr, rows, cols, element_bytes, available);
  const uint64_t data_bytes = rows * cols * element_bytes;
  TESSERA_CHECK(data_bytes == available,
                "{}: corrupt .npy file: {} bytes after the {} bytes of data of shape {}", path,
                available - data_bytes, data_bytes, shape_text(shape));

  char* destination = nullptr;
  if (array.dtype == VectorDtype::kFloat32) {
    array.floats = Tensor::empty({array.rows, array.cols});
    destination = reinterpret_cast<char*>(array.floats.data());
  } else {
    array.bytes.resize(data_bytes);
    destination = reinterpret_cast<char*>(array.bytes.data());
  }
  read_exactly(destination, data_bytes, "data");
  return array;
}

}  // namespace tessera
