// Placing the text labels of a plot beside the things they name, without covering each other or
// any marker: pure geometry in screen coordinates (pixels, y down), no drawing.
//
// The greedy point-labelling heuristic: each label takes the cheapest candidate position that
// overlaps no label and no marker, where a position costs its distance from its anchor plus a
// penalty for every line it covers; a position not adjacent to its marker gets a leader line.
// Labels are placed in the order asked, so the first ones get the best places.
#pragma once

#include <optional>
#include <utility>
#include <vector>

namespace tessera::report {

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;

  bool overlaps(const Box& other) const;
  double overlap_area(const Box& other) const;
  bool inside(const Box& outer) const;
  // The point of the box nearest to (x, y).
  std::pair<double, double> nearest(double x, double y) const;
};

struct Segment {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;

  // Whether the segment crosses the box (Liang-Barsky clipping).
  bool hits(const Box& box) const;
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
bool segments_cross(const Segment& a, const Segment& b);

// The sizes the layout works with.
struct LayoutMetrics {
  double marker_radius = 5;
  double label_height = 16;  // a 12 px font and its padding
};

class LabelLayout {
 public:
  // Labels stay inside bounds.
  explicit LabelLayout(Box bounds, LayoutMetrics metrics = {});

  // Things labels must not cover: a marker centred at (x, y), a line (which they may cover at a
  // cost).
  void add_marker(double x, double y);
  void add_line(const Segment& segment);

  // A label of the given width for the marker at (x, y).
  PlacedLabel place_for_point(double x, double y, double width);
  // A label of the given width for a horizontal line across the plot at height y: near its
  // right end if there is room, else farther left, or near the left end.
  PlacedLabel place_for_line(double y, double width);

 private:
  struct Candidate {
    Box box;
    bool leader = false;  // needs a leader line to its marker
    double cost = 0;      // before line penalties
  };

  // The cheapest candidate inside the bounds that overlaps no label or marker (and whose leader
  // crosses none); when there is none, the one with the least overlap.
  PlacedLabel choose(const std::vector<Candidate>& candidates, std::optional<Position> anchor);
  // The area of box covered by labels and markers.
  double overlap(const Box& box) const;
  // From the edge of the marker at anchor to the nearest point of box.
  Segment leader_of(const Box& box, Position anchor) const;
  // A leader may not run through a label or another marker.
  bool leader_blocked(const Segment& leader, Position anchor) const;

  Box bounds_;
  LayoutMetrics metrics_;
  std::vector<Box> labels_;
  std::vector<Box> markers_;
  std::vector<Segment> lines_;    // data lines and reference lines
  std::vector<Segment> leaders_;  // leader lines placed so far
};

}  // namespace tessera::report
