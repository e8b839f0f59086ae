// The fields of a line separated by runs of spaces and tabs (word2vec's files end each line with a
// space; the word benchmarks mix tabs and spaces).
#pragma once

#include <string_view>
#include <vector>

namespace tessera::data_detail {

inline void split_whitespace_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
}

}  // namespace tessera::data_detail
