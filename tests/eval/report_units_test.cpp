// The units reports are built of, on their own: numbers and text, axes, and label placement as
// pure geometry.
#include <gtest/gtest.h>

#include <cmath>

#include "../../src/eval/label_layout.h"
#include "../../src/eval/report_format.h"
#include "../../src/eval/report_table.h"
#include "../../src/eval/svg_axis.h"
#include "tessera/core/check.h"

namespace tessera::report {
namespace {

TEST(ReportFormat, NumbersAndText) {
  EXPECT_EQ(escape_html("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(char_count("bm25 → flat"), 11u);
  EXPECT_EQ(group_digits(1234567.4), "1,234,567");
  EXPECT_EQ(group_digits(-1000), "-1,000");
  EXPECT_EQ(compact_number(50000), "50k");
  EXPECT_EQ(compact_number(1.5e6), "1.5M");
  EXPECT_EQ(binary_compact_number(16384), "16Ki");
  EXPECT_EQ(binary_compact_number(64), "64");
  EXPECT_EQ(format_value(0.84551, Format::kMetric), "0.8455");
  EXPECT_EQ(format_value(36281.7, Format::kRate), "36,282");
  EXPECT_EQ(format_value(12.34, Format::kRate), "12.3");
  EXPECT_EQ(format_value(0.1234, Format::kDuration), "0.123");
  EXPECT_EQ(format_value(1024, Format::kCount), "1,024");
  EXPECT_EQ(format_value(3 * 1024 * 1024, Format::kBytes), "3.0 MiB");
  EXPECT_EQ(format_value(512, Format::kBytes), "512 B");
}

TEST(SvgAxis, LinearTicksAreNiceAndCoverTheValues) {
  EXPECT_EQ(nice_step(0.07), 0.05);
  EXPECT_EQ(nice_step(3), 2);
  EXPECT_EQ(nice_step(8), 10);
  const Axis axis = linear_axis(0.62, 0.86);
  ASSERT_GE(axis.ticks.size(), 3u);
  EXPECT_LE(axis.lo, 0.62);
  EXPECT_GE(axis.hi, 0.86);
  const double step = axis.ticks[1] - axis.ticks[0];
  for (size_t i = 1; i < axis.ticks.size(); ++i) {
    EXPECT_NEAR(axis.ticks[i] - axis.ticks[i - 1], step, 1e-12);
  }
  EXPECT_EQ(axis.label(0.7), "0.70");
  EXPECT_GE(linear_axis(0.001, 0.01).lo, 0.0);  // never below 0 for values that are not
  const Axis flat = linear_axis(0.5, 0.5);      // one value: still a span around it
  EXPECT_LT(flat.lo, 0.5);
  EXPECT_GT(flat.hi, 0.5);
  EXPECT_NEAR(axis.fraction(axis.lo), 0.0, 1e-12);
  EXPECT_NEAR(axis.fraction(axis.hi), 1.0, 1e-12);
}

TEST(SvgAxis, LogTicks) {
  const Axis dims = log2_axis(32, 256);
  EXPECT_TRUE(dims.base2);
  for (const double tick : dims.ticks) EXPECT_EQ(std::exp2(std::round(std::log2(tick))), tick);
  EXPECT_LE(dims.ticks.front(), 16);
  EXPECT_GE(dims.ticks.back(), 512);
  const Axis qps = log10_axis(9000, 650000);
  for (const double tick : qps.ticks) {
    const double mantissa = tick / std::pow(10.0, std::floor(std::log10(tick)));
    EXPECT_TRUE(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 ||
                std::abs(mantissa - 5) < 1e-9)
        << tick;
  }
  EXPECT_LE(qps.ticks.front(), 9000);
  EXPECT_GE(qps.ticks.back(), 650000);
  // Wide spans: decades, at most 12 of them labelled.
  const Axis wide = log10_axis(1, 1e30);
  EXPECT_LE(wide.ticks.size(), 12u);
  EXPECT_FALSE(wide.minor.empty());
}

TEST(LabelLayout, GeometryOfBoxesAndSegments) {
  const Box a{0, 0, 10, 10}, b{5, 5, 15, 15}, c{20, 20, 30, 30};
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_FALSE(a.overlaps(c));
  EXPECT_EQ(a.overlap_area(b), 25);
  EXPECT_TRUE((Box{2, 2, 8, 8}).inside(a));
  EXPECT_EQ(a.nearest(20, 5), (std::pair<double, double>{10, 5}));
  EXPECT_TRUE((Segment{-5, 5, 15, 5}).hits(a));  // straight through
  EXPECT_FALSE((Segment{-5, 20, 15, 20}).hits(a));
  EXPECT_TRUE((Segment{5, 5, 50, 50}).hits(a));  // from inside
  EXPECT_TRUE(segments_cross({0, 0, 10, 10}, {0, 10, 10, 0}));
  EXPECT_FALSE(segments_cross({0, 0, 10, 0}, {0, 1, 10, 1}));  // parallel
  EXPECT_TRUE(segments_cross({0, 0, 10, 0}, {10, 0, 10, 5}));  // touching ends count
}

// A crowd of markers in one spot: every label lands inside the plot, on no marker and on no other
// label, the far ones joined to their marker by a leader.
TEST(LabelLayout, CrowdedLabelsNeverOverlap) {
  const Box bounds{0, 0, 600, 300};
  LabelLayout layout(bounds);
  std::vector<std::pair<double, double>> markers;
  for (int i = 0; i < 12; ++i) markers.emplace_back(300 + (i % 3) * 4, 150 + (i / 3) * 3);
  for (const auto& [x, y] : markers) layout.add_marker(x, y);
  layout.add_line({0, 100, 600, 100});
  std::vector<PlacedLabel> labels;
  for (const auto& [x, y] : markers) labels.push_back(layout.place_for_point(x, y, 70));
  int leaders = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    EXPECT_TRUE(labels[i].box.inside(bounds)) << i;
    leaders += labels[i].leader ? 1 : 0;
    for (const auto& [x, y] : markers) {
      EXPECT_FALSE(labels[i].box.overlaps({x - 6, y - 6, x + 6, y + 6})) << i;
    }
    for (size_t j = i + 1; j < labels.size(); ++j) {
      EXPECT_FALSE(labels[i].box.overlaps(labels[j].box)) << i << " and " << j;
    }
  }
  EXPECT_GT(leaders, 0);  // twelve labels cannot all sit beside a 12 x 9 px cluster
  // The first label, alone, takes the place right of its marker.
  LabelLayout alone(bounds);
  alone.add_marker(100, 100);
  const PlacedLabel first = alone.place_for_point(100, 100, 40);
  EXPECT_FALSE(first.leader);
  EXPECT_GT(first.box.x0, 100);
  // A line's label sits just above or below it, inside the plot.
  const PlacedLabel line = alone.place_for_line(200, 80);
  EXPECT_TRUE(line.box.inside(bounds));
  EXPECT_TRUE(line.box.y1 <= 200 || line.box.y0 >= 200);
}

TEST(ReportTable, HighlightsTheBestAmongAtLeastTwoRows) {
  const std::vector<Column> columns = {{"acc", "", Format::kMetric, true, true, true},
                                       {"ms", "", Format::kDuration, false, true, false}};
  const std::vector<TableRow> rows = {
      {"a", nullptr, {0.5, 2.0}}, {"b", "#000", {0.7, 0.0}}, {"c", nullptr, {std::nullopt, 3.0}}};
  std::string out;
  append_table(out, "method", columns, rows);
  EXPECT_NE(out.find("<td class=\"best\">0.7000</td>"), std::string::npos);
  EXPECT_NE(out.find("<td class=\"best\">2.00</td>"), std::string::npos);  // 0 ms: not applicable
  EXPECT_NE(out.find("<td class=\"missing\">—</td>"), std::string::npos);
  EXPECT_NE(out.find("class=\"headline\">acc</th>"), std::string::npos);
  EXPECT_NE(out.find("background:#000"), std::string::npos);
  std::string single;
  append_table(single, "method", columns, {rows[0]});
  EXPECT_THROW(append_table(single, "method", columns, {{"short", nullptr, {0.5}}}), Error);
  EXPECT_EQ(single.find("class=\"best\""), std::string::npos);  // nothing to compare with
}

}  // namespace
}  // namespace tessera::report
