#include "tessera/train/batcher.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"

namespace tessera {

namespace {
constexpr uint64_t kSlotStream = 0x510757ull;
}  // namespace

std::vector<Slot> draw_slots(const std::vector<WeightedSource>& sources, uint64_t seed,
                             int64_t epoch) {
  std::vector<Slot> slots;
  for (size_t s = 0; s < sources.size(); ++s) {
    const WeightedSource& ws = sources[s];
    TESSERA_CHECK(ws.weight >= 0 && std::isfinite(ws.weight),
                  "source weight must be finite and >= 0, got {}", ws.weight);
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
  std::unordered_set<uint64_t> queries, documents;
  while (!remaining.empty()) {
    std::vector<int64_t> batch;
    queries.clear();
    documents.clear();
    deferred.clear();
    size_t n = 0;
    for (; n < remaining.size() && static_cast<int64_t>(batch.size()) < batch_size; ++n) {
      const int64_t slot = remaining[n];
      const ExampleKeys& k = keys[static_cast<size_t>(slot)];
      bool clash = queries.count(k.query) > 0;
      for (uint64_t d : k.documents) clash = clash || documents.count(d) > 0;
      if (clash) {
        deferred.push_back(slot);
        continue;
      }
      batch.push_back(slot);
      queries.insert(k.query);
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

// Splits rows (indices into embeddings) into two halves around two centroids: each row's
// preference is sim(c0) - sim(c1); the half with the larger preferences goes to c0.
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

}  // namespace tessera
