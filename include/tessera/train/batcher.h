// Batchers: which examples each step of an epoch trains on.
//
// An epoch's examples are slots (source, item). Each source contributes weight x size slots:
// every item floor(weight) times, plus a random share of the items for the fraction. The slots
// are ordered (randomly, or cluster by cluster for NGAME), then cut into batches greedily with no
// duplicates: a slot whose query or any of whose documents is already in the batch waits for a
// later batch (sentence-transformers' NO_DUPLICATES sampler), so no in-batch negative is a copy of
// a positive. Everything is drawn from Random streams of (seed, epoch): equal seeds give equal
// plans at any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/core/tensor.h"
#include "tessera/train/pair_source.h"
#include "tessera/core/random.h"

namespace tessera {

struct Slot {
  int32_t source = 0;
  int64_t item = 0;
};

struct WeightedSource {
  const PairSource* source = nullptr;
  double weight = 1.0;  // items drawn per epoch = weight x size (rounded)
};

// The epoch's slots, in source order.
std::vector<Slot> draw_slots(const std::vector<WeightedSource>& sources, uint64_t seed,
                             int64_t epoch);

// Cuts `order` (indices into slots) into batches of at most batch_size with no duplicate keys;
// only the last batch may be short.
std::vector<std::vector<int64_t>> no_duplicate_batches(const std::vector<WeightedSource>& sources,
                                                       const std::vector<Slot>& slots,
                                                       const std::vector<int64_t>& order,
                                                       int64_t batch_size);

// NGAME (Dahiya et al., "NGAME: Negative Mining-aware Mini-batching for Extreme
// Classification", WSDM 2023): clusters of about cluster_size rows of `embeddings` (n x d,
// unit rows) with similar vectors, by balanced recursive 2-means: each split parts the rows into
// two halves of equal size (+-1) around two centroids, refined for a few rounds. Returns the
// clusters as lists of row indices; rows within a cluster and the clusters are in random order.
std::vector<std::vector<int64_t>> balanced_clusters(const Tensor& embeddings, int64_t cluster_size,
                                                    Random& random);

}  // namespace tessera
