// A scatter plot of one quality measure against one cost, drawn as self-contained SVG: any
// report can plot any task's numbers with it (quality against dims, bytes or speed for
// retrieval; against label count or dims for classification).
//
// Points carry a name, drawn as a label beside them (label_layout.h), and a mark (colour and
// shape); points of one series are joined by a line in x order. Values without an x are dashed
// horizontal reference lines. The x axis is log2 or log10, the y axis linear.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "report_format.h"

namespace tessera::report {

enum class Shape { kCircle, kSquare, kDiamond, kTriangleUp, kTriangleDown };

struct Mark {
  const char* color = "#0072b2";
  Shape shape = Shape::kCircle;
};

// The mark of the n-th family of a report: colour-blind-safe colours (after Okabe & Ito), and
// different shapes for colours that look alike.
Mark family_mark(size_t family);

struct PlotPoint {
  double x = 0;
  double y = 0;
  std::string name;
  Mark mark;
  int series = -1;  // points of one series (>= 0) are joined by a line
};

struct ReferenceLine {
  double y = 0;
  std::string name;
  Mark mark;
};

struct Plot {
  std::string id;  // the figure's HTML id
  std::string title;
  std::string x_title;
  std::string x_name;  // the x value in a marker's tooltip
  std::string caption;
  std::string empty_note;  // shown instead of the plot when it has no point
  bool base2 = false;      // log2 x axis, else log10
  Format x_format = Format::kRate;
  std::vector<PlotPoint> points;
  std::vector<ReferenceLine> references;
};

// The plot as a <figure> with its caption: the SVG, or the empty note when it has no point.
// Every point's x must be positive (log axes), and its x and y finite.
void append_plot(std::string& out, const Plot& plot, const std::string& y_title);

}  // namespace tessera::report
