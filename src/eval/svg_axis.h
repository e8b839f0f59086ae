// Axes of the reports' SVG plots: where values fall and which ticks are labelled, on a linear
// scale or a log scale of base 2 or 10. Pure arithmetic, no drawing.
#pragma once

#include <string>
#include <vector>

namespace tessera::report {

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

  double transform(double value) const;
  // Where value falls between the ends, 0 to 1.
  double fraction(double value) const { return (transform(value) - lo) / (hi - lo); }
  // The label of a tick.
  std::string label(double value) const;
};

// 1, 2 or 5 times a power of ten, near raw (> 0).
double nice_step(double raw);
// Ticks at a nice step, a margin beyond the values; never below 0 for values that are not.
Axis linear_axis(double min_value, double max_value);
// Powers of two, at least half an octave beyond the values on either side (values > 0).
Axis log2_axis(double min_value, double max_value);
// Ticks at 1, 2 and 5 times powers of ten over spans up to ~3 decades, at decades beyond
// (values > 0).
Axis log10_axis(double min_value, double max_value);

}  // namespace tessera::report
