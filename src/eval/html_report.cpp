// The retrieval report: metrics.json's methods as a table and three plots, on the report units
// (report_page.h, report_table.h, svg_plot.h).
#include "tessera/eval/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report_format.h"
#include "report_page.h"
#include "report_table.h"
#include "svg_plot.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;
using report::Format;

// The keys of a method that describe its cost; every other numeric key is a quality metric.
constexpr std::array<std::string_view, 7> kCostKeys = {
    "qps", "p50_ms", "p99_ms", "bytes_per_vector", "build_seconds", "index_bytes", "dim"};

bool is_cost_key(std::string_view key) {
  return std::find(kCostKeys.begin(), kCostKeys.end(), key) != kCostKeys.end();
}

// A string value as text: strings as they are, other JSON values (numbers) as JSON, null or
// missing as nothing.
std::string text_of(const Json& document, const char* key) {
  const auto it = document.find(key);
  if (it == document.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// The families tessera evaluates keep their colour from report to report; others follow.
constexpr std::array<std::string_view, 7> kKnownFamilies = {"flat", "bm25", "binary", "funnel",
                                                            "int8", "hnsw", "hybrid"};

struct Method {
  std::string name;
  const Json* values = nullptr;  // the method's object; null when it is not an object
  report::Mark mark;

  // flat@<d>: exact search at a Matryoshka prefix, the series the dims plot joins by a line.
  bool is_flat() const { return name.rfind("flat@", 0) == 0; }

  // The finite number under key, if any.
  std::optional<double> number(const std::string& key) const {
    if (values == nullptr) return std::nullopt;
    const auto it = values->find(key);
    if (it == values->end() || !it->is_number()) return std::nullopt;
    const double value = it->get<double>();
    if (!std::isfinite(value)) return std::nullopt;
    return value;
  }

  // "dim", or for flat@<d> without one, the d of the name.
  std::optional<double> dim() const {
    if (const auto value = number("dim")) return value;
    if (!is_flat()) return std::nullopt;
    const std::string_view suffix = std::string_view(name).substr(5);
    if (suffix.empty() || suffix.size() > 9 ||
        !std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stod(std::string(suffix));
  }
};

// The leading identifier of a name: "flat@256" -> "flat", "hybrid(bm25+flat@256)" -> "hybrid".
std::string family_of(const std::string& name) {
  const auto end = std::find_if(name.begin(), name.end(), [](char c) {
    return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '-');
  });
  return end == name.begin() ? name : std::string(name.begin(), end);
}

struct Report {
  std::vector<Method> methods;
  std::vector<std::string> metrics;  // the quality metric keys, in order of first appearance
  std::string headline;              // empty when there is no metric
  std::string requested_headline;    // "quality_metric" when no method has it
};

Report read_report(const Json& document) {
  TESSERA_CHECK(document.is_object(), "metrics document must be a JSON object, got {}",
                document.type_name());
  Report report;
  const auto methods = document.find("methods");
  if (methods != document.end() && !methods->is_null()) {
    TESSERA_CHECK(methods->is_object(), "\"methods\" must be a JSON object, got {}",
                  methods->type_name());
    std::vector<std::string> families(kKnownFamilies.begin(), kKnownFamilies.end());
    for (const auto& [name, values] : methods->items()) {
      Method method;
      method.name = name;
      method.values = values.is_object() ? &values : nullptr;
      const std::string family = family_of(name);
      const auto known = std::find(families.begin(), families.end(), family);
      method.mark = report::family_mark(static_cast<size_t>(known - families.begin()));
      if (known == families.end()) families.push_back(family);
      if (method.values != nullptr) {
        for (const auto& [key, value] : method.values->items()) {
          // null: what a NaN becomes in JSON; a metric whose value was lost is still a column.
          if (is_cost_key(key) || !(value.is_number() || value.is_null())) continue;
          if (std::find(report.metrics.begin(), report.metrics.end(), key) ==
              report.metrics.end()) {
            report.metrics.push_back(key);
          }
        }
      }
      report.methods.push_back(std::move(method));
    }
  }
  const auto quality = document.find("quality_metric");
  if (quality != document.end() && quality->is_string()) {
    const std::string requested = quality->get<std::string>();
    if (std::find(report.metrics.begin(), report.metrics.end(), requested) !=
        report.metrics.end()) {
      report.headline = requested;
    } else {
      report.requested_headline = requested;
    }
  }
  if (report.headline.empty() && !report.metrics.empty()) report.headline = report.metrics[0];
  return report;
}

// The table: dim, every metric, then the costs some method reports.
void append_methods_table(std::string& out, const Report& report) {
  struct Key {
    std::string key;
    report::Column column;
  };
  std::vector<Key> keys;
  keys.push_back({"dim", {"dim", "vector dimension", Format::kCount, true, false}});
  for (const std::string& metric : report.metrics) {
    keys.push_back({metric,
                    {metric, "quality: higher is better", Format::kMetric, true, true,
                     metric == report.headline}});
  }
  keys.push_back(
      {"qps", {"qps", "queries per second: higher is better", Format::kRate, true, true}});
  keys.push_back(
      {"p50_ms",
       {"p50 ms", "median query latency (ms): lower is better", Format::kDuration, false, true}});
  keys.push_back({"p99_ms",
                  {"p99 ms", "99th percentile query latency (ms): lower is better",
                   Format::kDuration, false, true}});
  keys.push_back({"bytes_per_vector",
                  {"bytes/vector", "bytes stored per document vector: lower is better",
                   Format::kCount, false, true}});
  keys.push_back(
      {"build_seconds",
       {"build s", "index build time (s): lower is better", Format::kDuration, false, true}});
  keys.push_back({"index_bytes",
                  {"index size", "index memory: lower is better", Format::kBytes, false, true}});
  // A cost column no method reports says nothing; metric columns always stay.
  std::erase_if(keys, [&](const Key& k) {
    if (!is_cost_key(k.key)) return false;
    return std::none_of(report.methods.begin(), report.methods.end(), [&](const Method& method) {
      return (method.values != nullptr && method.values->contains(k.key)) ||
             (k.key == "dim" && method.dim());
    });
  });
  std::vector<report::Column> columns;
  for (const Key& k : keys) columns.push_back(k.column);
  std::vector<report::TableRow> rows;
  for (const Method& method : report.methods) {
    report::TableRow row{method.name, method.mark.color, {}};
    for (const Key& k : keys)
      row.values.push_back(k.key == "dim" ? method.dim() : method.number(k.key));
    rows.push_back(std::move(row));
  }
  report::append_table(out, "method", columns, rows);
}

// The three plots of the headline metric: against dim, bytes per vector and queries per second;
// flat@<d> (the Matryoshka prefixes) joined by a line on each.
std::vector<report::Plot> make_plots(const Report& report) {
  const std::string& metric = report.headline;
  const auto plot = [&](const char* id, const std::string& x_title, const char* x_name,
                        const std::string& caption, const std::string& what, bool base2) {
    report::Plot p;
    p.id = id;
    p.title = metric + " vs " + x_title.substr(0, x_title.find(" ("));
    p.x_title = x_title;
    p.x_name = x_name;
    p.caption = caption;
    p.empty_note = "No method has both " + what + " and a " + metric + " value: plot skipped.";
    p.base2 = base2;
    p.x_format = base2 ? Format::kCount : Format::kRate;
    return p;
  };
  std::vector<report::Plot> plots = {
      plot("plot-dim", "dimension (log2 scale)", "dim",
           "flat@d (Matryoshka prefixes) joined by a line; other methods at their dim; dashed: "
           "methods without a dim.",
           "a dim", true),
      plot("plot-bytes", "bytes per vector (log2 scale)", "bytes/vector",
           "Memory per stored vector: up and to the left is better; flat@d joined by a line; "
           "dashed: methods that store no vectors.",
           "bytes_per_vector > 0", true),
      plot("plot-qps", "queries per second (log scale)", "qps",
           "Throughput: up and to the right is better; flat@d joined by a line; dashed: methods "
           "without a qps measurement.",
           "a qps", false)};

  for (const Method& method : report.methods) {
    // Values beyond +-1e15 (no metric or cost comes near) are left out: the axes' arithmetic
    // stays far from overflow.
    constexpr double kPlottable = 1e15;
    const auto quality = method.number(metric);
    if (!quality || std::abs(*quality) > kPlottable) continue;
    const std::array<std::optional<double>, 3> xs = {
        method.dim(), method.number("bytes_per_vector"), method.number("qps")};
    for (size_t p = 0; p < plots.size(); ++p) {
      if (xs[p] && *xs[p] > 1 / kPlottable && *xs[p] < kPlottable) {
        plots[p].points.push_back(
            {*xs[p], *quality, method.name, method.mark, method.is_flat() ? 0 : -1});
      } else {
        plots[p].references.push_back({*quality, method.name, method.mark});
      }
    }
  }
  return plots;
}

// The title, what was evaluated, and the answer at a glance.
void append_header(std::string& out, const Json& metrics, const Report& report) {
  using report::escape_html;
  using report::format_value;
  const std::string dataset = text_of(metrics, "dataset");
  const std::string split = text_of(metrics, "split");
  const std::string model = text_of(metrics, "model");
  out += "<header>\n";
  fmt::format_to(std::back_inserter(out), "<h1>Retrieval evaluation{}{}{}</h1>\n",
                 dataset.empty() ? "" : ": ", escape_html(dataset),
                 split.empty() ? "" : " <span class=\"split\">· " + escape_html(split) + "</span>");
  std::vector<std::string> facts;
  for (const char* key : {"queries", "documents"}) {
    const auto it = metrics.find(key);
    if (it == metrics.end() || it->is_null()) continue;
    const bool finite = it->is_number() && std::isfinite(it->get<double>());
    facts.push_back((finite ? format_value(it->get<double>(), Format::kCount)
                            : escape_html(text_of(metrics, key))) +
                    " " + key);
  }
  facts.push_back(model.empty() ? "no model" : "model <code>" + escape_html(model) + "</code>");
  std::string meta;
  for (size_t i = 0; i < facts.size(); ++i) meta += (i == 0 ? "" : " · ") + facts[i];
  fmt::format_to(std::back_inserter(out), "<p class=\"meta\">{}</p>\n", meta);

  // The best method by the headline metric, and the fastest.
  if (!report.headline.empty()) {
    const Method* best = nullptr;
    const Method* fastest = nullptr;
    for (const Method& method : report.methods) {
      const auto quality = method.number(report.headline);
      if (quality && (best == nullptr || *quality > *best->number(report.headline))) {
        best = &method;
      }
      const auto qps = method.number("qps");
      if (qps && *qps > 0 && (fastest == nullptr || *qps > *fastest->number("qps"))) {
        fastest = &method;
      }
    }
    std::string summary = "Headline metric <b>" + escape_html(report.headline) + "</b>";
    if (best != nullptr) {
      summary += fmt::format(": best <b><code>{}</code></b> {}", escape_html(best->name),
                             format_value(*best->number(report.headline), Format::kMetric));
    }
    if (fastest != nullptr) {
      summary +=
          fmt::format(" · fastest <b><code>{}</code></b> {} queries/s", escape_html(fastest->name),
                      format_value(*fastest->number("qps"), Format::kRate));
    }
    if (!report.requested_headline.empty()) {
      summary += " (quality_metric <code>" + escape_html(report.requested_headline) +
                 "</code> is in no method)";
    }
    fmt::format_to(std::back_inserter(out), "<p class=\"summary\">{}.</p>\n", summary);
  }
  out += "</header>\n";
}

}  // namespace

std::string render_html_report(const nlohmann::ordered_json& metrics) {
  const Report report = read_report(metrics);
  std::string body;
  append_header(body, metrics, report);
  body += "<section>\n<h2>Methods</h2>\n";
  if (report.methods.empty()) {
    body += "<p class=\"skipped\">No methods in the document.</p>\n";
  } else {
    append_methods_table(body, report);
    body +=
        "<p class=\"note\">Best value of each column highlighted: higher is better for quality "
        "metrics and qps, lower for latency, size and build time. — : not measured.</p>\n";
  }
  body += "</section>\n<section>\n<h2>Trade-offs</h2>\n";
  if (report.headline.empty()) {
    body += "<p class=\"skipped\">No quality metric in the document: plots skipped.</p>\n";
  } else {
    for (const report::Plot& plot : make_plots(report)) {
      report::append_plot(body, plot, report.headline);
    }
  }
  body += "</section>\n";
  const std::string dataset = text_of(metrics, "dataset");
  const std::string split = text_of(metrics, "split");
  std::string title = dataset.empty() ? "retrieval evaluation" : dataset;
  if (!split.empty()) title += " (" + split + ")";
  return report::html_page(title, body);
}

void write_html_report(const std::string& path, const nlohmann::ordered_json& metrics) {
  // Rendered first: an invalid document throws before any file is created.
  const std::string page = render_html_report(metrics);
  AtomicFile file(path);
  file.write(page);
  file.commit();
}

}  // namespace tessera
