#include "tessera/data/arff_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <unordered_map>

#include "number_parse.h"
#include "tessera/data/source_error.h"

namespace tessera {

namespace {

constexpr std::string_view kSpace = " \t\r\v\f";

std::string_view trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// Whether s starts with keyword (ASCII, case-insensitive) followed by a space or its end.
bool starts_with_keyword(std::string_view s, std::string_view keyword) {
  if (s.size() < keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != keyword[i]) return false;
  }
  return s.size() == keyword.size() || kSpace.find(s[keyword.size()]) != std::string_view::npos;
}

// An ARFF name or value at the start of s: quoted ('...' or "..." with backslash escapes) or
// up to the first of `stops`; s is advanced past it. False on an unterminated quote.
bool take_token(std::string_view& s, std::string_view stops, std::string& out) {
  out.clear();
  if (!s.empty() && (s[0] == '\'' || s[0] == '"')) {
    const char quote = s[0];
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        out += s[++i];
      } else if (s[i] == quote) {
        s.remove_prefix(i + 1);
        return true;
      } else {
        out += s[i];
      }
    }
    return false;
  }
  const size_t end = s.find_first_of(stops);
  out = std::string(s.substr(0, end));
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return true;
}

// A binary attribute's type: {0,1} (either order, spaces allowed) or numeric / real / integer.
bool binary_type(std::string_view type) {
  if (starts_with_keyword(type, "numeric") || starts_with_keyword(type, "real") ||
      starts_with_keyword(type, "integer")) {
    return true;
  }
  std::string compact;
  for (const char c : type) {
    if (kSpace.find(c) == std::string_view::npos && c != '\'' && c != '"') compact += c;
  }
  return compact == "{0,1}" || compact == "{1,0}";
}

// A row's value: true for 1, false for 0; anything else is a source error.
bool parse_bit(const LineSource& source, const std::string& value, const std::string& attribute) {
  double v = 0;
  if (data_detail::parse_finite_double(value, v) && (v == 0.0 || v == 1.0)) return v == 1.0;
  source.fail(fmt::format("0 or 1 for attribute '{}'", attribute), quote_found(value));
}

std::string decode_xml_entities(std::string_view s) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool decoded = false;
    if (s[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (s.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size() - 1;
          decoded = true;
          break;
        }
      }
    }
    if (!decoded) out += s[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> read_mulan_labels(LineSource xml) {
  std::vector<std::string> names;
  std::string_view line;
  while (xml.next(line)) {
    for (size_t at = line.find("<label"); at != std::string_view::npos;
         at = line.find("<label", at + 1)) {
      std::string_view rest = line.substr(at + 6);
      if (rest.empty() || (rest[0] != ' ' && rest[0] != '\t' && rest[0] != '>' && rest[0] != '/')) {
        continue;  // <labels ...>, the root element
      }
      const size_t name = rest.find("name=");
      const size_t close = rest.find('>');
      if (name == std::string_view::npos || (close != std::string_view::npos && close < name)) {
        xml.fail("<label name=\"...\">", quote_found(line.substr(at)));
      }
      rest.remove_prefix(name + 5);
      const char quote = rest.empty() ? '\0' : rest[0];
      const size_t end =
          quote == '"' || quote == '\'' ? rest.find(quote, 1) : std::string_view::npos;
      if (end == std::string_view::npos || end == 1) {
        xml.fail("a quoted, non-empty label name", quote_found(line.substr(at)));
      }
      names.push_back(decode_xml_entities(rest.substr(1, end - 1)));
    }
  }
  if (names.empty()) xml.fail("<label name=\"...\"> elements", "none");
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  if (twice != sorted.end()) xml.fail("each label once", fmt::format("'{}' twice", *twice));
  return names;
}

std::vector<LabeledText> read_mulan_arff(LineSource arff,
                                         const std::vector<std::string>& label_names) {
  std::unordered_map<std::string, size_t> label_index;
  for (const std::string& name : label_names) label_index.emplace(name, label_index.size());
  std::vector<std::string> attributes;
  std::vector<int64_t> label_of;  // per attribute: its label's index, or -1 for a feature
  std::unordered_map<std::string, int64_t> line_of_attribute;
  std::string_view line;
  std::string token;
  bool data = false;
  while (!data && arff.next(line)) {
    const std::string_view s = trim(line);
    if (s.empty() || s[0] == '%') continue;
    if (starts_with_keyword(s, "@relation")) continue;
    if (starts_with_keyword(s, "@data")) {
      data = true;
      break;
    }
    if (!starts_with_keyword(s, "@attribute")) {
      arff.fail("@relation, @attribute or @data", quote_found(s));
    }
    std::string_view rest = trim(s.substr(10));
    if (!take_token(rest, kSpace, token) || token.empty()) {
      arff.fail("an attribute name", quote_found(s));
    }
    if (!line_of_attribute.emplace(token, arff.line_number()).second) {
      arff.fail("distinct attribute names",
                fmt::format("'{}' again (first on line {})", token, line_of_attribute[token]));
    }
    if (!binary_type(trim(rest))) {
      arff.fail(fmt::format("attribute '{}' of type {{0,1}} or numeric with values 0 and 1 "
                            "(numeric features: use the XC format)",
                            token),
                quote_found(trim(rest)));
    }
    const auto it = label_index.find(token);
    label_of.push_back(it == label_index.end() ? -1 : static_cast<int64_t>(it->second));
    attributes.push_back(token);
  }
  if (!data) arff.fail("an @data line", "the end of the file");
  for (const std::string& name : label_names) {
    if (!line_of_attribute.count(name)) {
      arff.fail(fmt::format("an attribute for label '{}' of the label file", name), "none");
    }
  }
  const auto n = static_cast<int64_t>(attributes.size());
  std::vector<LabeledText> out;
  std::vector<char> set(static_cast<size_t>(n));
  while (arff.next(line)) {
    std::string_view s = trim(line);
    if (s.empty() || s[0] == '%') continue;
    std::fill(set.begin(), set.end(), 0);
    if (s[0] == '{') {
      if (s.back() != '}') arff.fail("a sparse row ending in '}'", quote_found(s));
      s = trim(s.substr(1, s.size() - 2));
      int64_t previous = -1;
      while (!s.empty()) {
        const size_t space = s.find_first_of(kSpace);
        int64_t index = 0;
        if (space == std::string_view::npos ||
            !data_detail::parse_int64(s.substr(0, space), index) || index < 0 || index >= n) {
          arff.fail(fmt::format("\"index value\" with an index in [0, {})", n), quote_found(s));
        }
        if (index <= previous) arff.fail("indices ascending, each once", quote_found(s));
        previous = index;
        s = trim(s.substr(space));
        if (!take_token(s, ", \t\r\v\f", token)) arff.fail("a closed quote", quote_found(s));
        set[static_cast<size_t>(index)] =
            parse_bit(arff, std::string(trim(token)), attributes[static_cast<size_t>(index)]);
        s = trim(s);
        if (!s.empty()) {
          if (s[0] != ',') arff.fail("',' between sparse values", quote_found(s));
          s = trim(s.substr(1));
        }
      }
    } else {
      for (int64_t a = 0; a < n; ++a) {
        if (!take_token(s, ",", token)) arff.fail("a closed quote", quote_found(s));
        set[static_cast<size_t>(a)] =
            parse_bit(arff, std::string(trim(token)), attributes[static_cast<size_t>(a)]);
        if (a + 1 < n) {
          if (s.empty() || s[0] != ',') {
            arff.fail(fmt::format("{} comma-separated values", n), fmt::format("{}", a + 1));
          }
          s.remove_prefix(1);
        }
      }
      if (!trim(s).empty()) arff.fail(fmt::format("{} values", n), "more");
    }
    LabeledText& item = out.emplace_back();
    item.line = arff.line_number();
    for (int64_t a = 0; a < n; ++a) {
      if (!set[static_cast<size_t>(a)]) continue;
      const std::string& name = attributes[static_cast<size_t>(a)];
      if (label_of[static_cast<size_t>(a)] >= 0) {
        item.labels.push_back(name);
      } else {
        if (!item.text.empty()) item.text += ' ';
        item.text += name;
      }
    }
  }
  return out;
}

}  // namespace tessera
