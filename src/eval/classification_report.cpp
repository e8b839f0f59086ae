#include "tessera/eval/classification_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "report_format.h"
#include "report_page.h"
#include "report_table.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/eval/metrics_json.h"

namespace tessera {

namespace {

using nlohmann::ordered_json;

ordered_json counts_json(const LabelCounts& c) {
  return {{"gold", c.gold},       {"predicted", c.predicted},
          {"correct", c.correct}, {"precision", c.precision()},
          {"recall", c.recall()}, {"f1", c.f1()}};
}

// Horizontal bars of values in [0, 1], one per name.
std::string bars_svg(const std::vector<std::pair<std::string, double>>& bars) {
  constexpr int kRow = 16, kLabel = 180, kWidth = 360;
  std::string out =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img">)",
                  kLabel + kWidth + 50, kRow * static_cast<int>(bars.size()) + 4);
  for (size_t i = 0; i < bars.size(); ++i) {
    const int y = static_cast<int>(i) * kRow;
    const double w = std::clamp(bars[i].second, 0.0, 1.0) * kWidth;
    out += fmt::format(
        R"(<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>)"
        R"(<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="#0072b2"><title>{}: {:.4f}</title></rect>)"
        R"(<text x="{:.1f}" y="{}" font-size="11">{:.3f}</text>)",
        kLabel - 4, y + 12, report::escape_html(bars[i].first), kLabel, y + 2, w, kRow - 4,
        report::escape_html(bars[i].first), bars[i].second, kLabel + w + 4, y + 12, bars[i].second);
  }
  return out + "</svg>";
}

}  // namespace

ordered_json classification_report_json(const std::string& model, const std::string& input,
                                        const ClassificationMetrics& m,
                                        const std::vector<std::string>& names,
                                        const std::vector<std::vector<LabelScore>>& predictions,
                                        const std::vector<std::vector<int32_t>>& gold) {
  TESSERA_CHECK(predictions.size() == gold.size(), "{} predictions for {} texts",
                predictions.size(), gold.size());
  ordered_json out = {{"model", model}, {"input", input}, {"N", m.examples}};
  ordered_json at_k = ordered_json::object();
  for (size_t q = 0; q < m.ks.size(); ++q) at_k[std::to_string(m.ks[q])] = counts_json(m.at_k[q]);
  out["at_k"] = at_k;
  out["micro_f1"] = m.micro_f1;
  out["macro_f1"] = m.macro_f1;
  ordered_json labels = ordered_json::object();
  for (size_t l = 0; l < names.size(); ++l) labels[names[l]] = counts_json(m.labels[l]);
  out["labels"] = labels;
  if (names.size() <= kReportLabels) {
    std::vector<std::vector<int64_t>> counts(names.size(), std::vector<int64_t>(names.size(), 0));
    for (size_t i = 0; i < gold.size(); ++i) {
      if (gold[i].size() != 1 || gold[i][0] < 0 || predictions[i].empty()) continue;
      ++counts[static_cast<size_t>(gold[i][0])][static_cast<size_t>(predictions[i][0].label)];
    }
    out["confusion"] = {{"labels", names}, {"counts", counts}};
  }
  std::vector<int64_t> count(kCalibrationBins, 0), right(kCalibrationBins, 0);
  std::vector<double> confidence(kCalibrationBins, 0.0);
  for (size_t i = 0; i < gold.size(); ++i) {
    if (predictions[i].empty() || gold[i].empty()) continue;
    const LabelScore& top = predictions[i][0];
    const int bin =
        std::min(kCalibrationBins - 1, static_cast<int>(top.probability * kCalibrationBins));
    ++count[bin];
    confidence[bin] += top.probability;
    right[bin] += std::find(gold[i].begin(), gold[i].end(), top.label) != gold[i].end();
  }
  ordered_json bins = ordered_json::array();
  for (int b = 0; b < kCalibrationBins; ++b) {
    if (count[b] == 0) continue;
    bins.push_back({{"from", double(b) / kCalibrationBins},
                    {"to", double(b + 1) / kCalibrationBins},
                    {"texts", count[b]},
                    {"mean_probability", confidence[b] / double(count[b])},
                    {"accuracy", double(right[b]) / double(count[b])}});
  }
  out["calibration"] = bins;
  return out;
}

void write_classification_report(const std::string& directory, const ordered_json& metrics) {
  namespace fs = std::filesystem;
  using report::Column;
  using report::Format;
  using report::TableRow;
  std::string body = fmt::format("<h1>Classification: {}</h1><p>{} on {}: {} texts</p>",
                                 report::escape_html(metrics.at("input").get<std::string>()),
                                 report::escape_html(metrics.at("model").get<std::string>()),
                                 report::escape_html(metrics.at("input").get<std::string>()),
                                 metrics.at("N").get<int64_t>());
  // The figures at each k.
  std::vector<Column> columns = {{"P@k", "right predictions / predictions made"},
                                 {"R@k", "right predictions / gold labels"},
                                 {"F1", "of P@k and R@k"}};
  std::vector<TableRow> rows;
  for (const auto& [k, c] : metrics.at("at_k").items()) {
    rows.push_back({"k = " + k,
                    nullptr,
                    {c.at("precision").get<double>(), c.at("recall").get<double>(),
                     c.at("f1").get<double>()}});
  }
  report::append_table(body, "", columns, rows);
  body += fmt::format("<p>micro F1 {:.4f}, macro F1 {:.4f} (per-label figures at the first k)</p>",
                      metrics.at("micro_f1").get<double>(), metrics.at("macro_f1").get<double>());
  // Per label: the most frequent gold labels.
  std::vector<std::pair<std::string, const nlohmann::ordered_json*>> labels;
  for (const auto& [name, c] : metrics.at("labels").items()) labels.emplace_back(name, &c);
  std::stable_sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) {
    return a.second->at("gold").template get<int64_t>() >
           b.second->at("gold").template get<int64_t>();
  });
  if (labels.size() > kReportLabels) labels.resize(kReportLabels);
  body += fmt::format("<h2>Per label ({} most frequent)</h2>", labels.size());
  columns = {{"gold", "texts with the label", Format::kCount, true, false},
             {"predicted", "times predicted", Format::kCount, true, false},
             {"precision", ""},
             {"recall", ""},
             {"F1", ""}};
  rows.clear();
  std::vector<std::pair<std::string, double>> f1_bars;
  for (const auto& [name, c] : labels) {
    rows.push_back({name,
                    nullptr,
                    {double(c->at("gold").get<int64_t>()),
                     double(c->at("predicted").get<int64_t>()), c->at("precision").get<double>(),
                     c->at("recall").get<double>(), c->at("f1").get<double>()}});
    f1_bars.emplace_back(name, c->at("f1").get<double>());
  }
  report::append_table(body, "label", columns, rows);
  body += "<figure>" + bars_svg(f1_bars) + "<figcaption>F1 per label</figcaption></figure>";
  // Confusion matrix: rows gold, columns predicted, cells shaded by their share of the row.
  if (metrics.contains("confusion")) {
    const auto& names = metrics.at("confusion").at("labels");
    const auto& counts = metrics.at("confusion").at("counts");
    body += "<h2>Confusion (gold rows, top predicted label columns)</h2><table><tr><th></th>";
    for (const auto& n : names)
      body += "<th>" + report::escape_html(n.get<std::string>()) + "</th>";
    body += "</tr>";
    for (size_t r = 0; r < names.size(); ++r) {
      int64_t total = 0;
      for (const auto& v : counts[r]) total += v.get<int64_t>();
      body += "<tr><th>" + report::escape_html(names[r].get<std::string>()) + "</th>";
      for (const auto& v : counts[r]) {
        const double share = total > 0 ? double(v.get<int64_t>()) / double(total) : 0.0;
        body += fmt::format(R"x(<td style="background:rgba(0,114,178,{:.2f})">{}</td>)x", share,
                            v.get<int64_t>());
      }
      body += "</tr>";
    }
    body += "</table>";
  }
  // Calibration.
  body += "<h2>Calibration of the top label</h2>";
  columns = {{"texts", "", Format::kCount, true, false},
             {"mean probability", "", Format::kMetric, true, false},
             {"accuracy", "share of top labels that were right", Format::kMetric, true, false}};
  rows.clear();
  std::vector<std::pair<std::string, double>> accuracy_bars;
  for (const auto& bin : metrics.at("calibration")) {
    const std::string name =
        fmt::format("{:.1f}-{:.1f}", bin.at("from").get<double>(), bin.at("to").get<double>());
    rows.push_back({name,
                    nullptr,
                    {double(bin.at("texts").get<int64_t>()),
                     bin.at("mean_probability").get<double>(), bin.at("accuracy").get<double>()}});
    accuracy_bars.emplace_back(name, bin.at("accuracy").get<double>());
  }
  report::append_table(body, "probability", columns, rows);
  body += "<figure>" + bars_svg(accuracy_bars) +
          "<figcaption>Accuracy per probability bin (a calibrated model's bars reach their "
          "bin)</figcaption></figure>";

  write_metrics_json(directory, metrics);
  AtomicFile html((fs::path(directory) / "report.html").string());
  html.write(report::html_page("tessera classification report", body));
  html.commit();
}

}  // namespace tessera
