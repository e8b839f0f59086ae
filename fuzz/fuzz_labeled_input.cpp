// Fuzzes read_labeled_texts: JSONL labels (strings or lists) and text field specs, labeled TSV
// with named columns, and fastText lines with optional labels.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/data/labeled_input.h"

namespace {

void read(std::string_view bytes, tessera::TextFormat format, bool labels_optional) {
  tessera::LabeledInputOptions options;
  options.labels_optional = labels_optional;
  if (format == tessera::TextFormat::kJsonl) options.field = "title+meta.text";
  if (format == tessera::TextFormat::kTsv) options.label_field = "tag", options.field = "a,b";
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
  for (const auto format :
       {tessera::TextFormat::kJsonl, tessera::TextFormat::kTsv, tessera::TextFormat::kPlain}) {
    read(bytes, format, false);
    read(bytes, format, true);
  }
  return 0;
}
