// The HTML report: escaping, the table (every method, "—" for missing values, best values
// highlighted), one marker per plotted method and skipped plots, non-numeric and non-finite values,
// balanced tags, labels that do not overlap, determinism, and atomic writing.
#include "tessera/eval/html_report.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../core/test_support.h"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;
using testing::error_message;
using testing::TempDir;

// A SciFact-like evaluation: every kind of method, bm25 and hybrid without a dim.
Json scifact_metrics() {
  return Json::parse(R"json({
    "dataset": "scifact", "split": "test", "queries": 300, "documents": 5183,
    "model": "m.safetensors", "quality_metric": "nDCG@10",
    "methods": {
      "bm25": {"nDCG@10": 0.677, "Recall@100": 0.925, "MRR@10": 0.641, "qps": 29000,
               "p50_ms": 0.05, "p99_ms": 0.3, "bytes_per_vector": 0, "build_seconds": 0.31,
               "index_bytes": 3456789},
      "flat@32": {"nDCG@10": 0.74, "qps": 98000, "dim": 32, "bytes_per_vector": 128},
      "flat@64": {"nDCG@10": 0.82, "qps": 61000, "dim": 64, "bytes_per_vector": 256},
      "flat@128": {"nDCG@10": 0.84, "qps": 33000, "dim": 128, "bytes_per_vector": 512},
      "flat@256": {"nDCG@10": 0.85, "Recall@100": 0.975, "MRR@10": 0.817, "qps": 17000,
                    "p50_ms": 0.058, "p99_ms": 0.2, "dim": 256, "bytes_per_vector": 1024,
                    "build_seconds": 0.09, "index_bytes": 5307392},
      "binary@256+rescore": {"nDCG@10": 0.851, "qps": 52000, "dim": 256, "bytes_per_vector": 32},
      "funnel@64>256": {"nDCG@10": 0.849, "qps": 44000, "dim": 256, "bytes_per_vector": 256},
      "int8@256": {"nDCG@10": 0.85, "qps": 38000, "dim": 256, "bytes_per_vector": 256},
      "hnsw@256": {"nDCG@10": 0.848, "qps": 71000, "dim": 256, "bytes_per_vector": 1280},
      "hybrid(bm25+flat@256)": {"nDCG@10": 0.86, "qps": 11000}
    }})json");
}

// A quickstart evaluation: accuracy metrics instead of nDCG, no quality_metric.
Json quickstart_metrics() {
  return Json::parse(R"json({
    "dataset": "quickstart", "split": "dev", "queries": 200, "documents": 200,
    "model": "quickstart.safetensors",
    "methods": {
      "flat@256": {"acc@1": 0.615, "acc@10": 0.905, "MRR": 0.712, "qps": 21000, "dim": 256,
                    "bytes_per_vector": 1024},
      "bm25": {"acc@1": 0.54, "acc@10": 0.835, "MRR": 0.631, "qps": 45000},
      "hybrid(bm25+flat@256)": {"acc@1": 0.66, "acc@10": 0.93, "MRR": 0.758, "qps": 9000}
    }})json");
}

std::string escaped(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The text from the first `begin` to the following `end` (inclusive); "" when absent.
std::string between(const std::string& text, const std::string& begin, const std::string& end) {
  const size_t from = text.find(begin);
  if (from == std::string::npos) return "";
  const size_t to = text.find(end, from);
  if (to == std::string::npos) return "";
  return text.substr(from, to + end.size() - from);
}

std::string figure(const std::string& html, const std::string& id) {
  return between(html, "<figure class=\"plot\" id=\"" + id + "\">", "</figure>");
}

// The row of the table that starts with the method's (escaped) name.
std::string row(const std::string& html, const std::string& escaped_name) {
  return between(between(html, "<tbody>", "</tbody>"), "</span>" + escaped_name + "</td>", "</tr>");
}

// Checks that every element is closed in order (void elements and `/>` aside) and that no text
// holds a raw '<'; the contents of <style> are skipped.
::testing::AssertionResult balanced_tags(const std::string& html) {
  std::vector<std::string> open;
  size_t at = 0;
  while ((at = html.find('<', at)) != std::string::npos) {
    const size_t close = html.find('>', at);
    if (close == std::string::npos) return ::testing::AssertionFailure() << "unclosed '<'";
    const std::string tag = html.substr(at + 1, close - at - 1);
    at = close + 1;
    if (tag.empty() || tag[0] == '!') continue;
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) {
        return ::testing::AssertionFailure()
               << "</" << name << "> closes <" << (open.empty() ? "" : open.back()) << ">";
      }
      open.pop_back();
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" \n/"));
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) {
      return ::testing::AssertionFailure() << "stray '<' before \"" << tag.substr(0, 20) << "\"";
    }
    if (tag.back() == '/' || name == "meta") continue;
    if (name == "style") {
      at = html.find("</style>", at);
      if (at == std::string::npos) return ::testing::AssertionFailure() << "unclosed <style>";
      at += 8;
      continue;
    }
    open.push_back(name);
  }
  if (!open.empty()) return ::testing::AssertionFailure() << "<" << open.back() << "> not closed";
  return ::testing::AssertionSuccess();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HtmlReport, EscapesEveryStringFromTheDocument) {
  Json metrics = scifact_metrics();
  metrics["dataset"] = "sci<b>fact</b> & co";
  metrics["model"] = "a\"b'.safetensors";
  metrics["methods"]["<script>alert(1)</script>"] = {{"nDCG@10", 0.9}, {"qps", 100}, {"dim", 8}};
  metrics["methods"]["a&b"] = {{"nDCG@10", 0.1}, {"<i>metric</i>", 0.5}};
  const std::string html = render_html_report(metrics);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>fact"), std::string::npos);
  EXPECT_EQ(html.find("<i>metric"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("sci&lt;b&gt;fact&lt;/b&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("a&quot;b&#39;.safetensors"), std::string::npos);
  EXPECT_NE(html.find("&lt;i&gt;metric&lt;/i&gt;"), std::string::npos);
  EXPECT_FALSE(row(html, "a&amp;b").empty());
  // The name is escaped in the plots' labels too: points on the dim and qps plots, a reference
  // line (no bytes_per_vector) on the bytes plot.
  EXPECT_EQ(count(html, ">&lt;script&gt;alert(1)&lt;/script&gt;</text>"), 3u);
  EXPECT_NE(html.find("&gt;256</text>"), std::string::npos);  // funnel@64&gt;256
  EXPECT_TRUE(balanced_tags(html));
}

TEST(HtmlReport, TableHasEveryMethodAndColumnInDocumentOrder) {
  const Json metrics = scifact_metrics();
  const std::string html = render_html_report(metrics);
  const std::string table = between(html, "<table>", "</table>");
  size_t previous = 0;
  for (const auto& [name, values] : metrics["methods"].items()) {
    const size_t at = table.find("</span>" + escaped(name) + "</td>");
    ASSERT_NE(at, std::string::npos) << name;
    EXPECT_GT(at, previous) << name;
    previous = at;
  }
  EXPECT_EQ(count(table, "<tr>"), 1u + metrics["methods"].size());
  for (const std::string header :
       {">dim<", ">nDCG@10<", ">Recall@100<", ">MRR@10<", ">qps<", ">p50 ms<", ">p99 ms<",
        ">bytes/vector<", ">build s<", ">index size<"}) {
    EXPECT_NE(table.find(header), std::string::npos) << header;
  }
  // Metrics with 4 decimals, costs in their units.
  const std::string bm25 = row(html, "bm25");
  EXPECT_NE(bm25.find(">0.6770<"), std::string::npos);
  EXPECT_NE(bm25.find(">29,000<"), std::string::npos);
  EXPECT_NE(bm25.find(">0.050<"), std::string::npos);
  EXPECT_NE(bm25.find(">3.3 MiB<"), std::string::npos);
  EXPECT_NE(row(html, "flat@256").find(">1,024<"), std::string::npos);
  EXPECT_NE(html.find("300 queries · 5,183 documents · model <code>m.safetensors</code>"),
            std::string::npos);
}

TEST(HtmlReport, MissingValuesRenderAsDash) {
  const std::string html = render_html_report(scifact_metrics());
  // flat@32 has nDCG@10, qps, dim and bytes only: Recall@100, MRR@10, p50, p99, build, size.
  const std::string dense32 = row(html, "flat@32");
  EXPECT_EQ(count(dense32, "<td class=\"missing\">—</td>"), 6u);
  EXPECT_NE(dense32.find(">0.7400<"), std::string::npos);
  // bm25 has no dim; its bytes_per_vector is 0 (shown, never the best).
  const std::string bm25 = row(html, "bm25");
  EXPECT_EQ(count(bm25, "<td class=\"missing\">—</td>"), 1u);
  EXPECT_NE(bm25.find("<td>0</td>"), std::string::npos);
  // A cost no method reports gets no column at all.
  Json metrics = quickstart_metrics();
  const std::string quick = render_html_report(metrics);
  EXPECT_EQ(quick.find(">p50 ms<"), std::string::npos);
  EXPECT_EQ(quick.find(">index size<"), std::string::npos);
}

TEST(HtmlReport, HighlightsTheBestValueOfEachColumn) {
  const Json metrics = Json::parse(R"({"methods": {
      "a": {"nDCG@10": 0.5, "qps": 100, "p50_ms": 1.0, "bytes_per_vector": 0},
      "b": {"nDCG@10": 0.7, "qps": 50, "p50_ms": 2.0, "bytes_per_vector": 64},
      "c": {"nDCG@10": 0.7, "qps": 10, "bytes_per_vector": 128}}})");
  const std::string html = render_html_report(metrics);
  EXPECT_EQ(count(html, "<td class=\"best\">0.7000</td>"), 2u);  // ties: both
  EXPECT_EQ(html.find("<td class=\"best\">0.5000</td>"), std::string::npos);
  EXPECT_NE(row(html, "a").find("<td class=\"best\">100.0</td>"), std::string::npos);
  EXPECT_NE(row(html, "a").find("<td class=\"best\">1.00</td>"), std::string::npos);
  // Bytes: the smallest positive value; 0 means "stores no vectors".
  EXPECT_NE(row(html, "b").find("<td class=\"best\">64</td>"), std::string::npos);
  EXPECT_EQ(row(html, "a").find("<td class=\"best\">0</td>"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"best\""), 5u);
  // The best method by the headline metric (the first of equals) and the fastest, at a glance.
  EXPECT_NE(html.find("best <b><code>b</code></b> 0.7000"), std::string::npos);
  EXPECT_NE(html.find("fastest <b><code>a</code></b> 100.0 queries/s"), std::string::npos);
}

TEST(HtmlReport, PlotsHaveOneMarkerPerMethodWithAValueOnTheirAxis) {
  const std::string html = render_html_report(scifact_metrics());
  const std::string dim = figure(html, "plot-dim");
  const std::string bytes = figure(html, "plot-bytes");
  const std::string qps = figure(html, "plot-qps");
  for (const std::string* plot : {&dim, &bytes, &qps}) {
    ASSERT_FALSE(plot->empty());
    EXPECT_EQ(count(*plot, "<svg "), 1u);
    EXPECT_EQ(count(*plot, "</svg>"), 1u);
  }
  // dim: the four flat@d on a line, binary, funnel, int8 and hnsw as points; bm25 and hybrid
  // (no dim) as dashed reference lines.
  EXPECT_EQ(count(dim, "class=\"pt\""), 8u);
  EXPECT_EQ(count(dim, "<polyline class=\"line\""), 1u);
  EXPECT_EQ(count(between(dim, "<polyline", "/>"), ","), 4u);
  EXPECT_EQ(count(dim, "<line class=\"ref\""), 2u);
  EXPECT_NE(dim.find("<title>bm25: 0.6770</title>"), std::string::npos);
  // bytes: every method with bytes_per_vector > 0 (not bm25's 0, not hybrid's missing one).
  EXPECT_EQ(count(bytes, "class=\"pt\""), 8u);
  EXPECT_EQ(count(bytes, "<line class=\"ref\""), 2u);
  // qps: every method, each labelled with its name; the flat@d on a line here too.
  EXPECT_EQ(count(qps, "class=\"pt\""), 10u);
  EXPECT_EQ(count(qps, "<line class=\"ref\""), 0u);
  EXPECT_EQ(count(qps, "<polyline class=\"line\""), 1u);
  EXPECT_EQ(count(bytes, "<polyline class=\"line\""), 1u);
  EXPECT_EQ(count(qps, "<text class=\"lbl\""), 10u);
  EXPECT_NE(qps.find(">hybrid(bm25+flat@256)</text>"), std::string::npos);
  // Axes: log2 ticks on the dim plot, 1-2-5 ticks on the qps plot; the headline as y title.
  EXPECT_NE(dim.find(">32</text>"), std::string::npos);
  EXPECT_NE(dim.find(">256</text>"), std::string::npos);
  EXPECT_NE(qps.find(">10k</text>"), std::string::npos);
  EXPECT_NE(qps.find(">50k</text>"), std::string::npos);
  EXPECT_NE(qps.find("rotate(-90)\" text-anchor=\"middle\">nDCG@10</text>"), std::string::npos);
  EXPECT_NE(html.find("<h3>nDCG@10 vs dimension</h3>"), std::string::npos);
}

// Reads the point labels of one plot back as boxes (same width estimate as the renderer: a
// monospace font, 0.62 em per character) and checks that no two overlap.
TEST(HtmlReport, PointLabelsDoNotOverlap) {
  for (const Json& metrics : {scifact_metrics(), quickstart_metrics()}) {
    const std::string html = render_html_report(metrics);
    for (const std::string id : {"plot-dim", "plot-bytes", "plot-qps"}) {
      const std::string plot = figure(html, id);
      struct Box {
        double x0, y0, x1, y1;
      };
      std::vector<Box> boxes;
      const std::string open = "<text class=\"lbl\" x=\"";
      for (size_t at = plot.find(open); at != std::string::npos; at = plot.find(open, at + 1)) {
        double x = 0;
        double y = 0;
        ASSERT_EQ(std::sscanf(plot.c_str() + at + open.size(), "%lf\" y=\"%lf\"", &x, &y), 2);
        const size_t text = plot.find('>', at) + 1;
        const std::string label = plot.substr(text, plot.find("</text>", text) - text);
        size_t chars = 0;  // an entity (&lt;) is one character
        for (size_t c = 0; c < label.size(); ++c, ++chars) {
          if (label[c] == '&') c = label.find(';', c);
        }
        const double width = static_cast<double>(chars) * 0.62 * 12;
        boxes.push_back({x, y - 12, x + width, y + 3});
      }
      for (size_t i = 0; i < boxes.size(); ++i) {
        for (size_t j = i + 1; j < boxes.size(); ++j) {
          const bool overlap = boxes[i].x0 < boxes[j].x1 && boxes[j].x0 < boxes[i].x1 &&
                               boxes[i].y0 < boxes[j].y1 && boxes[j].y0 < boxes[i].y1;
          EXPECT_FALSE(overlap) << id << ": labels " << i << " and " << j;
        }
      }
    }
  }
}

TEST(HtmlReport, AccuracyMetricsOfQuickstartReports) {
  const std::string html = render_html_report(quickstart_metrics());
  const std::string table = between(html, "<table>", "</table>");
  for (const std::string header : {">acc@1<", ">acc@10<", ">MRR<"}) {
    EXPECT_NE(table.find(header), std::string::npos) << header;
  }
  // Without quality_metric the headline is the first metric of the first method.
  EXPECT_NE(html.find("<th title=\"quality: higher is better (headline metric)\" "
                      "class=\"headline\">acc@1</th>"),
            std::string::npos);
  EXPECT_NE(html.find("<h3>acc@1 vs queries per second</h3>"), std::string::npos);
  EXPECT_EQ(count(figure(html, "plot-dim"), "class=\"pt\""), 1u);
  EXPECT_EQ(count(figure(html, "plot-dim"), "<line class=\"ref\""), 2u);
  EXPECT_EQ(count(figure(html, "plot-qps"), "class=\"pt\""), 3u);
  EXPECT_NE(row(html, "hybrid(bm25+flat@256)").find("<td class=\"best\">0.6600</td>"),
            std::string::npos);
  EXPECT_TRUE(balanced_tags(html));
}

TEST(HtmlReport, QualityMetricChoosesTheHeadline) {
  Json metrics = scifact_metrics();
  metrics["quality_metric"] = "Recall@100";
  std::string html = render_html_report(metrics);
  EXPECT_NE(html.find("<h3>Recall@100 vs dimension</h3>"), std::string::npos);
  EXPECT_EQ(count(figure(html, "plot-qps"), "class=\"pt\""), 2u);  // bm25 and flat@256
  metrics["quality_metric"] = "nDCG@1000";  // in no method: the default, and a note
  html = render_html_report(metrics);
  EXPECT_NE(html.find("<h3>nDCG@10 vs dimension</h3>"), std::string::npos);
  EXPECT_NE(html.find("quality_metric <code>nDCG@1000</code> is in no method"), std::string::npos);
}

TEST(HtmlReport, Bm25OnlySkipsThePlotsWithoutPoints) {
  const Json metrics = Json::parse(R"({"dataset": "scifact", "split": "test", "queries": 300,
      "documents": 5183, "model": null,
      "methods": {"bm25": {"nDCG@10": 0.677, "Recall@100": 0.925, "qps": 29000,
                           "build_seconds": 0.3}}})");
  const std::string html = render_html_report(metrics);
  EXPECT_FALSE(row(html, "bm25").empty());
  EXPECT_NE(html.find("no model"), std::string::npos);
  for (const std::string id : {"plot-dim", "plot-bytes"}) {
    const std::string plot = figure(html, id);
    ASSERT_FALSE(plot.empty()) << id;
    EXPECT_EQ(plot.find("<svg"), std::string::npos) << id;
    EXPECT_NE(plot.find("<p class=\"skipped\">No method has"), std::string::npos) << id;
  }
  EXPECT_EQ(count(figure(html, "plot-qps"), "class=\"pt\""), 1u);
  EXPECT_EQ(count(html, "<svg"), 1u);
  EXPECT_TRUE(balanced_tags(html));

  // No qps either: every plot skipped; no method at all: a note instead of the table.
  Json no_qps = metrics;
  no_qps["methods"]["bm25"].erase("qps");
  EXPECT_EQ(count(render_html_report(no_qps), "<svg"), 0u);
  EXPECT_EQ(count(render_html_report(no_qps), "<p class=\"skipped\">"), 3u);
  const std::string empty = render_html_report(Json::object());
  EXPECT_NE(empty.find("No methods in the document."), std::string::npos);
  EXPECT_NE(empty.find("No quality metric in the document: plots skipped."), std::string::npos);
  EXPECT_TRUE(balanced_tags(empty));
}

TEST(HtmlReport, NonFiniteAndNonNumericValuesAreLeftOut) {
  Json metrics = scifact_metrics();
  metrics["methods"]["flat@64"]["nDCG@10"] = std::numeric_limits<double>::quiet_NaN();
  metrics["methods"]["hnsw@256"]["qps"] = std::numeric_limits<double>::infinity();
  metrics["methods"]["int8@256"]["bytes_per_vector"] = "256";  // a string is no number
  metrics["methods"]["int8@256"]["notes"] = "not a metric";
  metrics["methods"]["funnel@64>256"] = "not an object";
  metrics["methods"]["flat@32"]["nDCG@10"] = nullptr;  // what NaN becomes in a JSON file
  const std::string html = render_html_report(metrics);
  EXPECT_EQ(html.find(">nan"), std::string::npos);
  EXPECT_EQ(html.find("inf<"), std::string::npos);
  EXPECT_EQ(html.find(">notes<"), std::string::npos);
  EXPECT_EQ(count(row(html, "funnel@64&gt;256"), "<td class=\"missing\">—</td>"), 10u);
  // dim: flat@128, flat@256, binary, int8, hnsw (flat@32 and @64 lost their nDCG).
  EXPECT_EQ(count(figure(html, "plot-dim"), "class=\"pt\""), 5u);
  EXPECT_EQ(count(figure(html, "plot-bytes"), "class=\"pt\""), 4u);
  EXPECT_EQ(count(figure(html, "plot-qps"), "class=\"pt\""), 6u);  // not hnsw's inf qps
  EXPECT_TRUE(balanced_tags(html));
}

TEST(HtmlReport, ExtremeValuesKeepThePageWellFormed) {
  const Json metrics = Json::parse(R"json({"methods": {
      "slow": {"nDCG@10": 0.0, "qps": 0.001, "bytes_per_vector": 1, "dim": 1},
      "fast": {"nDCG@10": 1e6, "qps": 1e12, "bytes_per_vector": 1e9, "dim": 65536},
      "same": {"nDCG@10": 0.5, "qps": 1e12},
      "huge": {"nDCG@10": 1e300, "qps": 1e300, "dim": 1e300},
      "zero": {"nDCG@10": 0.5, "qps": 0, "dim": 0, "bytes_per_vector": -3}}})json");
  const std::string html = render_html_report(metrics);
  EXPECT_TRUE(balanced_tags(html));
  EXPECT_EQ(html.find("nan"), std::string::npos);
  EXPECT_EQ(html.find("inf\""), std::string::npos);
  // "huge" is beyond any axis; "zero" has nothing a log axis can show.
  EXPECT_EQ(count(figure(html, "plot-dim"), "class=\"pt\""), 2u);
  EXPECT_EQ(count(figure(html, "plot-bytes"), "class=\"pt\""), 2u);
  EXPECT_EQ(count(figure(html, "plot-qps"), "class=\"pt\""), 3u);
  EXPECT_EQ(count(figure(html, "plot-qps"), "<line class=\"ref\""), 1u);
  // Fifteen decades of qps: labelled ticks at every other decade, at most 12.
  const std::string qps = figure(html, "plot-qps");
  const size_t x_ticks = count(qps, "\" text-anchor=\"middle\">") - 2;  // less the axis titles
  EXPECT_GE(x_ticks, 6u);
  EXPECT_LE(x_ticks, 12u);
  EXPECT_NE(qps.find(">1T</text>"), std::string::npos);
}

TEST(HtmlReport, FlatDimComesFromTheNameWhenMissing) {
  const Json metrics = Json::parse(R"({"methods": {
      "flat@64": {"nDCG@10": 0.8}, "flat@128": {"nDCG@10": 0.84},
      "flat@x": {"nDCG@10": 0.5}}})");
  const std::string dim = figure(render_html_report(metrics), "plot-dim");
  EXPECT_EQ(count(dim, "class=\"pt\""), 2u);
  EXPECT_EQ(count(dim, "<polyline"), 1u);
  EXPECT_EQ(count(dim, "<line class=\"ref\""), 1u);  // flat@x
}

TEST(HtmlReport, SameDocumentSameBytes) {
  const std::string first = render_html_report(scifact_metrics());
  EXPECT_EQ(first, render_html_report(scifact_metrics()));
  EXPECT_EQ(first.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(balanced_tags(first));
  // Self-contained: nothing fetched, no script.
  EXPECT_EQ(first.find("<script"), std::string::npos);
  EXPECT_EQ(first.find("<link"), std::string::npos);
  EXPECT_EQ(first.find("src="), std::string::npos);
  EXPECT_EQ(first.find("url("), std::string::npos);
}

TEST(HtmlReport, RejectsDocumentsThatAreNotObjects) {
  EXPECT_NE(error_message([] { render_html_report(Json::array()); }).find("JSON object"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              render_html_report(Json{{"methods", Json::array()}});
            }).find("\"methods\""),
            std::string::npos);
}

TEST(HtmlReport, WritesAtomically) {
  TempDir dir;
  const std::string path = dir.file("report.html");
  write_html_report(path, scifact_metrics());
  const std::string good = read_text(path);
  EXPECT_EQ(good, render_html_report(scifact_metrics()));
  // A failed render leaves the file as it was, and no temporary file behind.
  EXPECT_THROW(write_html_report(path, Json::array()), Error);
  EXPECT_EQ(read_text(path), good);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  // An unwritable path is an Error naming it.
  const std::string missing = dir.file("no/such/dir/report.html");
  EXPECT_NE(error_message([&] { write_html_report(missing, scifact_metrics()); }).find(missing),
            std::string::npos);
  // Overwriting replaces the whole file.
  write_html_report(path, quickstart_metrics());
  EXPECT_EQ(read_text(path), render_html_report(quickstart_metrics()));
}

}  // namespace
}  // namespace tessera
