// Strict number parsing for readers: the whole field must be the number (no spaces, no junk).
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace tessera::data_detail {

inline bool parse_int64(std::string_view text, int64_t& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

inline bool parse_finite_double(std::string_view text, double& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc() && end == text.data() + text.size() &&
         std::isfinite(value);
}

}  // namespace tessera::data_detail
