// The HNSW options every verb that builds an HNSW index takes (--hnsw-m, --ef-construction,
// --ef-search), with the same names, checks and help everywhere.
#pragma once

#include <CLI/CLI.hpp>

#include "tessera/index/hnsw_index.h"

namespace tessera::cli {

inline void add_hnsw_options(CLI::App& cmd, HnswOptions& options) {
  cmd.add_option("--hnsw-m", options.m, "hnsw: links per element")
      ->check(CLI::Range(int64_t{2}, int64_t{1024}))
      ->capture_default_str();
  cmd.add_option("--ef-construction", options.ef_construction,
                 "hnsw: candidates kept while inserting")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--ef-search", options.ef_search, "hnsw: candidates kept while searching")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

}  // namespace tessera::cli
