#include "label_layout.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace tessera::report {

namespace {
// What covering a line or crossing a leader line costs, in pixels of distance.
constexpr double kCrossingCost = 30;
}  // namespace

bool Box::overlaps(const Box& other) const {
  return x0 < other.x1 && other.x0 < x1 && y0 < other.y1 && other.y0 < y1;
}

double Box::overlap_area(const Box& other) const {
  const double width = std::min(x1, other.x1) - std::max(x0, other.x0);
  const double height = std::min(y1, other.y1) - std::max(y0, other.y0);
  return width > 0 && height > 0 ? width * height : 0;
}

bool Box::inside(const Box& outer) const {
  return x0 >= outer.x0 && x1 <= outer.x1 && y0 >= outer.y0 && y1 <= outer.y1;
}

std::pair<double, double> Box::nearest(double x, double y) const {
  return {std::clamp(x, x0, x1), std::clamp(y, y0, y1)};
}

bool Segment::hits(const Box& box) const {
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

bool segments_cross(const Segment& a, const Segment& b) {
  const auto side = [](double ax, double ay, double bx, double by, double cx, double cy) {
    const double cross = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    return (cross > 0) - (cross < 0);
  };
  return side(a.x0, a.y0, a.x1, a.y1, b.x0, b.y0) * side(a.x0, a.y0, a.x1, a.y1, b.x1, b.y1) <= 0 &&
         side(b.x0, b.y0, b.x1, b.y1, a.x0, a.y0) * side(b.x0, b.y0, b.x1, b.y1, a.x1, a.y1) <= 0;
}

LabelLayout::LabelLayout(Box bounds, LayoutMetrics metrics) : bounds_(bounds), metrics_(metrics) {}

void LabelLayout::add_marker(double x, double y) {
  const double r = metrics_.marker_radius + 1;
  markers_.push_back({x - r, y - r, x + r, y + r});
}

void LabelLayout::add_line(const Segment& segment) { lines_.push_back(segment); }

PlacedLabel LabelLayout::place_for_point(double x, double y, double width) {
  const double h = metrics_.label_height;
  const double r = metrics_.marker_radius;
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

PlacedLabel LabelLayout::place_for_line(double y, double width) {
  const double h = metrics_.label_height;
  std::vector<Candidate> candidates;
  const double span = bounds_.x1 - bounds_.x0 - width - 8;
  for (int step = 0; step <= 16; ++step) {
    const double x = bounds_.x1 - 4 - width - span * step / 16;
    candidates.push_back({{x, y - 2 - h, x + width, y - 2}, false, 4.0 * step});
    candidates.push_back({{x, y + 2, x + width, y + 2 + h}, false, 4.0 * step + 2});
  }
  return choose(candidates, std::nullopt);
}

PlacedLabel LabelLayout::choose(const std::vector<Candidate>& candidates,
                                std::optional<Position> anchor) {
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

double LabelLayout::overlap(const Box& box) const {
  double area = 0;
  for (const Box& label : labels_) area += box.overlap_area(label);
  for (const Box& marker : markers_) area += box.overlap_area(marker);
  return area;
}

Segment LabelLayout::leader_of(const Box& box, Position anchor) const {
  const auto [nx, ny] = box.nearest(anchor.x, anchor.y);
  const double length = std::max(std::hypot(nx - anchor.x, ny - anchor.y), 1e-9);
  const double start = std::min(length, metrics_.marker_radius + 1);
  return {anchor.x + (nx - anchor.x) * start / length, anchor.y + (ny - anchor.y) * start / length,
          nx, ny};
}

bool LabelLayout::leader_blocked(const Segment& leader, Position anchor) const {
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

}  // namespace tessera::report
