// Fuzzes read_labeled_texts (JSONL labels, strings or lists, and text field specs; labeled TSV
// with named columns; fastText lines with optional labels), read_xc (the XC format) and the Mulan
// ARFF and label XML readers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/data/arff_reader.h"
#include "tessera/data/labeled_input.h"
#include "tessera/data/xc_reader.h"

namespace {

void read(std::string_view bytes, tessera::LabeledFormat format, bool labels_optional) {
  tessera::LabeledInputOptions options;
  options.labels_optional = labels_optional;
  if (format == tessera::LabeledFormat::kJsonl) options.field = "title+meta.text";
  if (format == tessera::LabeledFormat::kTsv) options.label_field = "tag", options.field = "a,b";
  try {
    const auto items = tessera::read_labeled_texts(tessera::LineSource::from_memory("fuzz", bytes),
                                                   format, options);
    for (const tessera::LabeledText& item : items) {
      if (!labels_optional && item.labels.empty()) __builtin_trap();
      for (const auto& label : item.labels) {
        if (label.empty()) __builtin_trap();
      }
      if (item.line < 1) __builtin_trap();
    }
  } catch (const tessera::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const auto format : {tessera::LabeledFormat::kJsonl, tessera::LabeledFormat::kTsv,
                            tessera::LabeledFormat::kFastText}) {
    read(bytes, format, false);
    read(bytes, format, true);
  }
  try {
    const tessera::XcData data = tessera::read_xc(tessera::LineSource::from_memory("fuzz", bytes));
    for (const tessera::XcPoint& point : data.points) {
      if (point.feature_ids.size() != point.values.size()) __builtin_trap();
      for (size_t i = 0; i < point.feature_ids.size(); ++i) {
        if (point.feature_ids[i] < 0 || point.feature_ids[i] >= data.features) __builtin_trap();
        if (i > 0 && point.feature_ids[i] <= point.feature_ids[i - 1]) __builtin_trap();
      }
      for (const int32_t label : point.labels) {
        if (label < 0 || label >= data.labels) __builtin_trap();
      }
    }
  } catch (const tessera::Error&) {
  }
  try {
    const auto names = tessera::read_mulan_labels(tessera::LineSource::from_memory("fuzz", bytes));
    if (names.empty()) __builtin_trap();
  } catch (const tessera::Error&) {
  }
  try {
    const auto items =
        tessera::read_mulan_arff(tessera::LineSource::from_memory("fuzz", bytes), {"L"});
    for (const tessera::LabeledText& item : items) {
      if (item.labels.size() > 1 || (item.labels.size() == 1 && item.labels[0] != "L")) {
        __builtin_trap();
      }
    }
  } catch (const tessera::Error&) {
  }
  return 0;
}
