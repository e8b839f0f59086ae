// The Extreme Classification Repository's sparse text format (Bhatia et al.), as bibtex,
// delicious and the large XC benchmarks ship:
//   N D L                         points, features, labels
//   l1,l2,... f1:v1 f2:v2 ...     one point a line: its label ids, then its weighted feature ids
// Label and feature ids are 0-based; a point may have no label (the line starts with a space) or
// no feature; blank lines after the N points are ignored. Every id out of range, a repeated
// feature, a value that is not a finite float, or a point count other than N is an error naming
// file and line.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/data/line_source.h"

namespace tessera {

struct XcPoint {
  std::vector<int32_t> labels;       // distinct, in the line's order
  std::vector<int32_t> feature_ids;  // ascending
  std::vector<float> values;         // values[i] belongs to feature_ids[i]
  int64_t line = 0;
};

struct XcData {
  int64_t features = 0;  // D
  int64_t labels = 0;    // L
  std::vector<XcPoint> points;
};

XcData read_xc(LineSource source);

}  // namespace tessera
