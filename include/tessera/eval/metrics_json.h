// metrics.json: the one schema of every evaluation report (html_report.h documents it), written
// beside the HTML page rendered from it.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "tessera/eval/ir_metrics.h"
#include "tessera/eval/retrieval_benchmark.h"

namespace tessera {

// The "methods" object: per method, its metric means (named by metric_name, IrMetric::name() by
// default), qps, p50_ms, p99_ms, bytes_per_vector (vector methods), build_seconds, index_bytes
// and dim (methods with one).
nlohmann::ordered_json methods_json(
    const BenchmarkResult& result,
    const std::function<std::string(const IrMetric&)>& metric_name = nullptr);

// Writes <directory>/metrics.json (creating the directory) atomically.
void write_metrics_json(const std::string& directory, const nlohmann::ordered_json& metrics);

// Writes <directory>/metrics.json and <directory>/report.html (creating the directory), each
// atomically.
void write_metrics_and_report(const std::string& directory, const nlohmann::ordered_json& metrics);

}  // namespace tessera
