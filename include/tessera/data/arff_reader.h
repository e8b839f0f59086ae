// Mulan's multi-label ARFF: an ARFF file (Weka's format: `@relation`, `@attribute NAME TYPE`
// lines, then `@data` rows, dense `v1,v2,...` or sparse `{index value, ...}`) whose label
// attributes are named by an XML file of `<label name="...">` elements (nested ones too, for
// hierarchies). Mulan's text sets (bibtex, delicious, enron, medical, ...) have binary
// attributes that are words: a row becomes a labeled text whose labels are the names of its
// label attributes set to 1 and whose text is the names of its other attributes set to 1,
// joined with a space, so inputs and label names share one word space.
//
// Attributes must be binary: nominal {0,1} or numeric with values 0 and 1 only (numeric features
// belong in the XC format, xc_reader.h). `%` starts a comment line; keywords are
// case-insensitive; names may be quoted with ' or " (backslash escapes). A row may have no label
// (every label 0): multi-label data holds such points. Errors name file and line.
#pragma once

#include <string>
#include <vector>

#include "tessera/data/labeled_text_reader.h"
#include "tessera/data/line_source.h"

namespace tessera {

// The names of a Mulan label XML's <label name="..."> elements in order (XML entities decoded).
std::vector<std::string> read_mulan_labels(LineSource xml);

// The rows of an ARFF file as labeled texts; label_names say which attributes are labels (each
// must be one).
std::vector<LabeledText> read_mulan_arff(LineSource arff,
                                         const std::vector<std::string>& label_names);

}  // namespace tessera
