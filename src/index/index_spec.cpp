#include "tessera/index/index_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "tessera/core/check.h"
#include "tessera/index/flat_index.h"
#include "tessera/index/funnel_index.h"

namespace tessera {

namespace {

constexpr int64_t kMaxSpecDim = int64_t{1} << 20;

// Reads the parts of one spec, naming the whole spec in every error.
class SpecParser {
 public:
  explicit SpecParser(std::string_view spec) : spec_(spec) {}

  [[noreturn]] void fail(std::string_view part, std::string_view what) const {
    TESSERA_FAIL("index spec '{}': {} in '{}'", spec_, what, part);
  }

  int64_t number(std::string_view text, std::string_view part, int64_t max, int64_t min = 1) const {
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
      fail(part, fmt::format("'{}' is not a whole number in [{}, {}]", text, min, max));
    }
    return value;
  }

  IndexKind kind(std::string_view name, std::string_view part) const {
    for (const EnumName<IndexKind>& entry : enum_names<IndexKind>) {
      if (entry.name == name) return entry.value;
    }
    fail(part, fmt::format("unknown index kind '{}' ({}, or the short names funnel and "
                           "binary+rescore)",
                           name, list_enum_names<IndexKind>()));
  }

  // kind[@D]{(:|,)option}
  IndexSpec::Part part(std::string_view text) const {
    IndexSpec::Part out;
    const size_t name_end = std::min(text.find_first_of("@:,"), text.size());
    out.kind = kind(text.substr(0, name_end), text);
    size_t at = name_end;
    if (at < text.size() && text[at] == '@') {
      const size_t dim_end = std::min(text.find_first_of(":,", at), text.size());
      out.dim = number(text.substr(at + 1, dim_end - at - 1), text, kMaxSpecDim);
      at = dim_end;
    }
    while (at < text.size()) {
      const size_t end = std::min(text.find_first_of(":,", at + 1), text.size());
      option(out, text.substr(at + 1, end - at - 1), text);
      at = end;
    }
    return out;
  }

  void option(IndexSpec::Part& out, std::string_view option, std::string_view part) const {
    if (out.kind != IndexKind::kHnsw) {
      fail(part, fmt::format("{} takes no option '{}'", name_of(out.kind), option));
    }
    // Longest prefix first: "efc" before "ef".
    if (option.starts_with("efc")) {
      out.ef_construction = number(option.substr(3), part, kMaxHnswCandidates);
    } else if (option.starts_with("ef")) {
      out.ef_search = number(option.substr(2), part, kMaxHnswCandidates);
    } else if (option.starts_with("M")) {
      out.m = number(option.substr(1), part, kMaxHnswLinks, 2);
    } else {
      fail(part, fmt::format("unknown hnsw option '{}' (M<links>, efc<candidates>, ef<candidates>)",
                             option));
    }
  }

  // What follows a short name's dims: nothing, or :float / :int8.
  std::optional<Rescorer> rescorer(std::string_view options, std::string_view part) const {
    if (options.empty()) return std::nullopt;
    if (options.front() != ':') fail(part, fmt::format("unexpected '{}'", options));
    const std::string_view name = options.substr(1);
    for (const EnumName<Rescorer>& entry : enum_names<Rescorer>) {
      if (entry.name == name) return entry.value;
    }
    fail(part,
         fmt::format("unknown option '{}' (float or int8: what rescores the shortlist)", name));
  }

  // funnel[@S[>D]][:float|:int8]
  IndexSpec funnel(std::string_view text) const {
    IndexSpec out;
    out.short_name = "funnel";
    out.first.kind = IndexKind::kInt8;
    size_t at = std::string_view("funnel").size();
    if (at < text.size() && text[at] == '@') {
      const size_t end = std::min(text.find(':', at), text.size());
      const std::string_view dims = text.substr(at + 1, end - at - 1);
      const size_t arrow = dims.find('>');
      out.first.dim = number(dims.substr(0, arrow), text, kMaxSpecDim);
      if (arrow != std::string_view::npos) {
        out.second = IndexSpec::Part{};
        out.second->dim = number(dims.substr(arrow + 1), text, kMaxSpecDim);
      }
      at = end;
    }
    out.rescorer = rescorer(text.substr(at), text);
    return out;
  }

  // binary[@B]+rescore[@D][:float|:int8]
  IndexSpec binary_rescore(std::string_view text, size_t plus) const {
    IndexSpec out;
    out.short_name = "binary+rescore";
    out.first = part(text.substr(0, plus));
    if (out.first.kind != IndexKind::kBinary) {
      fail(text, "+rescore follows binary codes only (binary[@B]+rescore)");
    }
    size_t at = plus + std::string_view("+rescore").size();
    if (at < text.size() && text[at] == '@') {
      const size_t end = std::min(text.find(':', at), text.size());
      out.second = IndexSpec::Part{};
      out.second->dim = number(text.substr(at + 1, end - at - 1), text, kMaxSpecDim);
      at = end;
    }
    out.rescorer = rescorer(text.substr(at), text);
    return out;
  }

  IndexSpec parse() const {
    const std::string_view text = spec_;
    if (text.empty()) fail(text, "empty spec");
    if (text.starts_with("funnel")) return funnel(text);
    if (const size_t plus = text.find("+rescore"); plus != std::string_view::npos) {
      return binary_rescore(text, plus);
    }
    IndexSpec out;
    const size_t arrow = text.find('>');
    out.first = part(text.substr(0, arrow));
    if (arrow != std::string_view::npos) {
      const std::string_view rescorer_text = text.substr(arrow + 1);
      out.second = part(rescorer_text);
      if (out.second->kind != IndexKind::kFlat && out.second->kind != IndexKind::kInt8) {
        fail(rescorer_text, "a shortlist is rescored by flat or int8 vectors");
      }
    }
    return out;
  }

 private:
  std::string_view spec_;
};

std::string hnsw_suffix(const HnswOptions& options) {
  const HnswOptions defaults;
  std::string out;
  if (options.m != defaults.m) out += fmt::format(":M{}", options.m);
  if (options.ef_construction != defaults.ef_construction) {
    out += fmt::format(":efc{}", options.ef_construction);
  }
  if (options.ef_search != defaults.ef_search) out += fmt::format(":ef{}", options.ef_search);
  return out;
}

std::string part_name(const ResolvedIndexSpec::Part& part) {
  std::string out = fmt::format("{}@{}", name_of(part.kind), part.dim);
  if (part.kind == IndexKind::kHnsw) out += hnsw_suffix(part.hnsw);
  return out;
}

std::unique_ptr<Index> make_part(const ResolvedIndexSpec::Part& part) {
  switch (part.kind) {
    case IndexKind::kFlat:
      return std::make_unique<FlatIndex>(part.dim);
    case IndexKind::kInt8:
      return std::make_unique<Int8Index>(part.dim);
    case IndexKind::kBinary:
      return std::make_unique<BinaryIndex>(part.dim);
    case IndexKind::kHnsw:
      return std::make_unique<HnswIndex>(part.dim, part.hnsw);
  }
  TESSERA_FAIL("unknown index kind {}", static_cast<int>(part.kind));
}

}  // namespace

IndexSpec parse_index_spec(std::string_view spec) { return SpecParser(spec).parse(); }

ResolvedIndexSpec resolve(const IndexSpec& spec, int64_t dim, const IndexDefaults& defaults) {
  TESSERA_CHECK(dim >= 1, "vectors of {} dims", dim);
  auto settle = [&](const IndexSpec::Part& part, int64_t default_dim) {
    ResolvedIndexSpec::Part out;
    out.kind = part.kind;
    out.dim = part.dim > 0 ? part.dim : default_dim;
    out.hnsw = defaults.hnsw;
    if (part.m) out.hnsw.m = *part.m;
    if (part.ef_construction) out.hnsw.ef_construction = *part.ef_construction;
    if (part.ef_search) out.hnsw.ef_search = *part.ef_search;
    return out;
  };
  ResolvedIndexSpec out;
  out.shortlist = defaults.shortlist;
  if (!spec.two_stage()) {
    out.first = settle(spec.first, dim);
  } else {
    const IndexSpec::Part rescorer_part = spec.second.value_or(IndexSpec::Part{});
    out.second = settle(rescorer_part, dim);
    if (!spec.short_name.empty()) {
      out.second->kind = spec.rescorer.value_or(defaults.rescorer) == Rescorer::kInt8
                             ? IndexKind::kInt8
                             : IndexKind::kFlat;
    }
    const int64_t full = out.second->dim;
    int64_t shortlist_dim = full;
    if (spec.short_name == "funnel") {
      constexpr int64_t kFunnelDim = 64;
      shortlist_dim = defaults.funnel_dim > 0 ? defaults.funnel_dim
                      : kFunnelDim < full     ? kFunnelDim
                                              : std::max<int64_t>(1, full / 4);
    }
    out.first = settle(spec.first, shortlist_dim);
    TESSERA_CHECK(spec.short_name != "funnel" || out.first.dim < full,
                  "funnel@{}>{}: the shortlist's dims must be fewer than the rescorer's",
                  out.first.dim, full);
    TESSERA_CHECK(out.first.dim <= full,
                  "{}: the shortlist ({} dims) cannot have more dims than the rescorer ({})",
                  part_name(out.first), out.first.dim, full);
  }
  TESSERA_CHECK(out.dim() <= dim, "index {} needs {} dims; the vectors have {}", out.name(),
                out.dim(), dim);
  TESSERA_CHECK(out.shortlist >= 1, "the shortlist must be >= 1, got {}", out.shortlist);
  return out;
}

std::string ResolvedIndexSpec::name() const {
  if (!second) return part_name(first);
  const std::string codes = second->kind == IndexKind::kInt8 ? ":int8" : "";
  if (first.kind == IndexKind::kBinary) {
    return first.dim == second->dim
               ? fmt::format("binary@{}+rescore{}", first.dim, codes)
               : fmt::format("binary@{}+rescore@{}{}", first.dim, second->dim, codes);
  }
  if (first.kind == IndexKind::kInt8 && first.dim < second->dim) {
    return fmt::format("funnel@{}>{}{}", first.dim, second->dim, codes);
  }
  return part_name(first) + ">" + part_name(*second);
}

std::unique_ptr<Index> make_index(const ResolvedIndexSpec& spec, bool normalized) {
  if (!spec.second) return make_part(spec.first);
  FunnelOptions options;
  options.shortlist = spec.shortlist;
  options.normalize_prefix = normalized;
  return std::make_unique<FunnelIndex>(make_part(spec.first), make_part(*spec.second), options);
}

std::vector<std::string> split_spec_list(std::string_view list) {
  // "efc200" after "hnsw:M16" (or "ef64)" after "hybrid(bm25+hnsw:M16"): an hnsw option of the
  // spec before it, not a spec of its own.
  const auto hnsw_option = [](std::string_view piece) {
    if (piece.ends_with(")")) piece.remove_suffix(1);
    for (const std::string_view name : {"efc", "ef", "M"}) {
      if (piece.starts_with(name) && piece.size() > name.size() &&
          std::all_of(piece.begin() + static_cast<std::ptrdiff_t>(name.size()), piece.end(),
                      [](char c) { return c >= '0' && c <= '9'; })) {
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= list.size()) {
    const size_t comma = std::min(list.find(',', at), list.size());
    const std::string_view piece = list.substr(at, comma - at);
    const bool option =
        !out.empty() && out.back().find("hnsw") != std::string::npos && hnsw_option(piece);
    if (option) {
      out.back() += ",";
      out.back() += piece;
    } else {
      out.emplace_back(piece);
    }
    at = comma + 1;
  }
  return out;
}

}  // namespace tessera
