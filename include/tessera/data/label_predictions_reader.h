// Label predictions in fastText's predict-prob form, one line per text:
//   __label__x 0.93 __label__y 0.04
// (labels with the prefix, each followed by its probability; an empty line predicts nothing), as
// `tessera predict` and `fasttext predict-prob` write them, so that `tessera test` scores another
// tool's predictions with the same code. A token that is not a prefixed label where one is
// expected, a probability that is not a number in [0, 1] (fastText writes up to 1.00001), or a
// label without one is an error naming file and line.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tessera/data/line_source.h"

namespace tessera {

struct LabelPrediction {
  std::string label;
  float probability = 0;
};

// Every line's predictions, in order (blank lines are texts with no prediction).
std::vector<std::vector<LabelPrediction>> read_label_predictions(LineSource source,
                                                                 const std::string& label_prefix);

}  // namespace tessera
