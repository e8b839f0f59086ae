// Label descriptions: a TSV file of `label<TAB>text` lines (further tabs belong to the text),
// the text a label is embedded from when a classifier's label tower reads texts (zero-shot
// labels: a label with a description can be predicted without a training example). Blank lines
// are skipped; a line without a tab, an empty label or a label given twice is an error naming
// file and line.
#pragma once

#include <string>
#include <vector>

#include "tessera/data/line_source.h"

namespace tessera {

struct LabelDescriptions {
  std::vector<std::string> names;
  std::vector<std::string> texts;  // one per name
};

LabelDescriptions read_label_descriptions(LineSource source);

}  // namespace tessera
