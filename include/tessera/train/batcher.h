// Batchers: which examples each step of an epoch trains on.
//
// An epoch's examples are slots (source, item). Each source contributes weight x size slots:
// every item floor(weight) times, plus a random share of the items for the fraction
// (draw_slots). A Batcher orders the slots and cuts them into batches greedily with no
// duplicates: a slot whose anchor or any of whose documents is already in the batch waits for a
// later batch (sentence-transformers' NO_DUPLICATES sampler), so no in-batch negative is a copy
// of a positive.
//   NoDuplicateBatcher  random order
//   NgameBatcher        NGAME (Dahiya et al., "NGAME: Negative Mining-aware Mini-batching for
//                       Extreme Classification", WSDM 2023): at the start of an epoch the
//                       anchors are embedded with the current model and cut into balanced
//                       clusters of similar vectors; batches are made of whole clusters, so
//                       in-batch negatives are hard. The cluster size doubles at given epochs.
// Everything is drawn from Random streams of (seed, epoch): equal seeds give equal plans at any
// thread count, and a batcher's state (its last clustering) goes into checkpoints.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "tessera/core/random.h"
#include "tessera/core/tensor.h"
#include "tessera/train/example.h"

namespace tessera {

struct Slot {
  int32_t source = 0;
  int64_t item = 0;
};

struct WeightedSource {
  const ExampleSource* source = nullptr;
  double weight = 1.0;  // items drawn per epoch = weight x size (rounded)
};

// The most slots one epoch may draw (its plan takes ~32 bytes a slot: 4 GiB at this bound).
inline constexpr int64_t kMaxSlotsPerEpoch = int64_t{1} << 27;

// The epoch's slots, in source order; more than kMaxSlotsPerEpoch is an error, found before
// anything is allocated.
std::vector<Slot> draw_slots(const std::vector<WeightedSource>& sources, uint64_t seed,
                             int64_t epoch);

// Slots as a flat JSON array [source, item, source, item, ...] and back, for checkpoints.
nlohmann::json slots_to_json(const std::vector<Slot>& slots);
std::vector<Slot> slots_from_json(const nlohmann::json& j);

// Cuts `order` (indices into slots) into batches of at most batch_size with no duplicate keys:
// a slot that clashes waits for the next batch, so the last batches may be short.
std::vector<std::vector<int64_t>> no_duplicate_batches(const std::vector<WeightedSource>& sources,
                                                       const std::vector<Slot>& slots,
                                                       const std::vector<int64_t>& order,
                                                       int64_t batch_size);

// Clusters of about cluster_size rows of `embeddings` (n x d, unit rows) with similar vectors, by
// balanced recursive 2-means: each split parts the rows into two halves of equal size (+-1)
// around two centroids, refined for a few rounds. Returns the clusters as lists of row indices;
// rows within a cluster and the clusters are in random order.
std::vector<std::vector<int64_t>> balanced_clusters(const Tensor& embeddings, int64_t cluster_size,
                                                    Random& random);

class Batcher {
 public:
  virtual ~Batcher() = default;
  // The batches of `epoch` (0-based) over its slots, as lists of indices into slots.
  virtual std::vector<std::vector<int64_t>> plan(int64_t epoch, const std::vector<Slot>& slots) = 0;
  // Anchors per cluster in `epoch` (1: random batches), for reports.
  virtual int64_t cluster_size(int64_t /*epoch*/) const { return 1; }
  // What plan() carries from one epoch to the next, for checkpoints.
  virtual nlohmann::json state() const;
  virtual void restore(const nlohmann::json& state);
};

class NoDuplicateBatcher final : public Batcher {
 public:
  NoDuplicateBatcher(std::vector<WeightedSource> sources, int64_t batch_size, uint64_t seed);
  std::vector<std::vector<int64_t>> plan(int64_t epoch, const std::vector<Slot>& slots) override;

 private:
  std::vector<WeightedSource> sources_;
  int64_t batch_size_;
  uint64_t seed_;
};

struct NgameOptions {
  int64_t cluster_size = 1;        // 1: random batches (double_at has no effect then)
  std::vector<int64_t> double_at;  // epochs (0-based) at whose start the cluster size doubles
  int64_t recluster_every = 1;     // epochs between clusterings
  int64_t cluster_dim = 64;        // prefix of the embeddings the clustering uses (0: full)
};

// The anchors of slots embedded with the current model, cut to `dim` dims (0: all) and scaled to
// unit length, one row per slot.
using AnchorEmbedder = std::function<Tensor(const std::vector<Slot>& slots, int64_t dim)>;

class NgameBatcher final : public Batcher {
 public:
  // The cluster size never exceeds the batch size.
  NgameBatcher(std::vector<WeightedSource> sources, int64_t batch_size, uint64_t seed,
               NgameOptions options, AnchorEmbedder embed);
  std::vector<std::vector<int64_t>> plan(int64_t epoch, const std::vector<Slot>& slots) override;
  int64_t cluster_size(int64_t epoch) const override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;

 private:
  std::vector<WeightedSource> sources_;
  int64_t batch_size_;
  uint64_t seed_;
  NgameOptions options_;
  AnchorEmbedder embed_;
  std::vector<std::vector<int64_t>> clusters_;  // the last clustering (slot indices)
  std::vector<Slot> clustered_slots_;           // the slots it was made for
};

// NoDuplicateBatcher when options.cluster_size is 1, else NgameBatcher.
std::unique_ptr<Batcher> make_batcher(std::vector<WeightedSource> sources, int64_t batch_size,
                                      uint64_t seed, const NgameOptions& options,
                                      AnchorEmbedder embed);

}  // namespace tessera
