// The HTML report of a retrieval evaluation: one self-contained page (inline CSS and SVG, no
// JavaScript, nothing fetched) rendered from a metrics.json document, for a person to read at a
// glance. Built of the report units of src/eval (report_page, report_table, svg_plot,
// svg_axis, label_layout, report_format), which other tasks' reports share.
//
// The document (what `tessera eval beir --out` writes; every key but "methods" optional):
//   {"dataset": "scifact", "split": "test", "queries": 300, "documents": 5183,
//    "model": "m.safetensors" or null,
//    "quality_metric": "nDCG@10",                     the headline metric of the plots
//    "methods": {"<method name>": {"<metric>": 0.677, ..., "qps": 29000, "p50_ms": 0.05,
//                                  "p99_ms": 0.3, "bytes_per_vector": 1024,
//                                  "build_seconds": 0.3, "index_bytes": 123456, "dim": 256},
//                ...}}
// The cost keys are exactly qps, p50_ms, p99_ms, bytes_per_vector, build_seconds, index_bytes and
// dim; every other numeric key of a method is a quality metric (nDCG@10, Recall@100, acc@1, MRR,
// ...), higher is better. Any key may be missing from any method; a missing or non-finite value
// renders as "—" and is left out of the plots. The headline metric is "quality_metric" when a
// method has it, else the first metric of the first method that has one.
//
// The page holds: a title (dataset, split, queries, documents, model); a table of every method in
// document order (metrics to 4 decimals, qps, p50/p99 latency, bytes per vector, build time,
// index size), the best value of each column highlighted; and three SVG plots of the headline
// metric against
//   1. dim (log2 axis): every method with a dim;
//   2. bytes per vector (log axis): every method with bytes_per_vector > 0;
//   3. queries per second (log axis): every method with qps;
// with the flat@<d> methods (Matryoshka prefixes) joined by a line on each,
// where a method with the headline but no value on a plot's x axis (bm25 has no dim) is drawn as a
// dashed horizontal reference line. A plot with no point is replaced by a short note. Every string
// from the document is HTML-escaped. The output is deterministic: the same document gives the same
// bytes.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace tessera {

// The page as UTF-8 text. Throws tessera::Error when metrics is not a JSON object or its
// "methods" is present but not an object.
std::string render_html_report(const nlohmann::ordered_json& metrics);

// Renders and writes the page to path through AtomicFile: a failed write never replaces a file
// already there. Throws tessera::Error naming path on a failure.
void write_html_report(const std::string& path, const nlohmann::ordered_json& metrics);

}  // namespace tessera
