// HnswIndex over hnswlib 0.6.2: the one translation unit that includes hnswlib (its header
// defines non-inline functions, TOOLCHAIN.md pitfall 2).
//
// hnswlib's data structure and walks are used as they are (the level-0 record layout and upper
// link lists, searchBaseLayer and getNeighborsByHeuristic2 to insert, searchBaseLayerST to search,
// the removed flag); three pieces are replaced, each for a reason:
//   - the distance space: -dot(x, y) with an AVX2 + FMA kernel chosen at run time (hnswlib's own
//     SIMD follows the compile-time -march, which tessera keeps at the x86-64 baseline: SSE), and
//     exact scores (hnswlib's 1 - dot would round them);
//   - insertion (hnswlib's addPoint): addPoint draws levels from one shared generator, a data race
//     under parallel insertion that also makes levels depend on thread timing, reads the entry
//     point outside its lock, and nests element locks in orders ThreadSanitizer reports
//     (Graph::insert). Here levels come from (seed, id), drawn before the parallel loop, every
//     lock is taken alone, and the internal id is the caller's id, so no label map is needed;
//   - the query walk (hnswlib's searchKnn): searchKnn reads the ef member that setEf mutates, and
//     counts metrics in shared atomics; here ef is an argument of each call, so search stays
//     const and safe from many threads.
#include "tessera/index/hnsw_index.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <queue>
#include <unordered_set>
#include <utility>
#include <vector>

#include "score_ids.h"

// A system header, so GCC keeps quiet about it anyway; the pragmas keep it so for a copy of
// hnswlib found outside the system include directories.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wtype-limits"
#include <hnswlib/hnswlib.h>
#pragma GCC diagnostic pop

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/parallel.h"
#include "tessera/core/random.h"
#include "tessera/index/flat_index.h"

namespace tessera {

namespace {

using Hnsw = hnswlib::HierarchicalNSW<float>;
// hnswlib's candidate queue: (distance, id), the farthest on top.
using Candidates =
    std::priority_queue<std::pair<float, hnswlib::tableint>,
                        std::vector<std::pair<float, hnswlib::tableint>>, Hnsw::CompareByFirst>;
using hnswlib::linklistsizeint;
using hnswlib::tableint;

constexpr float kNoScore = -std::numeric_limits<float>::infinity();
// Bounds that keep every size computation far from overflow; real indexes sit well inside.
constexpr int64_t kMaxDim = 1 << 20;
constexpr int64_t kMaxM = 10000;  // hnswlib's own cap (link counts are 16-bit)
constexpr int64_t kMaxEf = 1 << 24;
constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;  // ids are 32-bit in the graph
// Levels drawn from (seed, id) stay below 54 (-ln(2^-53) / ln(2)); a file may not claim more.
constexpr int kMaxLevel = 64;
// The flag byte of a level-0 record (byte 2 of its link-count word).
constexpr uint8_t kRemovedFlag = Hnsw::DELETE_MARK;

// -dot(x, y): the graph's distance (lower is closer), so a result's score is -distance exactly.
float negative_dot_generic(const void* x, const void* y, const void* dim_ptr) {
  const auto* a = static_cast<const float*>(x);
  const auto* b = static_cast<const float*>(y);
  const size_t n = *static_cast<const size_t*>(dim_ptr);
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return -sum;
}

__attribute__((target("avx2,fma"))) float negative_dot_avx2(const void* x, const void* y,
                                                            const void* dim_ptr) {
  const auto* a = static_cast<const float*>(x);
  const auto* b = static_cast<const float*>(y);
  const size_t n = *static_cast<const size_t*>(dim_ptr);
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps();
  __m256 acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  const __m256 acc = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3));
  __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  sum4 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
  sum4 = _mm_add_ss(sum4, _mm_movehdup_ps(sum4));
  float sum = _mm_cvtss_f32(sum4);
  for (; i < n; ++i) sum += a[i] * b[i];
  return -sum;
}

// hnswlib's SpaceInterface for -dot: the kernel follows kernels::active() (TESSERA_SIMD=generic
// selects the baseline one here too).
class NegativeDotSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit NegativeDotSpace(int64_t dim)
      : dim_(static_cast<size_t>(dim)),
        distance_(std::strcmp(kernels::active().name, "avx2+fma") == 0 ? negative_dot_avx2
                                                                       : negative_dot_generic) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;  // hnswlib passes a pointer to it to every distance call
  hnswlib::DISTFUNC<float> distance_;
};

// Why (dim, options) cannot make an index, or empty when they can.
std::string options_problem(int64_t dim, const HnswOptions& options) {
  if (dim < 1 || dim > kMaxDim) {
    return fmt::format("an hnsw index needs dim in [1, {}], got {}", kMaxDim, dim);
  }
  if (options.m < 2 || options.m > kMaxM) {
    return fmt::format("hnsw m must be in [2, {}], got {}", kMaxM, options.m);
  }
  if (options.ef_construction < 1 || options.ef_construction > kMaxEf) {
    return fmt::format("hnsw ef_construction must be in [1, {}], got {}", kMaxEf,
                       options.ef_construction);
  }
  if (options.ef_search < 1 || options.ef_search > kMaxEf) {
    return fmt::format("hnsw ef_search must be in [1, {}], got {}", kMaxEf, options.ef_search);
  }
  return {};
}

// The level of element `id`: floor(-ln(u) / ln(m)) for u uniform in (0, 1], as hnswlib draws it,
// from (seed, id) alone.
int element_level(uint64_t seed, int64_t id, double level_mult) {
  Random random = Random::stream(seed, static_cast<uint64_t>(id));
  const double u = 1.0 - random.uniform();
  return static_cast<int>(-std::log(u) * level_mult);
}

struct Hit {
  float score;
  int64_t id;
};

}  // namespace

// The graph and the space its distance comes from (declared first: destroyed last).
struct HnswIndex::Graph {
  Graph(int64_t dim, const HnswOptions& options, size_t capacity)
      : space(dim),
        hnsw(&space, std::max<size_t>(capacity, 1), static_cast<size_t>(options.m),
             static_cast<size_t>(options.ef_construction), options.seed) {}

  float distance(const void* query, tableint id) const {
    return hnsw.fstdistfunc_(query, hnsw.getDataByInternalId(id), hnsw.dist_func_param_);
  }

  // Allocates zeroed upper-level link lists for elements [begin, end) of the levels already in
  // element_levels_; all or nothing (frees this call's lists and throws on failure). One spare
  // word follows the lists: hnswlib's insertion walk reads the slot after a list's last link
  // (to prefetch), which for a full list on the top level is past the lists.
  void allocate_upper_lists(size_t begin, size_t end) {
    int64_t lists = 0;
    for (size_t i = begin; i < end; ++i) {
      hnsw.linkLists_[i] = nullptr;
      const int level = hnsw.element_levels_[i];
      if (level == 0) continue;
      hnsw.linkLists_[i] = static_cast<char*>(std::calloc(
          static_cast<size_t>(level) * hnsw.size_links_per_element_ + sizeof(tableint), 1));
      if (hnsw.linkLists_[i] == nullptr) {
        for (size_t j = begin; j < i; ++j) {
          std::free(hnsw.linkLists_[j]);
          hnsw.linkLists_[j] = nullptr;
        }
        throw std::bad_alloc();
      }
      lists += level;
    }
    upper_lists += lists;
  }

  // Links element `id` (its level and upper lists set, not yet reachable) into the graph, as
  // hnswlib's addPoint: greedy descent from the entry point to the element's top level, then on
  // each of its levels the ef_construction closest found, thinned by hnswlib's neighbour
  // heuristic to m, linked both ways. Thread-safe for distinct ids.
  //
  // Unlike addPoint, the element stays unreachable until all its own lists are written (phase
  // 1), and only then is linked into its neighbours' lists (phase 2). Every lock is then taken
  // alone: a visited element's while its list is read or extended, and before any of those the
  // global one for the entry point (held throughout when the element becomes the new top).
  // addPoint instead holds the element's own lock for the whole insertion and takes others'
  // inside it, in orders that differ between threads (ThreadSanitizer reports lock-order
  // inversions, as hnswlib users have seen, and FAISS fixed a real deadlock of the same shape);
  // and other inserts could start from the element on a level before its list there was
  // written. With one thread the graph is the one addPoint builds.
  void insert(tableint id, const float* vector) {
    const int level = hnsw.element_levels_[id];
    std::memset(hnsw.get_linklist0(id), 0, hnsw.size_data_per_element_);
    std::memcpy(hnsw.getDataByInternalId(id), vector, hnsw.data_size_);
    hnsw.setExternalLabel(id, id);

    std::unique_lock<std::mutex> top_lock(hnsw.global);
    const int max_level = hnsw.maxlevel_;
    const tableint entry = hnsw.enterpoint_node_;
    if (level <= max_level) top_lock.unlock();
    if (max_level < 0) {  // the first element
      hnsw.enterpoint_node_ = id;
      hnsw.maxlevel_ = level;
      return;
    }

    tableint current = entry;
    if (level < max_level) {
      float current_distance = distance(vector, current);
      for (int l = max_level; l > level; --l) {
        for (bool changed = true; changed;) {
          changed = false;
          std::unique_lock<std::mutex> lock(hnsw.link_list_locks_[current]);
          linklistsizeint* list = hnsw.get_linklist(current, l);
          const int count = hnsw.getListCount(list);
          const auto* neighbours = reinterpret_cast<const tableint*>(list + 1);
          for (int j = 0; j < count; ++j) {
            const float d = distance(vector, neighbours[j]);
            if (d < current_distance) {
              current_distance = d;
              current = neighbours[j];
              changed = true;
            }
          }
        }
      }
    }

    // Phase 1: the element's own lists, top level first (no lock: no list holds it yet).
    const int top = std::min(level, max_level);
    std::vector<std::vector<tableint>> chosen(static_cast<size_t>(top) + 1);
    const bool entry_removed = hnsw.isMarkedDeleted(entry);
    for (int l = top; l >= 0; --l) {
      Candidates candidates = hnsw.searchBaseLayer(current, vector, l);
      if (entry_removed) {  // keeps a removed entry point connected, as addPoint does
        candidates.emplace(distance(vector, entry), entry);
        if (candidates.size() > hnsw.ef_construction_) candidates.pop();
      }
      // Every element the walk reached is removed: link to where it started.
      if (candidates.empty()) candidates.emplace(distance(vector, current), current);
      hnsw.getNeighborsByHeuristic2(candidates, hnsw.M_);
      std::vector<tableint>& selected = chosen[static_cast<size_t>(l)];
      for (; !candidates.empty(); candidates.pop()) selected.push_back(candidates.top().second);
      linklistsizeint* own = hnsw.get_linklist_at_level(id, l);
      hnsw.setListCount(own, static_cast<unsigned short>(selected.size()));
      std::copy(selected.begin(), selected.end(), reinterpret_cast<tableint*>(own + 1));
      current = selected.back();  // the closest: the queue gives the farthest first
    }
    // Phase 2: the element into its neighbours' lists.
    for (int l = top; l >= 0; --l) {
      for (const tableint neighbour : chosen[static_cast<size_t>(l)]) link_back(neighbour, id, l);
    }
    if (level > max_level) {
      hnsw.enterpoint_node_ = id;
      hnsw.maxlevel_ = level;
    }
  }

  // Adds `id` to the level-`level` list of `neighbour`; a full list keeps what the neighbour
  // heuristic picks among its links and `id` (mutuallyConnectNewElement's second half).
  void link_back(tableint neighbour, tableint id, int level) {
    const size_t max_links = level == 0 ? hnsw.maxM0_ : hnsw.maxM_;
    std::unique_lock<std::mutex> lock(hnsw.link_list_locks_[neighbour]);
    linklistsizeint* list = hnsw.get_linklist_at_level(neighbour, level);
    auto* links = reinterpret_cast<tableint*>(list + 1);
    const size_t count = hnsw.getListCount(list);
    if (count < max_links) {
      links[count] = id;
      hnsw.setListCount(list, static_cast<unsigned short>(count + 1));
      return;
    }
    const char* centre = hnsw.getDataByInternalId(neighbour);
    Candidates candidates;
    candidates.emplace(distance(centre, id), id);
    for (size_t j = 0; j < count; ++j) candidates.emplace(distance(centre, links[j]), links[j]);
    hnsw.getNeighborsByHeuristic2(candidates, max_links);
    size_t kept = 0;
    for (; !candidates.empty(); candidates.pop()) links[kept++] = candidates.top().second;
    hnsw.setListCount(list, static_cast<unsigned short>(kept));
  }

  // Up to ef closest non-removed elements to the query, as (score, id), in no order.
  void search(const float* query, size_t ef, std::vector<Hit>& hits) const {
    hits.clear();
    tableint current = hnsw.enterpoint_node_;
    float current_distance = distance(query, current);
    for (int l = hnsw.maxlevel_; l > 0; --l) {
      for (bool changed = true; changed;) {
        changed = false;
        linklistsizeint* list = hnsw.get_linklist(current, l);
        const int count = hnsw.getListCount(list);
        const auto* neighbours = reinterpret_cast<const tableint*>(list + 1);
        for (int j = 0; j < count; ++j) {
          const float d = distance(query, neighbours[j]);
          if (d < current_distance) {
            current_distance = d;
            current = neighbours[j];
            changed = true;
          }
        }
      }
    }
    auto top = hnsw.num_deleted_ > 0 ? hnsw.searchBaseLayerST<true, false>(current, query, ef)
                                     : hnsw.searchBaseLayerST<false, false>(current, query, ef);
    while (!top.empty()) {
      hits.push_back(Hit{-top.top().first, static_cast<int64_t>(top.top().second)});
      top.pop();
    }
  }

  NegativeDotSpace space;
  Hnsw hnsw;
  int64_t upper_lists = 0;  // sum of the levels: upper-level link lists allocated
};

HnswIndex::HnswIndex(int64_t dim, const HnswOptions& options) : dim_(dim), options_(options) {
  const std::string problem = options_problem(dim, options);
  TESSERA_CHECK(problem.empty(), "{}", problem);
  graph_ = std::make_unique<Graph>(dim, options, 1);
}

HnswIndex::~HnswIndex() = default;

int64_t HnswIndex::num_added() const {
  return static_cast<int64_t>(graph_->hnsw.cur_element_count);
}

int64_t HnswIndex::num_removed() const { return static_cast<int64_t>(graph_->hnsw.num_deleted_); }

int64_t HnswIndex::max_level() const { return num_added() == 0 ? -1 : graph_->hnsw.maxlevel_; }

void HnswIndex::add(const Tensor& vectors) {
  check_vectors(vectors, dim_, kind());
  const int64_t rows = vectors.rows();
  if (rows == 0) return;
  const int64_t first = num_added();
  const int64_t total = first + rows;
  TESSERA_CHECK(total <= kMaxElements, "an hnsw index holds at most {} vectors, {} + {} given",
                kMaxElements, first, rows);

  Hnsw& hnsw = graph_->hnsw;
  if (static_cast<size_t>(total) > hnsw.max_elements_) {
    hnsw.resizeIndex(std::max(static_cast<size_t>(total), hnsw.max_elements_ * 3 / 2));
  }
  // Levels and upper-level lists first, serially: the parallel part allocates nothing.
  for (int64_t id = first; id < total; ++id) {
    hnsw.element_levels_[static_cast<size_t>(id)] = element_level(options_.seed, id, hnsw.mult_);
  }
  graph_->allocate_upper_lists(static_cast<size_t>(first), static_cast<size_t>(total));
  hnsw.cur_element_count = static_cast<size_t>(total);

  parallel_for_dynamic(
      rows,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) {
          graph_->insert(static_cast<tableint>(first + r), vectors.row(r));
        }
      },
      4);
}

void HnswIndex::remove(std::span<const int64_t> ids) {
  Hnsw& hnsw = graph_->hnsw;
  const int64_t size = num_added();
  std::unordered_set<int64_t> seen;
  for (const int64_t id : ids) {
    TESSERA_CHECK(id >= 0 && id < size, "cannot remove id {}: the index has ids [0, {})", id, size);
    TESSERA_CHECK(!hnsw.isMarkedDeleted(static_cast<tableint>(id)),
                  "cannot remove id {}: already removed", id);
    TESSERA_CHECK(seen.insert(id).second, "cannot remove id {}: given twice", id);
  }
  for (const int64_t id : ids) hnsw.markDeletedInternal(static_cast<tableint>(id));
}

TopK HnswIndex::search(const Tensor& queries, int64_t k, const SearchParams& params) const {
  check_queries(queries, dim_, kind());
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  TESSERA_CHECK(params.ef_search >= 0 && params.ef_search <= kMaxEf,
                "ef_search must be in [0, {}], got {}", kMaxEf, params.ef_search);
  const int64_t nq = queries.rows();
  TopK result;
  result.num_queries = nq;
  result.k = k;
  result.ids.assign(static_cast<size_t>(nq * k), -1);
  result.scores.assign(static_cast<size_t>(nq * k), kNoScore);
  if (nq == 0 || num_added() == 0) return result;

  const int64_t ef = std::max(params.ef_search > 0 ? params.ef_search : options_.ef_search, k);
  parallel_for_dynamic(
      nq,
      [&](int64_t begin, int64_t end, int) {
        std::vector<Hit> hits;
        hits.reserve(static_cast<size_t>(ef) + 1);
        for (int64_t q = begin; q < end; ++q) {
          graph_->search(queries.row(q), static_cast<size_t>(ef), hits);
          const auto kept =
              static_cast<std::ptrdiff_t>(std::min<size_t>(hits.size(), static_cast<size_t>(k)));
          std::partial_sort(hits.begin(), hits.begin() + kept, hits.end(),
                            [](const Hit& a, const Hit& b) {
                              return a.score > b.score || (a.score == b.score && a.id < b.id);
                            });
          for (std::ptrdiff_t j = 0; j < kept; ++j) {
            const auto slot = static_cast<size_t>(q * k + j);
            result.ids[slot] = hits[static_cast<size_t>(j)].id;
            result.scores[slot] = hits[static_cast<size_t>(j)].score;
          }
        }
      },
      4);
  return result;
}

void HnswIndex::score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
                      std::span<float> scores) const {
  check_queries(queries, dim_, kind());
  const Hnsw& hnsw = graph_->hnsw;
  index_detail::score_ids(
      queries, ids, ids_per_query, scores, num_added(),
      [&](int64_t id) { return hnsw.isMarkedDeleted(static_cast<tableint>(id)); },
      [&](int64_t q, int64_t id) {
        return -graph_->distance(queries.row(q), static_cast<tableint>(id));
      });
}

double HnswIndex::bytes_per_vector() const {
  const Hnsw& hnsw = graph_->hnsw;
  const int64_t n = num_added();
  // An element has level >= l with probability m^-l: 1 / (m - 1) upper lists on average.
  const double upper_lists = n > 0
                                 ? static_cast<double>(graph_->upper_lists) / static_cast<double>(n)
                                 : 1.0 / static_cast<double>(options_.m - 1);
  return static_cast<double>(hnsw.size_data_per_element_) +
         upper_lists * static_cast<double>(hnsw.size_links_per_element_);
}

int64_t HnswIndex::memory_bytes() const {
  const Hnsw& hnsw = graph_->hnsw;
  const auto capacity = static_cast<int64_t>(hnsw.max_elements_);
  // Per slot of capacity: the level-0 record, the upper-list pointer, the level, the lock, and
  // 2 bytes in each visited list (one per thread that searches or inserts).
  const int64_t per_slot = static_cast<int64_t>(hnsw.size_data_per_element_ + sizeof(char*) +
                                                sizeof(int) + sizeof(std::mutex)) +
                           static_cast<int64_t>(sizeof(hnswlib::vl_type)) * num_threads();
  return capacity * per_slot +
         graph_->upper_lists * static_cast<int64_t>(hnsw.size_links_per_element_) +
         static_cast<int64_t>(Hnsw::max_update_element_locks * sizeof(std::mutex));
}

void HnswIndex::save_fields(IndexFileWriter& out) const {
  const Hnsw& hnsw = graph_->hnsw;
  const int64_t n = num_added();
  out.write<int64_t>(dim_);
  out.write<int64_t>(options_.m);
  out.write<int64_t>(options_.ef_construction);
  out.write<int64_t>(options_.ef_search);
  out.write<uint64_t>(options_.seed);
  out.write<int64_t>(n);
  out.write<int64_t>(n == 0 ? -1 : static_cast<int64_t>(hnsw.enterpoint_node_));
  out.write<int64_t>(max_level());

  const auto count = static_cast<size_t>(n);
  const std::vector<int32_t> levels(hnsw.element_levels_.begin(), hnsw.element_levels_.begin() + n);
  out.write_array<int32_t>(levels);
  out.write_array<uint8_t>(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(hnsw.data_level0_memory_),
                               count * hnsw.size_data_per_element_));
  const size_t words_per_list = hnsw.size_links_per_element_ / sizeof(uint32_t);
  std::vector<uint32_t> upper;
  upper.reserve(static_cast<size_t>(graph_->upper_lists) * words_per_list);
  for (size_t i = 0; i < count; ++i) {
    const auto* words = reinterpret_cast<const uint32_t*>(hnsw.linkLists_[i]);
    upper.insert(upper.end(), words,
                 words + static_cast<size_t>(hnsw.element_levels_[i]) * words_per_list);
  }
  out.write_array<uint32_t>(upper);
}

std::unique_ptr<HnswIndex> HnswIndex::read_fields(IndexFileReader& in) {
  const auto dim = in.read<int64_t>("dim");
  HnswOptions options;
  options.m = in.read<int64_t>("m");
  options.ef_construction = in.read<int64_t>("ef_construction");
  options.ef_search = in.read<int64_t>("ef_search");
  options.seed = in.read<uint64_t>("seed");
  if (const std::string problem = options_problem(dim, options); !problem.empty()) in.fail(problem);
  const auto n = in.read<int64_t>("count");
  if (n < 0 || n > kMaxElements) in.fail(fmt::format("invalid element count {}", n));
  const auto entry = in.read<int64_t>("entry point");
  const auto top_level = in.read<int64_t>("max level");
  const auto count = static_cast<size_t>(n);
  const std::vector<int32_t> levels = in.read_array<int32_t>("levels", count);
  if (levels.size() != count) in.fail(fmt::format("{} levels for {} elements", levels.size(), n));

  // hnswlib's layout for these options (the record size checked against it below).
  const auto m = static_cast<size_t>(options.m);
  const size_t record_bytes = 4 + 8 * m + 4 * static_cast<size_t>(dim) + 8;
  std::vector<uint8_t> records = in.read_array<uint8_t>("level-0 records", count * record_bytes);
  if (records.size() != count * record_bytes) {
    in.fail(fmt::format("{} bytes of level-0 records for {} elements of {} bytes", records.size(),
                        n, record_bytes));
  }
  int64_t upper_lists = 0;
  int32_t highest = -1;
  for (const int32_t level : levels) {
    if (level < 0 || level > kMaxLevel) in.fail(fmt::format("invalid element level {}", level));
    upper_lists += level;
    highest = std::max(highest, level);
  }
  const size_t words_per_list = 1 + m;
  const std::vector<uint32_t> upper = in.read_array<uint32_t>(
      "upper-level links", static_cast<uint64_t>(upper_lists) * words_per_list);
  if (upper.size() != static_cast<size_t>(upper_lists) * words_per_list) {
    in.fail(fmt::format("{} words of upper-level links for {} lists", upper.size(), upper_lists));
  }
  if (n == 0 ? entry != -1 || top_level != -1
             : entry < 0 || entry >= n || top_level != highest ||
                   levels[static_cast<size_t>(entry)] != highest) {
    in.fail(fmt::format("invalid entry point {} at max level {} ({} elements, top level {})", entry,
                        top_level, n, highest));
  }

  // Level 0: link counts within 2m, neighbours other elements, flags known, vectors finite, each
  // record's id its own. Unused link slots are zeroed (hnswlib prefetches one slot past the end).
  const size_t links_bytes = 4 + 8 * m;
  int64_t removed = 0;
  for (size_t i = 0; i < count; ++i) {
    uint8_t* record = records.data() + i * record_bytes;
    uint16_t links;
    std::memcpy(&links, record, sizeof links);
    if (links > 2 * m || (record[2] & ~kRemovedFlag) != 0 || record[3] != 0) {
      in.fail(fmt::format("element {}: invalid level-0 header ({} links, flags {})", i, links,
                          record[2]));
    }
    removed += record[2] & kRemovedFlag;
    auto* neighbours = reinterpret_cast<uint32_t*>(record + 4);
    for (size_t j = 0; j < links; ++j) {
      if (neighbours[j] >= count || neighbours[j] == i) {
        in.fail(fmt::format("element {}: invalid level-0 neighbour {}", i, neighbours[j]));
      }
    }
    std::fill(neighbours + links, neighbours + 2 * m, 0u);
    const auto* vector = reinterpret_cast<const float*>(record + links_bytes);
    for (int64_t c = 0; c < dim; ++c) {
      if (!std::isfinite(vector[c])) in.fail(fmt::format("element {}: non-finite vector", i));
    }
    uint64_t label;
    std::memcpy(&label, record + record_bytes - sizeof label, sizeof label);
    if (label != i) in.fail(fmt::format("element {}: record holds id {}", i, label));
  }
  // Upper levels: link counts within m, neighbours other elements present on that level.
  size_t word = 0;
  for (size_t i = 0; i < count; ++i) {
    for (int32_t l = 1; l <= levels[i]; ++l, word += words_per_list) {
      const uint32_t links = upper[word];
      if (links > m) in.fail(fmt::format("element {} level {}: {} links", i, l, links));
      for (size_t j = 1; j <= links; ++j) {
        const uint32_t neighbour = upper[word + j];
        if (neighbour >= count || neighbour == i || levels[neighbour] < l) {
          in.fail(fmt::format("element {} level {}: invalid neighbour {}", i, l, neighbour));
        }
      }
    }
  }

  auto index = std::make_unique<HnswIndex>(dim, options);
  index->graph_ = std::make_unique<Graph>(dim, options, count);
  Graph& graph = *index->graph_;
  Hnsw& hnsw = graph.hnsw;
  TESSERA_CHECK(hnsw.size_data_per_element_ == record_bytes &&
                    hnsw.size_links_per_element_ == words_per_list * sizeof(uint32_t),
                "hnswlib's record layout ({} bytes) is not the file's ({} bytes)",
                hnsw.size_data_per_element_, record_bytes);
  if (count > 0) std::memcpy(hnsw.data_level0_memory_, records.data(), records.size());
  std::copy(levels.begin(), levels.end(), hnsw.element_levels_.begin());
  graph.allocate_upper_lists(0, count);
  word = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t words = static_cast<size_t>(levels[i]) * words_per_list;
    if (words > 0) std::memcpy(hnsw.linkLists_[i], upper.data() + word, words * sizeof(uint32_t));
    word += words;
  }
  hnsw.cur_element_count = count;
  hnsw.num_deleted_ = static_cast<size_t>(removed);
  hnsw.enterpoint_node_ = n == 0 ? static_cast<tableint>(-1) : static_cast<tableint>(entry);
  hnsw.maxlevel_ = static_cast<int>(top_level);
  return index;
}

}  // namespace tessera
