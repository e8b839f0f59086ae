// Index specs: the one language that names a vector index, after FAISS's index_factory. One
// parser reads them for `tessera index`, `tessera eval beir` and `tessera bench search` alike, and
// every result is named by the spec's canonical form.
//
//   flat[@D]                  exact inner product over float32 (FlatIndex)
//   int8[@D]                  int8 codes with per-dimension scales, integer scans (Int8Index)
//   binary[@D]                sign bits, Hamming distance (BinaryIndex)
//   hnsw[@D][:M16][:efc200][:ef64]
//                             HNSW graph (HnswIndex): links per element, candidates while
//                             building, candidates while searching (options in any order, ':'
//                             or ',' between them; the others keep IndexDefaults' values)
//   A>R                       A (any of the above) shortlists candidates, R (flat or int8)
//                             rescores them at its dims, which are at least A's (FunnelIndex)
// and two short names of the funnels tessera is known for:
//   funnel[@S>D][:int8]       = int8@S>flat@D (int8@S>int8@D): Matryoshka adaptive retrieval
//   binary[@B]+rescore[@D][:int8]
//                             = binary@B>flat@D (>int8@D): binary codes + rescoring
// @D is a Matryoshka prefix of the vectors (default: their whole dim); a funnel's S defaults to
// IndexDefaults::funnel_dim, or when that is 0 to 64 (a quarter of D when D is 64 or less).
// ":float" or ":int8" on a short name picks the rescorer; without it IndexDefaults::rescorer does.
// How many candidates a shortlist passes on is a search setting (SearchParams::shortlist), its
// default IndexDefaults::shortlist.
//
// Canonical names write every dim and every option that differs from HnswOptions' defaults:
// "flat@256", "int8@256", "binary@256+rescore:int8", "funnel@64>256", "hnsw@256:M32",
// "flat@64>flat@256".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/enum_names.h"
#include "tessera/index/hnsw_index.h"
#include "tessera/index/index.h"

namespace tessera {

enum class IndexKind { kFlat, kInt8, kBinary, kHnsw };
inline constexpr EnumName<IndexKind> kIndexKindNames[] = {{IndexKind::kFlat, "flat"},
                                                          {IndexKind::kInt8, "int8"},
                                                          {IndexKind::kBinary, "binary"},
                                                          {IndexKind::kHnsw, "hnsw"}};
template <>
inline constexpr EnumNames<IndexKind> enum_names<IndexKind> = kIndexKindNames;

// What rescores a short name's shortlist.
enum class Rescorer { kFloat, kInt8 };
inline constexpr EnumName<Rescorer> kRescorerNames[] = {{Rescorer::kFloat, "float"},
                                                        {Rescorer::kInt8, "int8"}};
template <>
inline constexpr EnumNames<Rescorer> enum_names<Rescorer> = kRescorerNames;

// The most candidates an HNSW index keeps while building or searching (efc, ef), as a spec or
// as the option that stands for it.
inline constexpr int64_t kMaxHnswCandidates = int64_t{1} << 20;
// The most links per element (M).
inline constexpr int64_t kMaxHnswLinks = 1024;

// The values a spec leaves to its context (a verb's options).
struct IndexDefaults {
  int64_t shortlist = 100;  // candidates rescored per query
  int64_t funnel_dim = 0;   // a funnel's shortlist dims; 0: 64, or a quarter of D when D <= 64
  Rescorer rescorer = Rescorer::kFloat;
  HnswOptions hnsw;
};

// A parsed spec; dims and options it did not give are resolved against the vectors' dim and the
// defaults by resolve().
struct IndexSpec {
  // One index over a prefix of the vectors.
  struct Part {
    IndexKind kind = IndexKind::kFlat;
    int64_t dim = 0;                                       // 0: not given
    std::optional<int64_t> m, ef_construction, ef_search;  // hnsw, when given
  };
  Part first;                  // the index, or a funnel's shortlist
  std::optional<Part> second;  // a funnel's rescorer (flat or int8)
  // The short name written, and its rescorer when given: "funnel", "binary+rescore" or "".
  std::string short_name;
  std::optional<Rescorer> rescorer;

  // A shortlist and a rescorer (a funnel, binary+rescore, A>R), not one index.
  bool two_stage() const { return second.has_value() || !short_name.empty(); }
};

// Parses a spec; an Error naming the spec and the part of it that is wrong.
IndexSpec parse_index_spec(std::string_view spec);

// A spec with every dim and option settled for vectors of `dim` dims.
struct ResolvedIndexSpec {
  struct Part {
    IndexKind kind = IndexKind::kFlat;
    int64_t dim = 0;
    HnswOptions hnsw;
  };
  Part first;
  std::optional<Part> second;
  int64_t shortlist = 100;

  // The canonical name ("funnel@64>256", "binary@256+rescore:int8", "hnsw@256", ...).
  std::string name() const;
  // The dims of the vectors it indexes (the rescorer's when a funnel).
  int64_t dim() const { return second ? second->dim : first.dim; }
};

ResolvedIndexSpec resolve(const IndexSpec& spec, int64_t dim, const IndexDefaults& defaults = {});

// An empty index of the spec. It takes vectors of spec.dim() dims; with normalized (vectors of
// unit length, as a model with L2 normalization gives), a funnel's shortlist renormalizes the
// prefixes it indexes.
std::unique_ptr<Index> make_index(const ResolvedIndexSpec& spec, bool normalized);

// A list of specs separated by commas ("flat,hnsw:M16,efc200,binary+rescore"): a comma inside a
// spec's option list (before an hnsw option) does not split it.
std::vector<std::string> split_spec_list(std::string_view list);

}  // namespace tessera
