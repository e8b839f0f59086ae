#include "tessera/data/label_descriptions.h"

#include <fmt/format.h>

#include <string_view>
#include <unordered_map>

#include "tessera/data/source_error.h"

namespace tessera {

LabelDescriptions read_label_descriptions(LineSource source) {
  LabelDescriptions out;
  std::unordered_map<std::string, int64_t> line_of;
  std::string_view line;
  while (source.next(line)) {
    if (line.find_first_not_of(" \t\r\v\f") == std::string_view::npos) continue;
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) source.fail("label<TAB>text", quote_found(line));
    const std::string name(line.substr(0, tab));
    if (name.empty() || name.find_first_of(" \r\v\f") != std::string::npos) {
      source.fail("a label name without spaces before the tab", quote_found(line));
    }
    const auto [it, added] = line_of.emplace(name, source.line_number());
    if (!added) {
      source.fail("each label once",
                  fmt::format("'{}' again (first on line {})", name, it->second));
    }
    out.names.push_back(name);
    out.texts.emplace_back(line.substr(tab + 1));
  }
  if (out.names.empty()) source.fail("label<TAB>text lines", "none");
  return out;
}

}  // namespace tessera
