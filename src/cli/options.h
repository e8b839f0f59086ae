// The options verbs share, registered the same way on every verb: threads, enum options whose
// names come from the library's one table per enum (core/enum_names.h), lists of numbers, the
// specs of indexes and retrievers with the defaults they leave open, and fusion. A value the
// command line alone shows to be wrong is a usage error (exit code 2).
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/core/enum_names.h"
#include "tessera/index/fusion.h"
#include "tessera/index/index_spec.h"

namespace tessera::cli {

// Every floating-point option of app and its verbs refuses nan and inf (a usage error naming
// the option), so that no comparison with a NaN silently turns a check or a weight off.
void require_finite_numbers(CLI::App& app);

// Checks of a number option: > 0, and >= 0. A value outside is a usage error that states the
// bound ("must be > 0, got -1"), not CLI11's range up to the largest double.
CLI::Validator positive();
CLI::Validator non_negative();

// The help of --on-invalid-utf8, wherever a verb has it.
inline constexpr const char* kInvalidUtf8Help =
    "Invalid UTF-8: stop with an error naming file, line and byte, or replace it with U+FFFD";

// --threads N (0: all cores; at most 1024); the default is what `threads` holds.
void add_threads_option(CLI::App& cmd, int& threads);
// Sizes tessera's thread pool: `threads` workers, or one per core for 0.
void use_threads(int threads);

// An option whose value is one of enum E's names, stored as E: the names, the check and the
// message come from enum_names<E>, and the default shown is value's name. Any other word is a
// usage error naming the choices.
template <typename E>
CLI::Option* add_enum_option(CLI::App& cmd, const std::string& name, E& value,
                             const std::string& help) {
  std::string choices;
  for (const EnumName<E>& entry : enum_names<E>) {
    choices += (choices.empty() ? "" : "|") + std::string(entry.name);
  }
  return cmd
      .add_option_function<std::string>(
          name,
          [&value, name](const std::string& text) {
            for (const EnumName<E>& entry : enum_names<E>) {
              if (entry.name == text) {
                value = entry.value;
                return;
              }
            }
            throw CLI::ValidationError(name,
                                       "'" + text + "' is not one of " + list_enum_names<E>());
          },
          help)
      ->type_name(choices)
      ->default_str(std::string(name_of(value)));
}

// --ngame-double-at's "4,7" (epochs counted from 1) -> 0-based epochs; a usage error naming
// option for an epoch below 1.
std::vector<int64_t> parse_double_at(const std::string& text, const std::string& option);

// "a,b,c" -> numbers; a malformed item (nan and inf among them) is a usage error naming the
// option.
template <typename T>
std::vector<T> parse_number_list(const std::string& text, const std::string& option) {
  std::vector<T> out;
  if (text.empty()) return out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    try {
      size_t used = 0;
      if constexpr (std::is_integral_v<T>) {
        out.push_back(static_cast<T>(std::stoll(item, &used)));
      } else {
        const double value = std::stod(item, &used);
        if (!std::isfinite(value)) throw std::invalid_argument(item);
        out.push_back(static_cast<T>(value));
      }
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw CLI::ValidationError(option,
                                 "expected comma-separated finite numbers, got \"" + text + "\"");
    }
    pos = comma + 1;
  }
  return out;
}

// Checks that an option's value parses as an index spec (index_spec.h), a retriever spec
// (retriever_factory.h) or a comma-separated list of them (split_spec_list); the parser's message
// is the usage error.
CLI::Validator index_spec_check();
CLI::Validator retriever_spec_check();
CLI::Validator retriever_spec_list_check();

// --shortlist, --funnel-dim, --rescore, --hnsw-m, --ef-construction and --ef-search: what an
// index spec leaves open.
void add_index_defaults(CLI::App& cmd, IndexDefaults& defaults);
// --fusion, --fusion-weight, --rrf-k: how hybrid search fuses its two lists.
void add_fusion_options(CLI::App& cmd, FusionOptions& fusion);

}  // namespace tessera::cli
