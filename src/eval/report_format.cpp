#include "report_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace tessera::report {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

size_t char_count(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string group_digits(double value) {
  const double rounded = std::round(value);
  if (std::abs(rounded) >= 1e15) return fmt::format("{:.3g}", value);
  const auto integer = static_cast<int64_t>(rounded);
  const std::string digits = std::to_string(integer < 0 ? -integer : integer);
  std::string out = integer < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string compact_number(double value) {
  const double magnitude = std::abs(value);
  if (magnitude >= 1e12) return fmt::format("{:g}T", value / 1e12);
  if (magnitude >= 1e9) return fmt::format("{:g}G", value / 1e9);
  if (magnitude >= 1e6) return fmt::format("{:g}M", value / 1e6);
  if (magnitude >= 1e3) return fmt::format("{:g}k", value / 1e3);
  return fmt::format("{:g}", value);
}

std::string binary_compact_number(double value) {
  if (value >= 0x1p30) return fmt::format("{:g}Gi", value / 0x1p30);
  if (value >= 0x1p20) return fmt::format("{:g}Mi", value / 0x1p20);
  if (value >= 0x1p14) return fmt::format("{:g}Ki", value / 0x1p10);
  return fmt::format("{:g}", value);
}

std::string format_value(double value, Format format) {
  const double magnitude = std::abs(value);
  switch (format) {
    case Format::kMetric:
      return magnitude < 1e6 ? fmt::format("{:.4f}", value) : fmt::format("{:.4g}", value);
    case Format::kCount:
      return value == std::round(value) ? group_digits(value) : fmt::format("{:.1f}", value);
    case Format::kRate:
      if (magnitude >= 1000) return group_digits(value);
      return magnitude >= 10 ? fmt::format("{:.1f}", value) : fmt::format("{:.3g}", value);
    case Format::kDuration:
      if (magnitude >= 100) return group_digits(value);
      if (magnitude >= 10) return fmt::format("{:.1f}", value);
      if (magnitude >= 1) return fmt::format("{:.2f}", value);
      if (magnitude >= 0.01 || magnitude == 0) return fmt::format("{:.3f}", value);
      return fmt::format("{:.4f}", value);
    case Format::kBytes: {
      if (magnitude < 1024) return group_digits(value) + " B";
      constexpr std::array<const char*, 5> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB"};
      double scaled = value / 1024;
      size_t unit = 0;
      while (std::abs(scaled) >= 1024 && unit + 1 < kUnits.size()) {
        scaled /= 1024;
        ++unit;
      }
      return std::abs(scaled) >= 100 ? fmt::format("{:.0f} {}", scaled, kUnits[unit])
                                     : fmt::format("{:.1f} {}", scaled, kUnits[unit]);
    }
  }
  return "";
}

}  // namespace tessera::report
