#include "tessera/eval/metrics_json.h"

#include <filesystem>

#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/eval/html_report.h"

namespace tessera {

nlohmann::ordered_json methods_json(
    const BenchmarkResult& result, const std::function<std::string(const IrMetric&)>& metric_name) {
  nlohmann::ordered_json methods = nlohmann::ordered_json::object();
  for (const MethodResult& method : result.methods) {
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    for (size_t m = 0; m < method.evaluation.metrics.size(); ++m) {
      const IrMetric& metric = method.evaluation.metrics[m];
      entry[metric_name ? metric_name(metric) : metric.name()] = method.evaluation.means[m];
    }
    entry["qps"] = method.queries_per_second;
    entry["p50_ms"] = method.p50_ms;
    entry["p99_ms"] = method.p99_ms;
    if (method.bytes_per_vector > 0) entry["bytes_per_vector"] = method.bytes_per_vector;
    entry["build_seconds"] = method.build_seconds;
    entry["index_bytes"] = method.index_bytes;
    if (method.dim > 0) entry["dim"] = method.dim;
    methods[method.name] = std::move(entry);
  }
  return methods;
}

void write_metrics_json(const std::string& directory, const nlohmann::ordered_json& metrics) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(directory, error);
  TESSERA_CHECK(!error, "cannot create output directory {}: {}", directory, error.message());
  AtomicFile file((fs::path(directory) / "metrics.json").string());
  file.write(metrics.dump(1) + "\n");
  file.commit();
}

void write_metrics_and_report(const std::string& directory, const nlohmann::ordered_json& metrics) {
  write_metrics_json(directory, metrics);
  write_html_report((std::filesystem::path(directory) / "report.html").string(), metrics);
}

}  // namespace tessera
