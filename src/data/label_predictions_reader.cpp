#include "tessera/data/label_predictions_reader.h"

#include <fmt/format.h>

#include <string_view>

#include "number_parse.h"
#include "tessera/data/source_error.h"

namespace tessera {

std::vector<std::vector<LabelPrediction>> read_label_predictions(LineSource source,
                                                                 const std::string& label_prefix) {
  std::vector<std::vector<LabelPrediction>> out;
  std::string_view line;
  while (source.next(line)) {
    std::vector<LabelPrediction>& row = out.emplace_back();
    size_t pos = 0;
    bool want_label = true;
    for (;;) {
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
      if (pos >= line.size()) break;
      size_t stop = pos;
      while (stop < line.size() && line[stop] != ' ' && line[stop] != '\t') ++stop;
      const std::string_view token = line.substr(pos, stop - pos);
      pos = stop;
      if (want_label) {
        if (!token.starts_with(label_prefix) || token.size() == label_prefix.size()) {
          source.fail(fmt::format("a label starting with '{}'", label_prefix), quote_found(token));
        }
        row.push_back({std::string(token.substr(label_prefix.size())), 0.0f});
      } else {
        double p = 0;
        if (!data_detail::parse_finite_double(token, p) || p < 0 || p > 1.001) {
          source.fail("a probability in [0, 1] after the label", quote_found(token));
        }
        row.back().probability = static_cast<float>(p);
      }
      want_label = !want_label;
    }
    if (!want_label) source.fail("a probability after the label", "the end of the line");
  }
  return out;
}

}  // namespace tessera
