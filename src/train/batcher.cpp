#include "tessera/train/batcher.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"

namespace tessera {

namespace {
constexpr uint64_t kSlotStream = 0x510757ull;
constexpr uint64_t kOrderStream = 0x0bde;
constexpr uint64_t kClusterStream = 0xc105;

// The slots in a random order of (seed, epoch).
std::vector<int64_t> random_order(size_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Random random = Random::stream(seed, kOrderStream, static_cast<uint64_t>(epoch));
  shuffle(order, random);
  return order;
}

}  // namespace

std::vector<Slot> draw_slots(const std::vector<WeightedSource>& sources, uint64_t seed,
                             int64_t epoch) {
  double total = 0;
  for (const WeightedSource& ws : sources) {
    TESSERA_CHECK(ws.weight >= 0 && std::isfinite(ws.weight),
                  "source weight must be finite and >= 0, got {}", ws.weight);
    total += ws.weight * static_cast<double>(ws.source->size());
  }
  TESSERA_CHECK(total <= static_cast<double>(kMaxSlotsPerEpoch),
                "an epoch of {:.3g} examples is more than the {} one epoch can hold", total,
                kMaxSlotsPerEpoch);
  std::vector<Slot> slots;
  for (size_t s = 0; s < sources.size(); ++s) {
    const WeightedSource& ws = sources[s];
    const int64_t size = ws.source->size();
    const auto whole = static_cast<int64_t>(std::floor(ws.weight));
    for (int64_t copy = 0; copy < whole; ++copy) {
      for (int64_t item = 0; item < size; ++item) slots.push_back({static_cast<int32_t>(s), item});
    }
    const auto extra = static_cast<int64_t>(
        std::llround((ws.weight - static_cast<double>(whole)) * static_cast<double>(size)));
    if (extra > 0) {
      // A partial Fisher-Yates shuffle picks `extra` distinct items.
      Random random = Random::stream(seed, kSlotStream + s, static_cast<uint64_t>(epoch));
      std::vector<int64_t> items(static_cast<size_t>(size));
      for (int64_t i = 0; i < size; ++i) items[static_cast<size_t>(i)] = i;
      for (int64_t i = 0; i < extra; ++i) {
        const auto j = static_cast<size_t>(i) + random.below(static_cast<uint64_t>(size - i));
        std::swap(items[static_cast<size_t>(i)], items[j]);
        slots.push_back({static_cast<int32_t>(s), items[static_cast<size_t>(i)]});
      }
    }
  }
  return slots;
}

nlohmann::json slots_to_json(const std::vector<Slot>& slots) {
  nlohmann::json out = nlohmann::json::array();
  for (const Slot& s : slots) {
    out.push_back(s.source);
    out.push_back(s.item);
  }
  return out;
}

std::vector<Slot> slots_from_json(const nlohmann::json& j) {
  TESSERA_CHECK(j.is_array() && j.size() % 2 == 0, "slots must be an array of (source, item)");
  std::vector<Slot> slots;
  for (size_t i = 0; i + 1 < j.size(); i += 2) {
    slots.push_back({j[i].get<int32_t>(), j[i + 1].get<int64_t>()});
  }
  return slots;
}

std::vector<std::vector<int64_t>> no_duplicate_batches(const std::vector<WeightedSource>& sources,
                                                       const std::vector<Slot>& slots,
                                                       const std::vector<int64_t>& order,
                                                       int64_t batch_size) {
  TESSERA_CHECK(batch_size >= 2, "batch size must be >= 2 for in-batch negatives, got {}",
                batch_size);
  std::vector<ExampleKeys> keys(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    keys[i] = sources[static_cast<size_t>(slots[i].source)].source->keys(slots[i].item);
  }
  std::vector<std::vector<int64_t>> batches;
  std::vector<int64_t> remaining = order;
  std::vector<int64_t> deferred;
  std::unordered_set<uint64_t> anchors, documents;
  while (!remaining.empty()) {
    std::vector<int64_t> batch;
    anchors.clear();
    documents.clear();
    deferred.clear();
    size_t n = 0;
    for (; n < remaining.size() && static_cast<int64_t>(batch.size()) < batch_size; ++n) {
      const int64_t slot = remaining[n];
      const ExampleKeys& k = keys[static_cast<size_t>(slot)];
      bool clash = anchors.count(k.anchor) > 0;
      for (uint64_t d : k.documents) clash = clash || documents.count(d) > 0;
      if (clash) {
        deferred.push_back(slot);
        continue;
      }
      batch.push_back(slot);
      anchors.insert(k.anchor);
      documents.insert(k.documents.begin(), k.documents.end());
    }
    deferred.insert(deferred.end(), remaining.begin() + static_cast<std::ptrdiff_t>(n),
                    remaining.end());
    batches.push_back(std::move(batch));
    std::swap(remaining, deferred);
  }
  return batches;
}

namespace {

// Splits rows (indices into embeddings) into two halves around two centroids: the half whose
// sim(c0) - sim(c1) is largest goes to c0 (sorted by its negation, smallest first).
void split_in_two(const Tensor& embeddings, std::vector<int64_t>& rows, Random& random,
                  std::vector<int64_t>& left, std::vector<int64_t>& right) {
  const int64_t d = embeddings.dim(1);
  const size_t n = rows.size();
  // Two distinct random rows seed the centroids.
  const size_t first = random.below(n);
  const size_t second = (first + 1 + random.below(n - 1)) % n;
  const float* r0 = embeddings.row(rows[first]);
  const float* r1 = embeddings.row(rows[second]);
  std::vector<float> c0(r0, r0 + d), c1(r1, r1 + d);
  std::vector<std::pair<float, int64_t>> preference(n);
  const size_t half = n / 2;
  for (int round = 0; round < 4; ++round) {
    for (size_t i = 0; i < n; ++i) {
      const float* x = embeddings.row(rows[i]);
      preference[i] = {kernels::dot(x, c1.data(), d) - kernels::dot(x, c0.data(), d), rows[i]};
    }
    std::nth_element(preference.begin(), preference.begin() + static_cast<std::ptrdiff_t>(half),
                     preference.end());
    std::fill(c0.begin(), c0.end(), 0.0f);
    std::fill(c1.begin(), c1.end(), 0.0f);
    for (size_t i = 0; i < n; ++i) {
      kernels::axpy(1.0f, embeddings.row(preference[i].second), i < half ? c0.data() : c1.data(),
                    d);
    }
  }
  left.clear();
  right.clear();
  for (size_t i = 0; i < n; ++i) (i < half ? left : right).push_back(preference[i].second);
}

}  // namespace

std::vector<std::vector<int64_t>> balanced_clusters(const Tensor& embeddings, int64_t cluster_size,
                                                    Random& random) {
  TESSERA_CHECK(cluster_size >= 1, "cluster size must be >= 1, got {}", cluster_size);
  const int64_t n = embeddings.dim(0);
  std::vector<std::vector<int64_t>> done;
  std::vector<std::vector<int64_t>> pending(1);
  for (int64_t i = 0; i < n; ++i) pending[0].push_back(i);
  while (!pending.empty()) {
    std::vector<int64_t> rows = std::move(pending.back());
    pending.pop_back();
    if (static_cast<int64_t>(rows.size()) <= cluster_size || rows.size() < 2) {
      if (!rows.empty()) done.push_back(std::move(rows));
      continue;
    }
    std::vector<int64_t> left, right;
    split_in_two(embeddings, rows, random, left, right);
    pending.push_back(std::move(left));
    pending.push_back(std::move(right));
  }
  for (auto& cluster : done) shuffle(cluster, random);
  shuffle(done, random);
  return done;
}

NoDuplicateBatcher::NoDuplicateBatcher(std::vector<WeightedSource> sources, int64_t batch_size,
                                       uint64_t seed)
    : sources_(std::move(sources)), batch_size_(batch_size), seed_(seed) {}

std::vector<std::vector<int64_t>> NoDuplicateBatcher::plan(int64_t epoch,
                                                           const std::vector<Slot>& slots) {
  return no_duplicate_batches(sources_, slots, random_order(slots.size(), seed_, epoch),
                              batch_size_);
}

NgameBatcher::NgameBatcher(std::vector<WeightedSource> sources, int64_t batch_size, uint64_t seed,
                           NgameOptions options, AnchorEmbedder embed)
    : sources_(std::move(sources)),
      batch_size_(batch_size),
      seed_(seed),
      options_(std::move(options)),
      embed_(std::move(embed)) {
  TESSERA_CHECK(options_.recluster_every >= 1, "recluster-every must be >= 1");
  TESSERA_CHECK(options_.cluster_dim >= 0, "the clustering dim must be >= 0");
  TESSERA_CHECK(embed_ != nullptr, "NGAME batches need the anchors' embeddings");
}

int64_t NgameBatcher::cluster_size(int64_t epoch) const {
  int64_t size = std::max<int64_t>(1, options_.cluster_size);
  for (const int64_t at : options_.double_at) {
    if (at <= epoch) size *= 2;
  }
  return std::min(size, batch_size_);
}

std::vector<std::vector<int64_t>> NgameBatcher::plan(int64_t epoch,
                                                     const std::vector<Slot>& slots) {
  const int64_t size = cluster_size(epoch);
  if (size <= 1) {
    return no_duplicate_batches(sources_, slots, random_order(slots.size(), seed_, epoch),
                                batch_size_);
  }
  // A clustering is redone when due, when the size changed, or when the epoch's slots differ
  // from those it was made for (a fractional source weight draws other items each epoch).
  const bool same_slots = slots.size() == clustered_slots_.size() &&
                          std::equal(slots.begin(), slots.end(), clustered_slots_.begin(),
                                     [](const Slot& a, const Slot& b) {
                                       return a.source == b.source && a.item == b.item;
                                     });
  const bool due = options_.recluster_every <= 1 || epoch % options_.recluster_every == 0 ||
                   size != cluster_size(epoch - 1);
  Random random = Random::stream(seed_, kClusterStream, static_cast<uint64_t>(epoch));
  if (due || !same_slots) {
    clusters_ = balanced_clusters(embed_(slots, options_.cluster_dim), size, random);
    clustered_slots_ = slots;
  } else {
    shuffle(clusters_, random);
  }
  std::vector<int64_t> order;
  for (const auto& cluster : clusters_) order.insert(order.end(), cluster.begin(), cluster.end());
  return no_duplicate_batches(sources_, slots, order, batch_size_);
}

nlohmann::json Batcher::state() const { return nlohmann::json::object(); }

void Batcher::restore(const nlohmann::json& /*state*/) {}

nlohmann::json NgameBatcher::state() const {
  nlohmann::json clusters = nlohmann::json::array();
  for (const auto& c : clusters_) clusters.push_back(c);
  return {{"clusters", clusters}, {"clustered_slots", slots_to_json(clustered_slots_)}};
}

void NgameBatcher::restore(const nlohmann::json& state) {
  clusters_ = state.at("clusters").get<std::vector<std::vector<int64_t>>>();
  clustered_slots_ = slots_from_json(state.at("clustered_slots"));
  for (const auto& cluster : clusters_) {
    for (const int64_t i : cluster) {
      TESSERA_CHECK(i >= 0 && static_cast<size_t>(i) < clustered_slots_.size(),
                    "the checkpoint's clusters are inconsistent");
    }
  }
}

std::unique_ptr<Batcher> make_batcher(std::vector<WeightedSource> sources, int64_t batch_size,
                                      uint64_t seed, const NgameOptions& options,
                                      AnchorEmbedder embed) {
  TESSERA_CHECK(batch_size >= 2, "batch size must be >= 2, got {}", batch_size);
  TESSERA_CHECK(options.cluster_size >= 1, "the NGAME cluster size must be >= 1, got {}",
                options.cluster_size);
  if (options.cluster_size <= 1) {
    return std::make_unique<NoDuplicateBatcher>(std::move(sources), batch_size, seed);
  }
  return std::make_unique<NgameBatcher>(std::move(sources), batch_size, seed, options,
                                        std::move(embed));
}

}  // namespace tessera
