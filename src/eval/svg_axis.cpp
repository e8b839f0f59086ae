#include "svg_axis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "report_format.h"

namespace tessera::report {

double Axis::transform(double value) const {
  if (!log) return value;
  return base2 ? std::log2(value) : std::log10(value);
}

std::string Axis::label(double value) const {
  if (!log) {
    return std::abs(value) < 1e6 ? fmt::format("{:.{}f}", value, decimals)
                                 : fmt::format("{:.3g}", value);
  }
  if (base2) return binary_compact_number(value);
  return compact_number(value);
}

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

}  // namespace tessera::report
