#include "tessera/data/xc_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string_view>

#include "number_parse.h"
#include "tessera/data/source_error.h"

namespace tessera {

namespace {

constexpr int64_t kMaxIds = int64_t{1} << 31;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  for (;;) {
    const size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

// An id in [0, limit), or a source error naming what it is.
int32_t parse_id(LineSource& source, std::string_view text, int64_t limit, const char* what) {
  int64_t id = 0;
  if (!data_detail::parse_int64(text, id) || id < 0 || id >= limit) {
    source.fail(fmt::format("a {} id in [0, {})", what, limit), quote_found(text));
  }
  return static_cast<int32_t>(id);
}

}  // namespace

XcData read_xc(LineSource source) {
  XcData data;
  std::string_view line;
  if (!source.next(line)) source.fail("a header line \"N D L\"", "an empty file");
  std::vector<std::string_view> header;
  for (const std::string_view part : split(line, ' ')) {
    if (!part.empty()) header.push_back(part);
  }
  int64_t n = 0;
  if (header.size() != 3 || !data_detail::parse_int64(header[0], n) ||
      !data_detail::parse_int64(header[1], data.features) ||
      !data_detail::parse_int64(header[2], data.labels) || n < 0 || data.features < 1 ||
      data.labels < 1 || data.features > kMaxIds || data.labels > kMaxIds) {
    source.fail("a header line \"N D L\" (points, features >= 1, labels >= 1)", quote_found(line));
  }
  data.points.reserve(static_cast<size_t>(std::min<int64_t>(n, 1 << 20)));
  std::vector<int32_t> order;
  while (source.next(line)) {
    if (static_cast<int64_t>(data.points.size()) == n) {
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // trailing blanks
      source.fail(fmt::format("the end of the file after the {} points of the header", n),
                  "another line");
    }
    XcPoint& point = data.points.emplace_back();
    point.line = source.line_number();
    const size_t space = line.find(' ');
    const std::string_view labels = line.substr(0, space);
    if (!labels.empty()) {
      for (const std::string_view label : split(labels, ',')) {
        const int32_t id = parse_id(source, label, data.labels, "label");
        if (std::find(point.labels.begin(), point.labels.end(), id) == point.labels.end()) {
          point.labels.push_back(id);
        }
      }
    }
    if (space != std::string_view::npos) {
      for (const std::string_view pair : split(line.substr(space + 1), ' ')) {
        if (pair.empty()) continue;
        const size_t colon = pair.find(':');
        if (colon == std::string_view::npos)
          source.fail("a feature \"id:value\"", quote_found(pair));
        point.feature_ids.push_back(
            parse_id(source, pair.substr(0, colon), data.features, "feature"));
        double value = 0;
        if (!data_detail::parse_finite_double(pair.substr(colon + 1), value) ||
            std::abs(value) > std::numeric_limits<float>::max()) {
          source.fail("a finite feature value after ':'", quote_found(pair));
        }
        point.values.push_back(static_cast<float>(value));
      }
    }
    // Features ascending, as a bag's ids are; a feature twice is an error.
    order.resize(point.feature_ids.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int32_t a, int32_t b) { return point.feature_ids[a] < point.feature_ids[b]; });
    std::vector<int32_t> ids;
    std::vector<float> values;
    for (const int32_t i : order) {
      if (!ids.empty() && ids.back() == point.feature_ids[i]) {
        source.fail("each feature once", fmt::format("feature {} twice", ids.back()));
      }
      ids.push_back(point.feature_ids[i]);
      values.push_back(point.values[i]);
    }
    point.feature_ids = std::move(ids);
    point.values = std::move(values);
  }
  if (static_cast<int64_t>(data.points.size()) != n) {
    source.fail(fmt::format("the {} points of the header", n),
                fmt::format("{} lines of points", data.points.size()));
  }
  return data;
}

}  // namespace tessera
