#include "tessera/eval/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/version.h"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// Text and numbers.

// The keys of a method that describe its cost; every other numeric key is a quality metric.
constexpr std::array<std::string_view, 7> kCostKeys = {
    "qps", "p50_ms", "p99_ms", "bytes_per_vector", "build_seconds", "index_bytes", "dim"};

bool is_cost_key(std::string_view key) {
  return std::find(kCostKeys.begin(), kCostKeys.end(), key) != kCostKeys.end();
}

// Safe in element content and in quoted attribute values alike.
std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// UTF-8 code points: the rendered width of a label in a monospace font, in characters.
size_t char_count(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// A string value as text: strings as they are, other JSON values (numbers) as JSON, null or
// missing as nothing.
std::string text_of(const Json& document, const char* key) {
  const auto it = document.find(key);
  if (it == document.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// Rounds to an integer and groups thousands: 1234567 -> "1,234,567".
std::string group_digits(double value) {
  const double rounded = std::round(value);
  if (std::abs(rounded) >= 1e15) return fmt::format("{:.3g}", value);
  const auto integer = static_cast<int64_t>(rounded);
  const std::string digits = std::to_string(integer < 0 ? -integer : integer);
  std::string out = integer < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Short axis labels: 500, 2k, 50k, 1.5M, 1T.
std::string compact_number(double value) {
  const double magnitude = std::abs(value);
  if (magnitude >= 1e12) return fmt::format("{:g}T", value / 1e12);
  if (magnitude >= 1e9) return fmt::format("{:g}G", value / 1e9);
  if (magnitude >= 1e6) return fmt::format("{:g}M", value / 1e6);
  if (magnitude >= 1e3) return fmt::format("{:g}k", value / 1e3);
  return fmt::format("{:g}", value);
}

// Labels of a log2 axis (powers of two): 0.5, 64, 8192, 16Ki, 4Mi, 2Gi.
std::string binary_compact_number(double value) {
  if (value >= 0x1p30) return fmt::format("{:g}Gi", value / 0x1p30);
  if (value >= 0x1p20) return fmt::format("{:g}Mi", value / 0x1p20);
  if (value >= 0x1p14) return fmt::format("{:g}Ki", value / 0x1p10);
  return fmt::format("{:g}", value);
}

enum class Format {
  kMetric,    // 4 decimals
  kCount,     // an integer, thousands grouped
  kRate,      // per second: grouped integer from 1000 up, 1 decimal from 10, 3 digits below
  kDuration,  // about 3 significant digits
  kBytes,     // B, KiB, MiB, GiB
};

std::string format_value(double value, Format format) {
  const double magnitude = std::abs(value);
  switch (format) {
    case Format::kMetric:
      return magnitude < 1e6 ? fmt::format("{:.4f}", value) : fmt::format("{:.4g}", value);
    case Format::kCount:
      return value == std::round(value) ? group_digits(value) : fmt::format("{:.1f}", value);
    case Format::kRate:
      if (magnitude >= 1000) return group_digits(value);
      return magnitude >= 10 ? fmt::format("{:.1f}", value) : fmt::format("{:.3g}", value);
    case Format::kDuration:
      if (magnitude >= 100) return group_digits(value);
      if (magnitude >= 10) return fmt::format("{:.1f}", value);
      if (magnitude >= 1) return fmt::format("{:.2f}", value);
      if (magnitude >= 0.01 || magnitude == 0) return fmt::format("{:.3f}", value);
      return fmt::format("{:.4f}", value);
    case Format::kBytes: {
      if (magnitude < 1024) return group_digits(value) + " B";
      constexpr std::array<const char*, 5> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB"};
      double scaled = value / 1024;
      size_t unit = 0;
      while (std::abs(scaled) >= 1024 && unit + 1 < kUnits.size()) {
        scaled /= 1024;
        ++unit;
      }
      return std::abs(scaled) >= 100 ? fmt::format("{:.0f} {}", scaled, kUnits[unit])
                                     : fmt::format("{:.1f} {}", scaled, kUnits[unit]);
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// The document.

// Colour-blind-safe colours (after Okabe & Ito) and marker shapes, one pair per method family.
// The families tessera evaluates keep their colour from report to report; others follow.
constexpr std::array<const char*, 9> kPalette = {"#0072b2", "#d55e00", "#009e73",
                                                 "#cc79a7", "#e69f00", "#56b4e9",
                                                 "#6a3d9a", "#8c564b", "#555555"};
constexpr std::array<std::string_view, 7> kKnownFamilies = {"dense", "bm25", "binary", "funnel",
                                                            "int8",  "hnsw", "hybrid"};
enum class Shape { kCircle, kSquare, kDiamond, kTriangleUp, kTriangleDown };
// Paired with kPalette: alike colours (the two blues) get different shapes.
constexpr std::array<Shape, 9> kShapes = {
    Shape::kCircle, Shape::kSquare,  Shape::kDiamond, Shape::kTriangleUp, Shape::kTriangleDown,
    Shape::kSquare, Shape::kDiamond, Shape::kCircle,  Shape::kTriangleUp};

struct Method {
  std::string name;
  const Json* values = nullptr;  // the method's object; null when it is not an object
  size_t family = 0;             // picks the colour and the marker shape

  const char* color() const { return kPalette[family % kPalette.size()]; }
  Shape shape() const { return kShapes[family % kShapes.size()]; }
  bool is_dense() const { return name.rfind("dense@", 0) == 0; }

  // The finite number under key, if any.
  std::optional<double> number(const std::string& key) const {
    if (values == nullptr) return std::nullopt;
    const auto it = values->find(key);
    if (it == values->end() || !it->is_number()) return std::nullopt;
    const double value = it->get<double>();
    if (!std::isfinite(value)) return std::nullopt;
    return value;
  }

  // "dim", or for dense@<d> without one, the d of the name.
  std::optional<double> dim() const {
    if (const auto value = number("dim")) return value;
    if (!is_dense()) return std::nullopt;
    const std::string_view suffix = std::string_view(name).substr(6);
    if (suffix.empty() || suffix.size() > 9 ||
        !std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stod(std::string(suffix));
  }
};

// The leading identifier of a name: "dense@256" -> "dense", "hybrid(bm25+dense@256)" -> "hybrid".
std::string family_of(const std::string& name) {
  const auto end = std::find_if(name.begin(), name.end(), [](char c) {
    return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '-');
  });
  return end == name.begin() ? name : std::string(name.begin(), end);
}

struct Report {
  std::vector<Method> methods;
  std::vector<std::string> metrics;  // the quality metric keys, in order of first appearance
  std::string headline;              // empty when there is no metric
  std::string requested_headline;    // "quality_metric" when no method has it
};

Report read_report(const Json& document) {
  TESSERA_CHECK(document.is_object(), "metrics document must be a JSON object, got {}",
                document.type_name());
  Report report;
  const auto methods = document.find("methods");
  if (methods != document.end() && !methods->is_null()) {
    TESSERA_CHECK(methods->is_object(), "\"methods\" must be a JSON object, got {}",
                  methods->type_name());
    std::vector<std::string> families(kKnownFamilies.begin(), kKnownFamilies.end());
    for (const auto& [name, values] : methods->items()) {
      Method method;
      method.name = name;
      method.values = values.is_object() ? &values : nullptr;
      const std::string family = family_of(name);
      const auto known = std::find(families.begin(), families.end(), family);
      method.family = static_cast<size_t>(known - families.begin());
      if (known == families.end()) families.push_back(family);
      if (method.values != nullptr) {
        for (const auto& [key, value] : method.values->items()) {
          // null: what a NaN becomes in JSON; a metric whose value was lost is still a column.
          if (is_cost_key(key) || !(value.is_number() || value.is_null())) continue;
          if (std::find(report.metrics.begin(), report.metrics.end(), key) ==
              report.metrics.end()) {
            report.metrics.push_back(key);
          }
        }
      }
      report.methods.push_back(std::move(method));
    }
  }
  const auto quality = document.find("quality_metric");
  if (quality != document.end() && quality->is_string()) {
    const std::string requested = quality->get<std::string>();
    if (std::find(report.metrics.begin(), report.metrics.end(), requested) !=
        report.metrics.end()) {
      report.headline = requested;
    } else {
      report.requested_headline = requested;
    }
  }
  if (report.headline.empty() && !report.metrics.empty()) report.headline = report.metrics[0];
  return report;
}

// ---------------------------------------------------------------------------------------------
// The table.

struct Column {
  std::string key;
  std::string header;
  std::string tooltip;
  Format format = Format::kMetric;
  bool higher_is_better = true;
  bool highlight = true;
};

std::vector<Column> table_columns(const Report& report) {
  std::vector<Column> columns;
  columns.push_back({"dim", "dim", "vector dimension", Format::kCount, true, false});
  for (const std::string& metric : report.metrics) {
    columns.push_back({metric, metric, "quality: higher is better", Format::kMetric, true, true});
  }
  columns.push_back(
      {"qps", "qps", "queries per second: higher is better", Format::kRate, true, true});
  columns.push_back({"p50_ms", "p50 ms", "median query latency (ms): lower is better",
                     Format::kDuration, false, true});
  columns.push_back({"p99_ms", "p99 ms", "99th percentile query latency (ms): lower is better",
                     Format::kDuration, false, true});
  columns.push_back({"bytes_per_vector", "bytes/vector",
                     "bytes stored per document vector: lower is better", Format::kCount, false,
                     true});
  columns.push_back({"build_seconds", "build s", "index build time (s): lower is better",
                     Format::kDuration, false, true});
  columns.push_back({"index_bytes", "index size", "index size on disk: lower is better",
                     Format::kBytes, false, true});
  // A cost column no method reports says nothing; metric columns always stay.
  std::erase_if(columns, [&](const Column& column) {
    if (!is_cost_key(column.key)) return false;
    return std::none_of(report.methods.begin(), report.methods.end(), [&](const Method& method) {
      return (method.values != nullptr && method.values->contains(column.key)) ||
             (column.key == "dim" && method.dim());
    });
  });
  return columns;
}

// The displayed text of the best value of a column, or "" when fewer than two methods have a
// value to compare. Costs count only when positive (0 marks "not applicable", as bm25's bytes).
std::string best_text(const Report& report, const Column& column) {
  std::optional<double> best;
  int candidates = 0;
  for (const Method& method : report.methods) {
    const auto value = method.number(column.key);
    if (!value || (!column.higher_is_better && *value <= 0)) continue;
    ++candidates;
    if (!best || (column.higher_is_better ? *value > *best : *value < *best)) best = value;
  }
  if (!best || candidates < 2) return "";
  return format_value(*best, column.format);
}

void append_table(std::string& out, const Report& report) {
  const std::vector<Column> columns = table_columns(report);
  std::vector<std::string> best;
  for (const Column& column : columns) {
    best.push_back(column.highlight ? best_text(report, column) : "");
  }
  out += "<div class=\"table-wrap\"><table>\n<thead><tr><th class=\"name\">method</th>";
  for (const Column& column : columns) {
    const bool headline = column.key == report.headline;
    fmt::format_to(std::back_inserter(out), "<th title=\"{}\"{}>{}</th>",
                   escape_html(column.tooltip + (headline ? " (headline metric)" : "")),
                   headline ? " class=\"headline\"" : "", escape_html(column.header));
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const Method& method : report.methods) {
    fmt::format_to(std::back_inserter(out),
                   "<tr><td class=\"name\"><span class=\"swatch\" style=\"background:{}\"></span>"
                   "{}</td>",
                   method.color(), escape_html(method.name));
    for (size_t c = 0; c < columns.size(); ++c) {
      const auto value = columns[c].key == "dim" ? method.dim() : method.number(columns[c].key);
      if (!value) {
        out += "<td class=\"missing\">—</td>";
        continue;
      }
      const std::string text = format_value(*value, columns[c].format);
      const bool is_best =
          !best[c].empty() && text == best[c] && (columns[c].higher_is_better || *value > 0);
      fmt::format_to(std::back_inserter(out), "<td{}>{}</td>", is_best ? " class=\"best\"" : "",
                     text);
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table></div>\n";
}

// ---------------------------------------------------------------------------------------------
// Plot geometry: axes and label placement.

// The SVG canvas and the plot area inside it, in pixels.
constexpr double kWidth = 1040;
constexpr double kHeight = 400;
constexpr double kLeft = 78;
constexpr double kRight = kWidth - 20;
constexpr double kTop = 14;
constexpr double kBottom = kHeight - 60;
constexpr double kMarkerRadius = 5;
constexpr double kLabelFontSize = 12;
constexpr double kLabelCharWidth = 0.62 * kLabelFontSize;  // a monospace font, generously
constexpr double kLabelHeight = kLabelFontSize + 4;

// A log axis over positive values (base 2 or 10) or a linear one; lo and hi are the ends of the
// domain in transformed units (log2 / log10 of the value on a log axis).
struct Axis {
  bool log = false;
  bool base2 = false;
  double lo = 0;
  double hi = 1;
  std::vector<double> ticks;  // labelled, with a gridline
  std::vector<double> minor;  // a light gridline only
  int decimals = 0;           // of a linear axis' labels

  double transform(double value) const {
    if (!log) return value;
    return base2 ? std::log2(value) : std::log10(value);
  }
  // Where value falls between the ends, 0 to 1.
  double fraction(double value) const { return (transform(value) - lo) / (hi - lo); }
  std::string label(double value) const {
    if (!log) {
      return std::abs(value) < 1e6 ? fmt::format("{:.{}f}", value, decimals)
                                   : fmt::format("{:.3g}", value);
    }
    if (base2) return binary_compact_number(value);
    return compact_number(value);
  }
};

// 1, 2 or 5 times a power of ten, near raw.
double nice_step(double raw) {
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / power;
  if (fraction < 1.5) return power;
  if (fraction < 3.5) return 2 * power;
  if (fraction < 7.5) return 5 * power;
  return 10 * power;
}

Axis linear_axis(double min_value, double max_value) {
  double lo = min_value;
  double hi = max_value;
  if (hi - lo < 1e-9 * std::max(1.0, std::abs(hi))) {
    const double pad = std::max(std::abs(hi) * 0.05, 0.01);
    lo -= pad;
    hi += pad;
  }
  const double margin = (hi - lo) * 0.08;
  lo -= margin;
  hi += margin;
  const double step = nice_step((hi - lo) / 5);
  auto first = static_cast<int64_t>(std::floor(lo / step));
  const auto last = static_cast<int64_t>(std::ceil(hi / step));
  if (min_value >= 0 && first < 0) first = 0;
  Axis axis;
  axis.lo = static_cast<double>(first) * step;
  axis.hi = static_cast<double>(last) * step;
  for (int64_t i = first; i <= last; ++i) axis.ticks.push_back(static_cast<double>(i) * step);
  axis.decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  return axis;
}

// Powers of two, at least half an octave beyond the values on either side.
Axis log2_axis(double min_value, double max_value) {
  Axis axis;
  axis.log = true;
  axis.base2 = true;
  const auto first = static_cast<int>(std::floor(std::log2(min_value) - 0.5));
  const auto last = static_cast<int>(std::ceil(std::log2(max_value) + 0.5));
  axis.lo = first;
  axis.hi = last;
  const int stride = (last - first + 11) / 12;  // at most 12 labelled ticks
  for (int exponent = first; exponent <= last; ++exponent) {
    ((exponent - first) % stride == 0 ? axis.ticks : axis.minor)
        .push_back(std::ldexp(1.0, exponent));
  }
  return axis;
}

// Ticks at 1, 2 and 5 times powers of ten over spans up to ~3 decades, at decades beyond.
Axis log10_axis(double min_value, double max_value) {
  Axis axis;
  axis.log = true;
  // At least 0.15 decade beyond the values, and 0.8 decade in all (a few ticks for one value).
  const double pad = std::max(0.15, (0.8 - std::log10(max_value / min_value)) / 2);
  const double lo = std::log10(min_value) - pad;
  const double hi = std::log10(max_value) + pad;
  const auto first_decade = static_cast<int>(std::floor(lo));
  const auto last_decade = static_cast<int>(std::ceil(hi));
  if (hi - lo <= 3.3) {
    std::vector<double> candidates;
    for (int decade = first_decade; decade <= last_decade; ++decade) {
      for (const double mantissa : {1.0, 2.0, 5.0}) {
        candidates.push_back(mantissa * std::pow(10.0, decade));
      }
    }
    const double lo_value = std::pow(10.0, lo);
    const double hi_value = std::pow(10.0, hi);
    double first = candidates.front();
    double last = candidates.back();
    for (const double candidate : candidates) {
      if (candidate <= lo_value) first = candidate;
    }
    for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
      if (*it >= hi_value) last = *it;
    }
    for (const double candidate : candidates) {
      if (candidate >= first && candidate <= last) axis.ticks.push_back(candidate);
    }
    axis.lo = std::log10(first);
    axis.hi = std::log10(last);
  } else {
    axis.lo = first_decade;
    axis.hi = last_decade;
    // At most 12 labelled decades; minor gridlines at 2..9 times a decade when they are few.
    const int stride = (last_decade - first_decade + 11) / 12;
    for (int decade = first_decade; decade <= last_decade; ++decade) {
      ((decade - first_decade) % stride == 0 ? axis.ticks : axis.minor)
          .push_back(std::pow(10.0, decade));
      if (decade == last_decade || stride > 1) continue;
      for (int mantissa = 2; mantissa <= 9; ++mantissa) {
        axis.minor.push_back(mantissa * std::pow(10.0, decade));
      }
    }
  }
  return axis;
}

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;

  bool overlaps(const Box& other) const {
    return x0 < other.x1 && other.x0 < x1 && y0 < other.y1 && other.y0 < y1;
  }
  double overlap_area(const Box& other) const {
    const double width = std::min(x1, other.x1) - std::max(x0, other.x0);
    const double height = std::min(y1, other.y1) - std::max(y0, other.y0);
    return width > 0 && height > 0 ? width * height : 0;
  }
  bool inside(const Box& outer) const {
    return x0 >= outer.x0 && x1 <= outer.x1 && y0 >= outer.y0 && y1 <= outer.y1;
  }
  // The point of the box nearest to (x, y).
  std::pair<double, double> nearest(double x, double y) const {
    return {std::clamp(x, x0, x1), std::clamp(y, y0, y1)};
  }
};

struct Segment {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;

  // Whether the segment crosses the box (Liang-Barsky clipping).
  bool hits(const Box& box) const {
    const double dx = x1 - x0;
    const double dy = y1 - y0;
    const std::array<double, 4> p = {-dx, dx, -dy, dy};
    const std::array<double, 4> q = {x0 - box.x0, box.x1 - x0, y0 - box.y0, box.y1 - y0};
    double enter = 0;
    double leave = 1;
    for (size_t i = 0; i < 4; ++i) {
      if (p[i] == 0) {
        if (q[i] < 0) return false;
        continue;
      }
      const double t = q[i] / p[i];
      if (p[i] < 0) {
        enter = std::max(enter, t);
      } else {
        leave = std::min(leave, t);
      }
      if (enter > leave) return false;
    }
    return true;
  }
};

struct Position {
  double x = 0;
  double y = 0;
};

struct PlacedLabel {
  Box box;
  bool leader = false;  // far from its anchor: joined to it by a thin line
};

// Whether segments a and b cross (orientation tests; touching ends count).
bool segments_cross(const Segment& a, const Segment& b) {
  const auto side = [](double ax, double ay, double bx, double by, double cx, double cy) {
    const double cross = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    return (cross > 0) - (cross < 0);
  };
  return side(a.x0, a.y0, a.x1, a.y1, b.x0, b.y0) * side(a.x0, a.y0, a.x1, a.y1, b.x1, b.y1) <= 0 &&
         side(b.x0, b.y0, b.x1, b.y1, a.x0, a.y0) * side(b.x0, b.y0, b.x1, b.y1, a.x1, a.y1) <= 0;
}

// Greedy placement of text boxes beside the things they name (the usual point-labelling
// heuristic): each label takes the cheapest candidate position that overlaps no label and no
// marker, where a position costs its distance from its anchor plus a penalty for every line it
// covers; a position not adjacent to its marker gets a leader line.
class LabelLayout {
 public:
  explicit LabelLayout(Box bounds) : bounds_(bounds) {}

  void add_marker(double x, double y) {
    const double r = kMarkerRadius + 1;
    markers_.push_back({x - r, y - r, x + r, y + r});
  }
  void add_line(const Segment& segment) { lines_.push_back(segment); }

  // A label of the given width for the marker at (x, y).
  PlacedLabel place_for_point(double x, double y, double width) {
    const double h = kLabelHeight;
    const double r = kMarkerRadius;
    // Adjacent: right, left, above, below, then the four corners.
    const std::array<Box, 8> near = {{
        {x + r + 4, y - h / 2, x + r + 4 + width, y + h / 2},
        {x - r - 4 - width, y - h / 2, x - r - 4, y + h / 2},
        {x - width / 2, y - r - 2 - h, x + width / 2, y - r - 2},
        {x - width / 2, y + r + 2, x + width / 2, y + r + 2 + h},
        {x + r, y - r - h, x + r + width, y - r},
        {x + r, y + r, x + r + width, y + r + h},
        {x - r - width, y - r - h, x - r, y - r},
        {x - r - width, y + r, x - r, y + r + h},
    }};
    std::vector<Candidate> candidates;
    for (size_t i = 0; i < near.size(); ++i) {
      candidates.push_back({near[i], false, static_cast<double>(i)});
    }
    // Farther away, with a leader line: columns to the right and the left, rows above and below.
    std::vector<Box> far;
    for (const double gap : {14.0, 30.0, 52.0, 80.0}) {
      for (int step = -18; step <= 18; ++step) {
        const double center = y + step * (h / 2 + 1);
        far.push_back({x + r + gap, center - h / 2, x + r + gap + width, center + h / 2});
        far.push_back({x - r - gap - width, center - h / 2, x - r - gap, center + h / 2});
      }
    }
    for (const double gap : {12.0, 30.0, 52.0}) {
      for (int step = -8; step <= 8; ++step) {
        const double center = x + step * 24.0;
        far.push_back({center - width / 2, y - r - gap - h, center + width / 2, y - r - gap});
        far.push_back({center - width / 2, y + r + gap, center + width / 2, y + r + gap + h});
      }
    }
    for (const Box& box : far) {
      const auto [nx, ny] = box.nearest(x, y);
      const double cx = (box.x0 + box.x1) / 2;
      const double cy = (box.y0 + box.y1) / 2;
      candidates.push_back(
          {box, true, std::hypot(nx - x, ny - y) + 0.1 * std::hypot(cx - x, cy - y)});
    }
    return choose(candidates, Position{x, y});
  }

  // A label of the given width for a horizontal line across the plot at height y: near its right
  // end if there is room, else farther left, or near the left end.
  PlacedLabel place_for_line(double y, double width) {
    const double h = kLabelHeight;
    std::vector<Candidate> candidates;
    const double span = bounds_.x1 - bounds_.x0 - width - 8;
    for (int step = 0; step <= 16; ++step) {
      const double x = bounds_.x1 - 4 - width - span * step / 16;
      candidates.push_back({{x, y - 2 - h, x + width, y - 2}, false, 4.0 * step});
      candidates.push_back({{x, y + 2, x + width, y + 2 + h}, false, 4.0 * step + 2});
    }
    return choose(candidates, std::nullopt);
  }

 private:
  struct Candidate {
    Box box;
    bool leader = false;  // needs a leader line to its marker
    double cost = 0;      // before line penalties
  };

  // What covering a line or crossing a leader line costs, in pixels of distance.
  static constexpr double kCrossingCost = 30;

  // The cheapest candidate inside the bounds that overlaps no label or marker (and whose leader
  // crosses none); when there is none, the one with the least overlap.
  PlacedLabel choose(const std::vector<Candidate>& candidates, std::optional<Position> anchor) {
    const Candidate* best = nullptr;
    std::optional<Segment> best_leader;
    double best_cost = std::numeric_limits<double>::infinity();
    for (const Candidate& candidate : candidates) {
      if (candidate.cost >= best_cost) continue;
      if (!candidate.box.inside(bounds_) || overlap(candidate.box) > 0) continue;
      double cost = candidate.cost;
      for (const Segment& line : lines_) cost += line.hits(candidate.box) ? kCrossingCost : 0;
      for (const Segment& line : leaders_) cost += line.hits(candidate.box) ? kCrossingCost : 0;
      std::optional<Segment> leader;
      if (candidate.leader && anchor) {
        leader = leader_of(candidate.box, *anchor);
        if (leader_blocked(*leader, *anchor)) continue;
        for (const Segment& other : leaders_) {
          cost += segments_cross(*leader, other) ? kCrossingCost : 0;
        }
      }
      if (cost < best_cost) {
        best_cost = cost;
        best = &candidate;
        best_leader = leader;
      }
    }
    if (best == nullptr) {
      double least = std::numeric_limits<double>::infinity();
      for (const Candidate& candidate : candidates) {
        if (!candidate.box.inside(bounds_)) continue;
        const double area = overlap(candidate.box);
        if (area < least) {
          least = area;
          best = &candidate;
        }
      }
      if (best == nullptr) best = &candidates.front();  // wider than the plot: nothing fits
      if (best->leader && anchor) best_leader = leader_of(best->box, *anchor);
    }
    labels_.push_back(best->box);
    if (best_leader) leaders_.push_back(*best_leader);
    return {best->box, best_leader.has_value()};
  }

  // The area of box covered by labels and markers.
  double overlap(const Box& box) const {
    double area = 0;
    for (const Box& label : labels_) area += box.overlap_area(label);
    for (const Box& marker : markers_) area += box.overlap_area(marker);
    return area;
  }

  // From the edge of the marker at anchor to the nearest point of box.
  static Segment leader_of(const Box& box, Position anchor) {
    const auto [nx, ny] = box.nearest(anchor.x, anchor.y);
    const double length = std::max(std::hypot(nx - anchor.x, ny - anchor.y), 1e-9);
    const double start = std::min(length, kMarkerRadius + 1);
    return {anchor.x + (nx - anchor.x) * start / length,
            anchor.y + (ny - anchor.y) * start / length, nx, ny};
  }

  // A leader may not run through a label or another marker.
  bool leader_blocked(const Segment& leader, Position anchor) const {
    for (const Box& label : labels_) {
      if (leader.hits(label)) return true;
    }
    for (const Box& marker : markers_) {
      const bool own = anchor.x > marker.x0 && anchor.x < marker.x1 && anchor.y > marker.y0 &&
                       anchor.y < marker.y1;
      if (!own && leader.hits({marker.x0 + 2, marker.y0 + 2, marker.x1 - 2, marker.y1 - 2})) {
        return true;
      }
    }
    return false;
  }

  Box bounds_;
  std::vector<Box> labels_;
  std::vector<Box> markers_;
  std::vector<Segment> lines_;    // data lines and reference lines
  std::vector<Segment> leaders_;  // leader lines placed so far
};

// ---------------------------------------------------------------------------------------------
// Plots.

struct PlotPoint {
  double x = 0;  // unused for a reference line
  double y = 0;
  const Method* method = nullptr;
  bool on_line = false;  // a dense@d point, joined to the others by a line
};

struct Plot {
  std::string id;  // the figure's HTML id
  std::string title;
  std::string x_title;
  std::string x_name;  // the x value in a marker's tooltip
  std::string caption;
  std::string empty_note;  // shown instead of the plot when it has no point
  bool base2 = false;      // log2 x axis, else log10
  std::vector<PlotPoint> points;
  std::vector<PlotPoint> references;  // no x value: dashed horizontal lines
};

std::string fixed(double value) { return fmt::format("{:.1f}", value); }

void append_marker(std::string& out, const Method& method, double x, double y,
                   const std::string& tooltip) {
  const double r = kMarkerRadius;
  const char* color = method.color();
  switch (method.shape()) {
    case Shape::kCircle:
      fmt::format_to(std::back_inserter(out), "<circle class=\"pt\" cx=\"{}\" cy=\"{}\" r=\"{}\"",
                     fixed(x), fixed(y), fixed(r));
      break;
    case Shape::kSquare:
      fmt::format_to(std::back_inserter(out),
                     "<rect class=\"pt\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
                     fixed(x - 0.9 * r), fixed(y - 0.9 * r), fixed(1.8 * r), fixed(1.8 * r));
      break;
    case Shape::kDiamond:
      fmt::format_to(std::back_inserter(out), "<path class=\"pt\" d=\"M{} {}L{} {}L{} {}L{} {}Z\"",
                     fixed(x), fixed(y - 1.25 * r), fixed(x + 1.25 * r), fixed(y), fixed(x),
                     fixed(y + 1.25 * r), fixed(x - 1.25 * r), fixed(y));
      break;
    case Shape::kTriangleUp:
    case Shape::kTriangleDown: {
      const double sign = method.shape() == Shape::kTriangleUp ? 1 : -1;
      fmt::format_to(std::back_inserter(out), "<path class=\"pt\" d=\"M{} {}L{} {}L{} {}Z\"",
                     fixed(x), fixed(y - sign * 1.25 * r), fixed(x + 1.15 * r),
                     fixed(y + sign * 0.8 * r), fixed(x - 1.15 * r), fixed(y + sign * 0.8 * r));
      break;
    }
  }
  fmt::format_to(std::back_inserter(out), " fill=\"{}\"><title>{}</title></{}>\n", color,
                 escape_html(tooltip),
                 method.shape() == Shape::kCircle   ? "circle"
                 : method.shape() == Shape::kSquare ? "rect"
                                                    : "path");
}

void append_label(std::string& out, const PlacedLabel& label, const std::string& text) {
  fmt::format_to(std::back_inserter(out), "<text class=\"lbl\" x=\"{}\" y=\"{}\">{}</text>\n",
                 fixed(label.box.x0 + 2),
                 fixed((label.box.y0 + label.box.y1) / 2 + 0.36 * kLabelFontSize),
                 escape_html(text));
}

double label_width(const std::string& text) {
  return static_cast<double>(char_count(text)) * kLabelCharWidth + 4;
}

void append_plot_svg(std::string& out, const Plot& plot, const std::string& y_title) {
  double x_min = std::numeric_limits<double>::infinity();
  double x_max = -x_min;
  double y_min = x_min;
  double y_max = -x_min;
  for (const PlotPoint& point : plot.points) {
    x_min = std::min(x_min, point.x);
    x_max = std::max(x_max, point.x);
    y_min = std::min(y_min, point.y);
    y_max = std::max(y_max, point.y);
  }
  for (const PlotPoint& reference : plot.references) {
    y_min = std::min(y_min, reference.y);
    y_max = std::max(y_max, reference.y);
  }
  const Axis x_axis = plot.base2 ? log2_axis(x_min, x_max) : log10_axis(x_min, x_max);
  const Axis y_axis = linear_axis(y_min, y_max);
  const auto px = [&](double x) { return kLeft + x_axis.fraction(x) * (kRight - kLeft); };
  const auto py = [&](double y) { return kBottom - y_axis.fraction(y) * (kBottom - kTop); };

  fmt::format_to(std::back_inserter(out),
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" "
                 "height=\"{1}\" role=\"img\" aria-label=\"{2}\">\n",
                 kWidth, kHeight, escape_html(plot.title));
  fmt::format_to(std::back_inserter(out),
                 "<rect class=\"area\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                 fixed(kLeft), fixed(kTop), fixed(kRight - kLeft), fixed(kBottom - kTop));
  // Gridlines, ticks and their labels.
  for (const double x : x_axis.minor) {
    fmt::format_to(std::back_inserter(out),
                   "<line class=\"grid minor\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n",
                   fixed(px(x)), fixed(kTop), fixed(kBottom));
  }
  for (const double x : x_axis.ticks) {
    fmt::format_to(std::back_inserter(out),
                   "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n"
                   "<line class=\"axis\" x1=\"{0}\" y1=\"{2}\" x2=\"{0}\" y2=\"{3}\"/>\n"
                   "<text class=\"tick\" x=\"{0}\" y=\"{4}\" text-anchor=\"middle\">{5}</text>\n",
                   fixed(px(x)), fixed(kTop), fixed(kBottom), fixed(kBottom + 5),
                   fixed(kBottom + 19), escape_html(x_axis.label(x)));
  }
  for (const double y : y_axis.ticks) {
    fmt::format_to(std::back_inserter(out),
                   "<line class=\"grid\" x1=\"{1}\" y1=\"{0}\" x2=\"{2}\" y2=\"{0}\"/>\n"
                   "<line class=\"axis\" x1=\"{3}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\"/>\n"
                   "<text class=\"tick\" x=\"{4}\" y=\"{5}\" text-anchor=\"end\">{6}</text>\n",
                   fixed(py(y)), fixed(kLeft), fixed(kRight), fixed(kLeft - 5), fixed(kLeft - 8),
                   fixed(py(y) + 4), escape_html(y_axis.label(y)));
  }
  fmt::format_to(
      std::back_inserter(out),
      "<path class=\"axis\" d=\"M{0} {1}V{2}H{3}\"/>\n"
      "<text class=\"axis-title\" x=\"{4}\" y=\"{5}\" text-anchor=\"middle\">{6}</text>\n"
      "<text class=\"axis-title\" transform=\"translate(18 {7}) rotate(-90)\" "
      "text-anchor=\"middle\">{8}</text>\n",
      fixed(kLeft), fixed(kTop), fixed(kBottom), fixed(kRight), fixed((kLeft + kRight) / 2),
      fixed(kBottom + 44), escape_html(plot.x_title), fixed((kTop + kBottom) / 2),
      escape_html(y_title));

  // Screen positions. The line joins the dense points in x order; a marker that would cover one
  // placed before it moves sideways by whole marker widths, right then left (points on the line
  // stay where they are), so every method stays visible where several share a value.
  std::vector<Position> at(plot.points.size());
  std::vector<size_t> line;
  std::vector<size_t> placing;
  for (size_t i = 0; i < plot.points.size(); ++i) {
    at[i] = {px(plot.points[i].x), py(plot.points[i].y)};
    (plot.points[i].on_line ? line : placing).push_back(i);
  }
  std::stable_sort(line.begin(), line.end(),
                   [&](size_t a, size_t b) { return plot.points[a].x < plot.points[b].x; });
  std::vector<size_t> placed = line;
  const auto covers_placed = [&](size_t i) {
    return std::any_of(placed.begin(), placed.end(), [&](size_t j) {
      return std::hypot(at[j].x - at[i].x, at[j].y - at[i].y) < 2 * kMarkerRadius + 1;
    });
  };
  for (const size_t i : placing) {
    const double wanted = at[i].x;
    const double step = 2 * kMarkerRadius + 3;
    // Offsets +1, -1, +2, -2, ... steps.
    for (int k = 1; k <= 40 && covers_placed(i); ++k) {
      at[i].x = wanted + step * ((k + 1) / 2) * (k % 2 == 1 ? 1 : -1);
    }
    placed.push_back(i);
  }

  // What labels must avoid: every marker, the line through the dense points, reference lines.
  LabelLayout layout({kLeft + 2, kTop + 2, kRight - 2, kBottom - 2});
  for (const Position& position : at) layout.add_marker(position.x, position.y);
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    layout.add_line({at[line[i]].x, at[line[i]].y, at[line[i + 1]].x, at[line[i + 1]].y});
  }
  for (const PlotPoint& reference : plot.references) {
    layout.add_line({kLeft, py(reference.y), kRight, py(reference.y)});
  }

  std::string marks;   // lines and markers, under the labels
  std::string labels;  // leader lines and text, on top
  for (const PlotPoint& reference : plot.references) {
    const double y = py(reference.y);
    fmt::format_to(
        std::back_inserter(marks),
        "<line class=\"ref\" x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" "
        "stroke=\"{3}\"><title>{4}</title></line>\n",
        fixed(kLeft), fixed(kRight), fixed(y), reference.method->color(),
        escape_html(reference.method->name + ": " + format_value(reference.y, Format::kMetric)));
  }
  if (line.size() > 1) {
    marks += "<polyline class=\"line\" points=\"";
    for (size_t i = 0; i < line.size(); ++i) {
      fmt::format_to(std::back_inserter(marks), "{}{},{}", i == 0 ? "" : " ", fixed(at[line[i]].x),
                     fixed(at[line[i]].y));
    }
    fmt::format_to(std::back_inserter(marks), "\" stroke=\"{}\"/>\n",
                   plot.points[line.front()].method->color());
  }
  for (size_t i = 0; i < plot.points.size(); ++i) {
    const PlotPoint& point = plot.points[i];
    append_marker(marks, *point.method, at[i].x, at[i].y,
                  fmt::format("{}: {} {}, {} {}", point.method->name, y_title,
                              format_value(point.y, Format::kMetric), plot.x_name,
                              format_value(point.x, plot.base2 ? Format::kCount : Format::kRate)));
  }
  // Labels from the top of the plot down, so a crowded column stacks in the points' order.
  std::vector<size_t> order(plot.points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return at[a].y != at[b].y ? at[a].y < at[b].y : at[a].x < at[b].x;
  });
  for (const size_t i : order) {
    const double x = at[i].x;
    const double y = at[i].y;
    const std::string& name = plot.points[i].method->name;
    const PlacedLabel label = layout.place_for_point(x, y, label_width(name));
    if (label.leader) {
      const auto [nx, ny] = label.box.nearest(x, y);
      fmt::format_to(std::back_inserter(labels),
                     "<line class=\"leader\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" "
                     "stroke=\"{}\"/>\n",
                     fixed(x), fixed(y), fixed(nx), fixed(ny), plot.points[i].method->color());
    }
    append_label(labels, label, name);
  }
  // Reference labels last: they may go anywhere along their line, points' labels may not.
  for (const PlotPoint& reference : plot.references) {
    const std::string& name = reference.method->name;
    append_label(labels, layout.place_for_line(py(reference.y), label_width(name)), name);
  }
  out += marks;
  out += labels;
  out += "</svg>\n";
}

void append_plot(std::string& out, const Plot& plot, const std::string& headline) {
  fmt::format_to(std::back_inserter(out),
                 "<figure class=\"plot\" id=\"{}\">\n<figcaption><h3>{}</h3><p>{}</p>"
                 "</figcaption>\n",
                 plot.id, escape_html(plot.title), escape_html(plot.caption));
  if (plot.points.empty()) {
    fmt::format_to(std::back_inserter(out), "<p class=\"skipped\">{}</p>\n",
                   escape_html(plot.empty_note));
  } else {
    append_plot_svg(out, plot, headline);
  }
  out += "</figure>\n";
}

// The three plots of the headline metric: against dim, bytes per vector and queries per second.
std::vector<Plot> make_plots(const Report& report) {
  const std::string& metric = report.headline;
  std::vector<Plot> plots(3);
  plots[0].id = "plot-dim";
  plots[0].title = metric + " vs dimension";
  plots[0].x_title = "dimension (log2 scale)";
  plots[0].caption =
      "dense@d (Matryoshka prefixes) joined by a line; other methods at their dim; dashed: "
      "methods without a dim.";
  plots[0].empty_note = "No method has both a dim and a " + metric + " value: plot skipped.";
  plots[0].x_name = "dim";
  plots[0].base2 = true;
  plots[1].id = "plot-bytes";
  plots[1].title = metric + " vs bytes per vector";
  plots[1].x_title = "bytes per vector (log2 scale)";
  plots[1].caption =
      "Memory per stored vector: up and to the left is better; dashed: methods that store no "
      "vectors.";
  plots[1].empty_note =
      "No method has both bytes_per_vector > 0 and a " + metric + " value: plot skipped.";
  plots[1].x_name = "bytes/vector";
  plots[1].base2 = true;
  plots[2].id = "plot-qps";
  plots[2].title = metric + " vs queries per second";
  plots[2].x_title = "queries per second (log scale)";
  plots[2].caption =
      "Throughput: up and to the right is better; dashed: methods without a qps measurement.";
  plots[2].x_name = "qps";
  plots[2].empty_note = "No method has both a qps and a " + metric + " value: plot skipped.";

  for (const Method& method : report.methods) {
    // Values beyond +-1e15 (no metric or cost comes near) are left out: the axes' arithmetic
    // stays far from overflow.
    constexpr double kPlottable = 1e15;
    const auto quality = method.number(metric);
    if (!quality || std::abs(*quality) > kPlottable) continue;
    const std::array<std::optional<double>, 3> xs = {
        method.dim(), method.number("bytes_per_vector"), method.number("qps")};
    for (size_t p = 0; p < plots.size(); ++p) {
      if (xs[p] && *xs[p] > 1 / kPlottable && *xs[p] < kPlottable) {
        plots[p].points.push_back({*xs[p], *quality, &method, p < 2 && method.is_dense()});
      } else {
        plots[p].references.push_back({0, *quality, &method});
      }
    }
  }
  return plots;
}

constexpr std::string_view kStyle = R"css(
:root{color-scheme:light}
body{margin:0;background:#f6f7f9;color:#1f2328;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px 20px 32px}
h1{font-size:26px;margin:0 0 4px}
h1 .split{font-weight:400;color:#57606a}
h2{font-size:19px;margin:32px 0 10px}
h3{font-size:16px;margin:0}
.meta{color:#57606a;margin:0 0 10px}
.summary{margin:0;padding:10px 14px;background:#fff;border:1px solid #d8dee4;border-radius:6px}
.note{color:#57606a;font-size:13px;margin:8px 0 0}
code,.name,.lbl{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.table-wrap{overflow-x:auto;background:#fff;border:1px solid #d8dee4;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{padding:5px 9px;text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
th{background:#f0f2f5;font-weight:600;border-bottom:1px solid #d8dee4}
th.name,td.name{text-align:left}
td.name{font-size:13px}
th.headline{color:#0550ae;text-decoration:underline;text-underline-offset:3px}
tbody tr:nth-child(even){background:#fafbfc}
tbody tr:hover{background:#eef4fb}
td.best{background:#dafbe1;font-weight:700;color:#116329}
td.missing{color:#8c959f}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:8px;vertical-align:baseline}
figure.plot{margin:18px 0 0;padding:14px 16px 10px;background:#fff;border:1px solid #d8dee4;border-radius:6px}
figcaption p{margin:2px 0 6px;color:#57606a;font-size:13px}
figure.plot svg{display:block;max-width:100%;height:auto}
.skipped{color:#57606a;font-style:italic;margin:6px 0}
svg .area{fill:#fff}
svg .grid{stroke:#e4e7eb;stroke-width:1}
svg .grid.minor{stroke:#f1f3f5}
svg .axis{stroke:#57606a;stroke-width:1;fill:none}
svg .tick{font-size:12px;fill:#57606a}
svg .axis-title{font-size:13px;fill:#1f2328}
svg .line{fill:none;stroke-width:2;opacity:.85}
svg .ref{stroke-width:1.5;stroke-dasharray:6 4}
svg .pt{stroke:#fff;stroke-width:1.5}
svg .leader{stroke-width:1;opacity:.75}
svg .lbl{font-size:12px;fill:#1f2328;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
footer{margin-top:28px;color:#8c959f;font-size:12px}
)css";

}  // namespace

std::string render_html_report(const nlohmann::ordered_json& metrics) {
  const Report report = read_report(metrics);
  const std::string dataset = text_of(metrics, "dataset");
  const std::string split = text_of(metrics, "split");
  const std::string model = text_of(metrics, "model");

  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  std::string page_title = dataset.empty() ? "retrieval evaluation" : dataset;
  if (!split.empty()) page_title += " (" + split + ")";
  fmt::format_to(std::back_inserter(out), "<title>{} — tessera report</title>\n<style>{}</style>\n",
                 escape_html(page_title), kStyle);
  out += "</head>\n<body>\n<main>\n<header>\n";

  // Title and what was evaluated.
  fmt::format_to(std::back_inserter(out), "<h1>Retrieval evaluation{}{}{}</h1>\n",
                 dataset.empty() ? "" : ": ", escape_html(dataset),
                 split.empty() ? "" : " <span class=\"split\">· " + escape_html(split) + "</span>");
  std::vector<std::string> facts;
  for (const char* key : {"queries", "documents"}) {
    const auto it = metrics.find(key);
    if (it == metrics.end() || it->is_null()) continue;
    const bool finite = it->is_number() && std::isfinite(it->get<double>());
    facts.push_back((finite ? format_value(it->get<double>(), Format::kCount)
                            : escape_html(text_of(metrics, key))) +
                    " " + key);
  }
  facts.push_back(model.empty() ? "no model" : "model <code>" + escape_html(model) + "</code>");
  std::string meta;
  for (size_t i = 0; i < facts.size(); ++i) meta += (i == 0 ? "" : " · ") + facts[i];
  fmt::format_to(std::back_inserter(out), "<p class=\"meta\">{}</p>\n", meta);

  // The answer at a glance: the best method by the headline metric, and the fastest.
  if (!report.headline.empty()) {
    const Method* best = nullptr;
    const Method* fastest = nullptr;
    for (const Method& method : report.methods) {
      const auto quality = method.number(report.headline);
      if (quality && (best == nullptr || *quality > *best->number(report.headline))) {
        best = &method;
      }
      const auto qps = method.number("qps");
      if (qps && *qps > 0 && (fastest == nullptr || *qps > *fastest->number("qps"))) {
        fastest = &method;
      }
    }
    std::string summary = "Headline metric <b>" + escape_html(report.headline) + "</b>";
    if (best != nullptr) {
      summary += fmt::format(": best <b><code>{}</code></b> {}", escape_html(best->name),
                             format_value(*best->number(report.headline), Format::kMetric));
    }
    if (fastest != nullptr) {
      summary +=
          fmt::format(" · fastest <b><code>{}</code></b> {} queries/s", escape_html(fastest->name),
                      format_value(*fastest->number("qps"), Format::kRate));
    }
    if (!report.requested_headline.empty()) {
      summary += " (quality_metric <code>" + escape_html(report.requested_headline) +
                 "</code> is in no method)";
    }
    fmt::format_to(std::back_inserter(out), "<p class=\"summary\">{}.</p>\n", summary);
  }
  out += "</header>\n";

  // The table.
  out += "<section>\n<h2>Methods</h2>\n";
  if (report.methods.empty()) {
    out += "<p class=\"skipped\">No methods in the document.</p>\n";
  } else {
    append_table(out, report);
    out +=
        "<p class=\"note\">Best value of each column highlighted: higher is better for quality "
        "metrics and qps, lower for latency, size and build time. — : not measured.</p>\n";
  }
  out += "</section>\n";

  // The plots.
  out += "<section>\n<h2>Trade-offs</h2>\n";
  if (report.headline.empty()) {
    out += "<p class=\"skipped\">No quality metric in the document: plots skipped.</p>\n";
  } else {
    for (const Plot& plot : make_plots(report)) append_plot(out, plot, report.headline);
  }
  out += "</section>\n";
  fmt::format_to(std::back_inserter(out),
                 "<footer>Rendered by tessera {} from metrics.json.</footer>\n", TESSERA_VERSION);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

void write_html_report(const std::string& path, const nlohmann::ordered_json& metrics) {
  // Rendered first: an invalid document throws before any file is created.
  const std::string page = render_html_report(metrics);
  AtomicFile file(path);
  file.write(page);
  file.commit();
}

}  // namespace tessera
