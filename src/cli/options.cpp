#include "options.h"

#include <cmath>
#include <cstdlib>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/index/retriever_factory.h"

namespace tessera::cli {

namespace {

// A validator running parse on the value (each spec of it when a list): "" when it parses, the
// parser's message otherwise.
template <typename Parse>
CLI::Validator spec_check(const std::string& what, bool list, Parse parse) {
  return CLI::Validator(
      [parse, list](std::string& value) -> std::string {
        try {
          if (!list) {
            (void)parse(value);
            return {};
          }
          for (const std::string& spec : split_spec_list(value)) (void)parse(spec);
          return {};
        } catch (const Error& e) {
          return e.what();
        }
      },
      what);
}

// A validator accepting numbers that `holds`, whose name is `name`; anything else gets "must be
// `bound`, got VALUE". Text that is no number passes: the option's own conversion reports it.
template <typename Holds>
CLI::Validator number_check(const std::string& name, const std::string& bound, Holds holds) {
  return CLI::Validator(
      [bound, holds](std::string& value) -> std::string {
        char* end = nullptr;
        const double number = std::strtod(value.c_str(), &end);
        // nan and inf are require_finite_numbers' to report.
        if (end == value.c_str() || *end != '\0' || !std::isfinite(number) || holds(number)) {
          return {};
        }
        return fmt::format("must be {}, got {}", bound, value);
      },
      name);
}

}  // namespace

CLI::Validator positive() {
  return number_check("POSITIVE", "> 0", [](double x) { return x > 0; });
}

CLI::Validator non_negative() {
  return number_check("NONNEGATIVE", ">= 0", [](double x) { return x >= 0; });
}

void require_finite_numbers(CLI::App& app) {
  const CLI::Validator finite(
      [](std::string& value) -> std::string {
        char* end = nullptr;
        const double number = std::strtod(value.c_str(), &end);
        if (end != value.c_str() && *end == '\0' && !std::isfinite(number)) {
          return fmt::format("{} is not a finite number", value);
        }
        return {};
      },
      "", "finite");
  for (CLI::Option* option : app.get_options()) {
    if (option->get_type_name().starts_with("FLOAT")) option->check(finite);
  }
  for (CLI::App* verb : app.get_subcommands({})) require_finite_numbers(*verb);
}

void add_threads_option(CLI::App& cmd, int& threads) {
  cmd.add_option("--threads", threads, "Threads (0: all cores)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
}

std::vector<int64_t> parse_double_at(const std::string& text, const std::string& option) {
  std::vector<int64_t> out;
  for (const int64_t epoch : parse_number_list<int64_t>(text, option)) {
    if (epoch < 1) throw CLI::ValidationError(option, "epochs count from 1");
    out.push_back(epoch - 1);
  }
  return out;
}

void use_threads(int threads) {
  if (threads > 0) set_num_threads(threads);
}

CLI::Validator index_spec_check() {
  return spec_check("INDEX-SPEC", false, [](const std::string& s) { return parse_index_spec(s); });
}

CLI::Validator retriever_spec_check() {
  return spec_check("SPEC", false, [](const std::string& s) { return parse_retriever_spec(s); });
}

CLI::Validator retriever_spec_list_check() {
  return spec_check("SPEC,...", true, [](const std::string& s) { return parse_retriever_spec(s); });
}

void add_index_defaults(CLI::App& cmd, IndexDefaults& defaults) {
  cmd.add_option("--shortlist", defaults.shortlist,
                 "Funnels (binary+rescore, funnel, A>R): candidates rescored per query")
      ->check(positive())
      ->capture_default_str();
  cmd.add_option("--funnel-dim", defaults.funnel_dim,
                 "funnel: dims of the shortlist when the spec gives none (0: 64, or a quarter of "
                 "a vector of 64 dims or fewer)")
      ->check(non_negative())
      ->capture_default_str();
  add_enum_option(cmd, "--rescore", defaults.rescorer,
                  "funnel, binary+rescore: rescore with the float vectors or with int8 codes of "
                  "them (a quarter of the bytes), when the spec does not say");
  HnswOptions& hnsw = defaults.hnsw;
  cmd.add_option("--hnsw-m", hnsw.m, "hnsw: links per element (spec option M)")
      ->check(CLI::Range(int64_t{2}, kMaxHnswLinks))
      ->capture_default_str();
  cmd.add_option("--ef-construction", hnsw.ef_construction,
                 "hnsw: candidates kept while inserting (spec option efc)")
      ->check(CLI::Range(int64_t{1}, kMaxHnswCandidates))
      ->capture_default_str();
  cmd.add_option("--ef-search", hnsw.ef_search,
                 "hnsw: candidates kept while searching (spec option ef)")
      ->check(CLI::Range(int64_t{1}, kMaxHnswCandidates))
      ->capture_default_str();
}

void add_fusion_options(CLI::App& cmd, FusionOptions& fusion) {
  add_enum_option(cmd, "--fusion", fusion.method,
                  "hybrid: rrf (reciprocal ranks) or convex (min-max normalized scores)");
  cmd.add_option("--fusion-weight", fusion.weight,
                 "hybrid (convex): the weight of bm25's scores; dense gets 1 - weight")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd.add_option("--rrf-k", fusion.rrf_k, "hybrid (rrf): the rank offset")
      ->check(non_negative())
      ->capture_default_str();
}

}  // namespace tessera::cli
