// The report of `tessera test --report DIR`: metrics.json and one self-contained report.html
// (the report units: page, tables) with the figures at each k, per-label precision / recall /
// F1 (a table and bars, the 50 most frequent gold labels), the confusion matrix of the top
// label against the gold one (texts with one gold label, up to 50 labels), and calibration:
// the texts binned by the probability of their top label, each bin's mean probability against
// the share of top labels that were right.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tessera/eval/classification_metrics.h"

namespace tessera {

inline constexpr size_t kReportLabels = 50;
inline constexpr int kCalibrationBins = 10;

// metrics.json's content: {model, input, N, at_k, micro_f1, macro_f1, labels (per label),
// confusion (when drawn: labels, counts row by gold), calibration (bins)}.
nlohmann::ordered_json classification_report_json(
    const std::string& model, const std::string& input, const ClassificationMetrics& metrics,
    const std::vector<std::string>& names, const std::vector<std::vector<LabelScore>>& predictions,
    const std::vector<std::vector<int32_t>>& gold);

// Writes <directory>/metrics.json and <directory>/report.html (creating the directory), each
// atomically.
void write_classification_report(const std::string& directory,
                                 const nlohmann::ordered_json& metrics);

}  // namespace tessera
