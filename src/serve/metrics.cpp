#include "metrics.h"

#include <fmt/format.h>

namespace tessera::serve {

std::string prometheus_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Metrics::record(const std::string& route, int status, double seconds) {
  const std::lock_guard<std::mutex> guard(mutex_);
  ++requests_[{route, status}];
  Latency& latency = latency_[route];
  for (size_t b = 0; b < kBuckets.size(); ++b) {
    if (seconds <= kBuckets[b]) ++latency.buckets[b];
  }
  ++latency.count;
  latency.sum += seconds;
}

std::string Metrics::render(const std::string& extra) const {
  const std::lock_guard<std::mutex> guard(mutex_);
  std::string out;
  out += "# HELP tessera_requests_total Requests answered, by route and HTTP status.\n";
  out += "# TYPE tessera_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += fmt::format("tessera_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                       prometheus_label(key.first), key.second, count);
  }
  out += "# HELP tessera_errors_total Requests answered with a 4xx or 5xx status, by route.\n";
  out += "# TYPE tessera_errors_total counter\n";
  std::map<std::string, int64_t> errors;
  for (const auto& [key, count] : requests_) {
    if (key.second >= 400) errors[key.first] += count;
  }
  for (const auto& [route, count] : errors) {
    out += fmt::format("tessera_errors_total{{route=\"{}\"}} {}\n", prometheus_label(route), count);
  }
  out += "# HELP tessera_request_duration_seconds Time from request to response, by route.\n";
  out += "# TYPE tessera_request_duration_seconds histogram\n";
  for (const auto& [route, latency] : latency_) {
    const std::string label = prometheus_label(route);
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      out += fmt::format("tessera_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         label, kBuckets[b], latency.buckets[b]);
    }
    out += fmt::format("tessera_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       label, latency.count);
    out += fmt::format("tessera_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label,
                       latency.sum);
    out += fmt::format("tessera_request_duration_seconds_count{{route=\"{}\"}} {}\n", label,
                       latency.count);
  }
  return out + extra;
}

}  // namespace tessera::serve
