// Text and numbers of the HTML reports: escaping, widths of labels, and how values are shown.
// Shared by every report page (report_page.h) and its tables and plots.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tessera::report {

// Safe in element content and in quoted attribute values alike.
std::string escape_html(std::string_view text);
// UTF-8 code points: the rendered width of a label in a monospace font, in characters.
size_t char_count(std::string_view text);
// Rounds to an integer and groups thousands: 1234567 -> "1,234,567".
std::string group_digits(double value);
// Short axis labels: 500, 2k, 50k, 1.5M, 1T.
std::string compact_number(double value);
// Labels of a log2 axis (powers of two): 0.5, 64, 8192, 16Ki, 4Mi, 2Gi.
std::string binary_compact_number(double value);

enum class Format {
  kMetric,    // 4 decimals
  kCount,     // an integer, thousands grouped
  kRate,      // per second: grouped integer from 1000 up, 1 decimal from 10, 3 digits below
  kDuration,  // about 3 significant digits
  kBytes,     // B, KiB, MiB, GiB
};

std::string format_value(double value, Format format);

}  // namespace tessera::report
