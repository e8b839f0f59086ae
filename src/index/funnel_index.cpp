#include "tessera/index/funnel_index.h"

#include <algorithm>
#include <limits>

#include "tessera/core/check.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"
#include "tessera/index/flat_index.h"
#include "top_k_collector.h"

namespace tessera {

namespace {
constexpr int64_t kMaxShortlist = int64_t{1} << 30;  // the most a file may hold
// Queries a thread takes through the funnel's steps together: bounds the candidates held at
// once, and is large enough that a shortlist index which reads all of itself per search (a flat
// one over a large corpus) is read once for many queries.
constexpr int64_t kQueryChunk = 1024;
}  // namespace

FunnelIndex::FunnelIndex(std::unique_ptr<Index> shortlist_index, std::unique_ptr<Index> rescorer,
                         FunnelOptions options)
    : shortlist_(std::move(shortlist_index)), rescorer_(std::move(rescorer)), options_(options) {
  TESSERA_CHECK(shortlist_ != nullptr && rescorer_ != nullptr, "a funnel needs two indexes");
  TESSERA_CHECK(shortlist_->dim() <= rescorer_->dim(),
                "the shortlist index ({} dims) cannot have more dims than the rescoring one ({})",
                shortlist_->dim(), rescorer_->dim());
  TESSERA_CHECK(shortlist_->num_added() == rescorer_->num_added() &&
                    shortlist_->num_removed() == rescorer_->num_removed(),
                "the funnel's indexes hold different vectors ({} and {})", shortlist_->num_added(),
                rescorer_->num_added());
  TESSERA_CHECK(options_.shortlist >= 1, "the funnel's shortlist must be >= 1, got {}",
                options_.shortlist);
}

Tensor FunnelIndex::shortlist_vectors(const Tensor& vectors) const {
  // Sign bits do not change with the length: binary codes of the prefix need no normalizing.
  if (!options_.normalize_prefix || shortlist_->kind() == "binary") {
    return vectors.prefix_cols(shortlist_->dim());
  }
  return l2_normalized_prefix(vectors, shortlist_->dim());
}

void FunnelIndex::add(const Tensor& vectors) {
  check_queries(vectors, dim(), kind());
  shortlist_->add(shortlist_vectors(vectors));
  rescorer_->add(vectors);
}

void FunnelIndex::remove(std::span<const int64_t> ids) {
  rescorer_->remove(ids);  // validates first, so both parts change or neither
  shortlist_->remove(ids);
}

TopK FunnelIndex::search(const Tensor& queries, int64_t k, const SearchParams& params) const {
  check_queries(queries, dim(), kind());
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  // Never more candidates than vectors (nor fewer than k: missing ones pad).
  const int64_t asked = params.shortlist > 0 ? params.shortlist : options_.shortlist;
  const int64_t shortlist = std::max(std::min(asked, num_added()), k);
  const int64_t nq = queries.rows();
  TopK result;
  result.num_queries = nq;
  result.k = k;
  result.ids.assign(static_cast<size_t>(nq * k), -1);
  result.scores.assign(static_cast<size_t>(nq * k), -std::numeric_limits<float>::infinity());
  // Each thread takes its queries through all three steps: no step waits for the slowest thread
  // of the one before, and the serial parts of a step (packing or quantizing the queries) do not
  // leave the other threads idle. A single query runs here, each step spreading its own work
  // over the threads.
  parallel_for(nq, [&](int64_t begin, int64_t end, int) {
    for (int64_t q0 = begin; q0 < end; q0 += kQueryChunk) {
      search_chunk(queries.slice_rows(q0, std::min(end, q0 + kQueryChunk)), k, shortlist, params,
                   q0, result);
    }
  });
  return result;
}

void FunnelIndex::search_chunk(const Tensor& queries, int64_t k, int64_t shortlist,
                               const SearchParams& params, int64_t first_query,
                               TopK& result) const {
  SearchParams shortlist_params = params;
  shortlist_params.any_order = true;  // rescored and ranked again below
  const TopK candidates =
      shortlist_->search(shortlist_vectors(queries), shortlist, shortlist_params);
  std::vector<float> scores(candidates.ids.size());
  rescorer_->score(queries, candidates.ids, shortlist, scores);

  std::vector<uint64_t> keys;
  std::vector<index_detail::ScoredId<float>> fallback;
  for (int64_t q = 0; q < queries.rows(); ++q) {
    const auto row = static_cast<size_t>((first_query + q) * k);
    index_detail::rank_best<index_detail::HigherScoreFirst>(
        scores.data() + q * shortlist, candidates.ids.data() + q * shortlist,
        static_cast<size_t>(shortlist), static_cast<size_t>(k), result.scores.data() + row,
        result.ids.data() + row, keys, fallback);
  }
}

double FunnelIndex::bytes_per_vector() const {
  return shortlist_->bytes_per_vector() + rescorer_->bytes_per_vector();
}

int64_t FunnelIndex::memory_bytes() const {
  return shortlist_->memory_bytes() + rescorer_->memory_bytes();
}

void FunnelIndex::save_fields(IndexFileWriter& out) const {
  out.write<int64_t>(options_.shortlist);
  out.write<uint8_t>(options_.normalize_prefix ? 1 : 0);
  out.write_string(shortlist_->kind());
  shortlist_->save_fields(out);
  out.write_string(rescorer_->kind());
  rescorer_->save_fields(out);
}

std::unique_ptr<FunnelIndex> FunnelIndex::read_fields(IndexFileReader& in) {
  FunnelOptions options;
  options.shortlist = in.read<int64_t>("shortlist");
  const auto normalize = in.read<uint8_t>("normalize_prefix");
  if (options.shortlist < 1 || options.shortlist > kMaxShortlist || normalize > 1) {
    in.fail(fmt::format("invalid funnel options: shortlist {}, normalize_prefix {}",
                        options.shortlist, normalize));
  }
  options.normalize_prefix = normalize == 1;
  std::unique_ptr<Index> parts[2];
  for (std::unique_ptr<Index>& part : parts) {
    const std::string kind = in.read_string("part kind");
    if (kind == "funnel") in.fail("a funnel cannot hold a funnel");
    part = read_index_fields(kind, in);
  }
  if (parts[0]->dim() > parts[1]->dim() || parts[0]->num_added() != parts[1]->num_added() ||
      parts[0]->num_removed() != parts[1]->num_removed()) {
    in.fail("the funnel's parts do not hold the same vectors");
  }
  return std::make_unique<FunnelIndex>(std::move(parts[0]), std::move(parts[1]), options);
}

}  // namespace tessera
