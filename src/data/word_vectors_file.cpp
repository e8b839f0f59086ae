#include "tessera/data/word_vectors_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>

#include "number_parse.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/data/source_error.h"
#include "whitespace_fields.h"

namespace tessera {
namespace {

constexpr int64_t kMaxWordVectorDim = int64_t{1} << 20;

bool parse_float(std::string_view text, float& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc() && end == text.data() + text.size() &&
         std::isfinite(value);
}

// A header is two integers, a count >= 0 and a dim >= 1, and nothing else; set only when it is
// one.
bool parse_header(const std::vector<std::string_view>& fields, int64_t& count, int64_t& dim) {
  int64_t c = 0, d = 0;
  if (fields.size() != 2 || !data_detail::parse_int64(fields[0], c) ||
      !data_detail::parse_int64(fields[1], d) || c < 0 || d < 1) {
    return false;
  }
  count = c;
  dim = d;
  return true;
}

}  // namespace

WordVectors WordVectors::read(LineSource source, int64_t max_words) {
  TESSERA_CHECK(max_words >= 0, "max_words must be >= 0, got {}", max_words);
  WordVectors result;
  std::vector<std::string_view> fields;
  std::vector<float> values;
  std::string_view line;
  int64_t header_count = -1;
  int64_t dim = 0;
  while (source.next(line)) {
    data_detail::split_whitespace_fields(line, fields);
    if (fields.empty()) continue;  // blank lines (a trailing one) carry nothing
    if (dim == 0 && header_count < 0 && result.words_.empty() &&
        parse_header(fields, header_count, dim)) {
      if (dim > kMaxWordVectorDim) {
        source.fail(fmt::format("a dim of at most {}", kMaxWordVectorDim), fields[1]);
      }
      if (max_words > 0) header_count = std::min(header_count, max_words);
      // A header is a hint for memory, not a promise: a huge one must not allocate up front.
      if (header_count <= (int64_t{1} << 26) / dim) {
        values.reserve(static_cast<size_t>(header_count * dim));
      }
      continue;
    }
    if (dim == 0) dim = static_cast<int64_t>(fields.size()) - 1;
    if (dim < 1) source.fail("a word and its vector", quote_found(line));
    if (static_cast<int64_t>(fields.size()) - 1 != dim) {
      source.fail(fmt::format("a word and {} values", dim),
                  fmt::format("{} values", fields.size() - 1));
    }
    if (header_count >= 0 && result.size() == header_count) {
      source.fail(fmt::format("{} vectors, as the header says", header_count), "more");
    }
    for (size_t f = 1; f < fields.size(); ++f) {
      float value = 0;
      if (!parse_float(fields[f], value)) source.fail("a finite number", quote_found(fields[f]));
      values.push_back(value);
    }
    result.words_.emplace_back(fields[0]);
    if (max_words > 0 && result.size() == max_words) break;
  }
  if (header_count >= 0 && result.size() < header_count) {
    source.fail(fmt::format("{} vectors, as the header says", header_count),
                fmt::format("{} and the end of the file", result.size()));
  }
  if (result.words_.empty()) source.fail("word vectors", "none");
  result.vectors_ = Tensor::from({result.size(), dim}, values);
  result.rows_.reserve(result.words_.size());
  for (int64_t row = 0; row < result.size(); ++row) {
    if (!result.rows_.emplace(result.words_[static_cast<size_t>(row)], row).second) {
      ++result.duplicates_;
    }
  }
  return result;
}

WordVectors WordVectors::read_file(const std::string& path, int64_t max_words) {
  return read(LineSource::open(path), max_words);
}

std::optional<int64_t> WordVectors::find(std::string_view word) const {
  const auto it = rows_.find(word);
  if (it == rows_.end()) return std::nullopt;
  return it->second;
}

void write_word_vectors(const std::string& path, std::span<const std::string> words,
                        const Tensor& vectors) {
  TESSERA_CHECK(vectors.rows() == static_cast<int64_t>(words.size()), "{} words for {} vectors",
                words.size(), vectors.rows());
  AtomicFile out(path);
  std::string line = fmt::format("{} {}\n", words.size(), vectors.cols());
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    TESSERA_CHECK(!word.empty() && word.find_first_of(" \t\n\r") == std::string::npos,
                  "word {} ('{}') is empty or holds a space: the format cannot hold it", i, word);
    line += word;
    const float* row = vectors.row(static_cast<int64_t>(i));
    for (int64_t c = 0; c < vectors.cols(); ++c)
      fmt::format_to(std::back_inserter(line), " {}", row[c]);
    line += '\n';
    if (line.size() >= (size_t{1} << 20)) {
      out.write(line);
      line.clear();
    }
  }
  out.write(line);
  out.commit();
}

}  // namespace tessera
