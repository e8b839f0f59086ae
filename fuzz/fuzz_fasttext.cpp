// Fuzzes FastTextReader: label prefixes, whitespace, empty labels and text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/data/labeled_text_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    tessera::FastTextReader reader(tessera::LineSource::from_memory("fuzz.txt", bytes));
    tessera::LabeledText item;
    while (reader.next(item)) {
      if (item.labels.empty() || item.text.empty()) __builtin_trap();
      for (const auto& label : item.labels) {
        if (label.empty()) __builtin_trap();
      }
    }
  } catch (const tessera::Error&) {
  }
  return 0;
}
