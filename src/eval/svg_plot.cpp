#include "svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>

#include "label_layout.h"
#include "svg_axis.h"
#include "tessera/core/check.h"

namespace tessera::report {

namespace {

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

constexpr std::array<const char*, 9> kPalette = {"#0072b2", "#d55e00", "#009e73",
                                                 "#cc79a7", "#e69f00", "#56b4e9",
                                                 "#6a3d9a", "#8c564b", "#555555"};
// Paired with kPalette: alike colours (the two blues) get different shapes.
constexpr std::array<Shape, 9> kShapes = {
    Shape::kCircle, Shape::kSquare,  Shape::kDiamond, Shape::kTriangleUp, Shape::kTriangleDown,
    Shape::kSquare, Shape::kDiamond, Shape::kCircle,  Shape::kTriangleUp};

std::string fixed(double value) { return fmt::format("{:.1f}", value); }

void append_marker(std::string& out, const Mark& mark, double x, double y,
                   const std::string& tooltip) {
  const double r = kMarkerRadius;
  switch (mark.shape) {
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
      const double sign = mark.shape == Shape::kTriangleUp ? 1 : -1;
      fmt::format_to(std::back_inserter(out), "<path class=\"pt\" d=\"M{} {}L{} {}L{} {}Z\"",
                     fixed(x), fixed(y - sign * 1.25 * r), fixed(x + 1.15 * r),
                     fixed(y + sign * 0.8 * r), fixed(x - 1.15 * r), fixed(y + sign * 0.8 * r));
      break;
    }
  }
  fmt::format_to(std::back_inserter(out), " fill=\"{}\"><title>{}</title></{}>\n", mark.color,
                 escape_html(tooltip),
                 mark.shape == Shape::kCircle   ? "circle"
                 : mark.shape == Shape::kSquare ? "rect"
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
  for (const PlotPoint& point : plot.points) {
    TESSERA_CHECK(point.x > 0 && std::isfinite(point.x) && std::isfinite(point.y),
                  "plot {}: point {} at ({}, {}) cannot go on a log axis", plot.id, point.name,
                  point.x, point.y);
  }
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
  for (const ReferenceLine& reference : plot.references) {
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

  // Screen positions. Each series' line joins its points in x order; a marker that would cover
  // one placed before it moves sideways by whole marker widths, right then left (points of a
  // series stay where they are), so every point stays visible where several share a value.
  std::vector<Position> at(plot.points.size());
  std::map<int, std::vector<size_t>> series;
  std::vector<size_t> placing;
  for (size_t i = 0; i < plot.points.size(); ++i) {
    at[i] = {px(plot.points[i].x), py(plot.points[i].y)};
    if (plot.points[i].series >= 0) {
      series[plot.points[i].series].push_back(i);
    } else {
      placing.push_back(i);
    }
  }
  std::vector<size_t> placed;
  for (auto& [id, members] : series) {
    std::stable_sort(members.begin(), members.end(),
                     [&](size_t a, size_t b) { return plot.points[a].x < plot.points[b].x; });
    placed.insert(placed.end(), members.begin(), members.end());
  }
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

  // What labels must avoid: every marker, the series' lines, reference lines.
  LabelLayout layout({kLeft + 2, kTop + 2, kRight - 2, kBottom - 2},
                     LayoutMetrics{kMarkerRadius, kLabelHeight});
  for (const Position& position : at) layout.add_marker(position.x, position.y);
  for (const auto& [id, members] : series) {
    for (size_t i = 0; i + 1 < members.size(); ++i) {
      layout.add_line(
          {at[members[i]].x, at[members[i]].y, at[members[i + 1]].x, at[members[i + 1]].y});
    }
  }
  for (const ReferenceLine& reference : plot.references) {
    layout.add_line({kLeft, py(reference.y), kRight, py(reference.y)});
  }

  std::string marks;   // lines and markers, under the labels
  std::string labels;  // leader lines and text, on top
  for (const ReferenceLine& reference : plot.references) {
    const double y = py(reference.y);
    fmt::format_to(std::back_inserter(marks),
                   "<line class=\"ref\" x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" "
                   "stroke=\"{3}\"><title>{4}</title></line>\n",
                   fixed(kLeft), fixed(kRight), fixed(y), reference.mark.color,
                   escape_html(reference.name + ": " + format_value(reference.y, Format::kMetric)));
  }
  for (const auto& [id, members] : series) {
    if (members.size() < 2) continue;
    marks += "<polyline class=\"line\" points=\"";
    for (size_t i = 0; i < members.size(); ++i) {
      fmt::format_to(std::back_inserter(marks), "{}{},{}", i == 0 ? "" : " ",
                     fixed(at[members[i]].x), fixed(at[members[i]].y));
    }
    fmt::format_to(std::back_inserter(marks), "\" stroke=\"{}\"/>\n",
                   plot.points[members.front()].mark.color);
  }
  for (size_t i = 0; i < plot.points.size(); ++i) {
    const PlotPoint& point = plot.points[i];
    append_marker(
        marks, point.mark, at[i].x, at[i].y,
        fmt::format("{}: {} {}, {} {}", point.name, y_title, format_value(point.y, Format::kMetric),
                    plot.x_name, format_value(point.x, plot.x_format)));
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
    const std::string& name = plot.points[i].name;
    const PlacedLabel label = layout.place_for_point(x, y, label_width(name));
    if (label.leader) {
      const auto [nx, ny] = label.box.nearest(x, y);
      fmt::format_to(std::back_inserter(labels),
                     "<line class=\"leader\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" "
                     "stroke=\"{}\"/>\n",
                     fixed(x), fixed(y), fixed(nx), fixed(ny), plot.points[i].mark.color);
    }
    append_label(labels, label, name);
  }
  // Reference labels last: they may go anywhere along their line, points' labels may not.
  for (const ReferenceLine& reference : plot.references) {
    append_label(labels, layout.place_for_line(py(reference.y), label_width(reference.name)),
                 reference.name);
  }
  out += marks;
  out += labels;
  out += "</svg>\n";
}

}  // namespace

Mark family_mark(size_t family) {
  return {kPalette[family % kPalette.size()], kShapes[family % kShapes.size()]};
}

void append_plot(std::string& out, const Plot& plot, const std::string& y_title) {
  fmt::format_to(std::back_inserter(out),
                 "<figure class=\"plot\" id=\"{}\">\n<figcaption><h3>{}</h3><p>{}</p>"
                 "</figcaption>\n",
                 plot.id, escape_html(plot.title), escape_html(plot.caption));
  if (plot.points.empty()) {
    fmt::format_to(std::back_inserter(out), "<p class=\"skipped\">{}</p>\n",
                   escape_html(plot.empty_note));
  } else {
    append_plot_svg(out, plot, y_title);
  }
  out += "</figure>\n";
}

}  // namespace tessera::report
