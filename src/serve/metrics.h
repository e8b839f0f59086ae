// The server's counters, in Prometheus' text exposition format (version 0.0.4): requests by
// route and status, their latency as a histogram, and errors by type. Collections' sizes are
// added when the page is rendered.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace tessera::serve {

class Metrics {
 public:
  // route: the route's pattern ("/collections/{name}/search"), never a raw path (bounded labels).
  void record(const std::string& route, int status, double seconds);
  // Every counter, as Prometheus text; `extra` (gauges of the caller) is appended.
  std::string render(const std::string& extra) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};
  struct Latency {
    std::array<int64_t, kBuckets.size()> buckets{};
    int64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;  // (route, status)
  std::map<std::string, Latency> latency_;                   // route
};

// A label value escaped as the format requires (backslash, quote, newline).
std::string prometheus_label(const std::string& value);

}  // namespace tessera::serve
