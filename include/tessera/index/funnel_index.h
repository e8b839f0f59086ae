// FunnelIndex: Matryoshka adaptive retrieval (Kusupati et al., 2022) as a composition of two
// indexes, not a new kind: a cheap shortlist index proposes candidates, a rescoring index of the
// full vectors ranks them.
//
//   funnel@64>256        shortlist: FlatIndex over the first 64 dims (each prefix re-normalized
//                        to unit length, as a Matryoshka model's prefix embeddings are);
//                        rescoring: FlatIndex of the 256-dim vectors
//   binary@256+rescore   shortlist: BinaryIndex of the sign bits; rescoring: FlatIndex
//
// add() takes full vectors and gives each part what it indexes; search() asks the shortlist
// index for `shortlist` candidates (SearchParams::shortlist, or the default), scores them with
// the rescoring index and keeps the k best (never more than the shortlist).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tessera/index/index.h"

namespace tessera {

struct FunnelOptions {
  int64_t shortlist = 100;       // candidates rescored per query
  bool normalize_prefix = true;  // re-normalize the shortlist's prefix vectors to unit length
};

class FunnelIndex final : public Index {
 public:
  // shortlist_index searches the first shortlist_index->dim() dims; rescorer (dim() of the
  // funnel) scores the full vectors. Both must be empty or hold the same vectors.
  FunnelIndex(std::unique_ptr<Index> shortlist_index, std::unique_ptr<Index> rescorer,
              FunnelOptions options = {});

  std::string kind() const override { return "funnel"; }
  int64_t dim() const override { return rescorer_->dim(); }
  int64_t num_added() const override { return rescorer_->num_added(); }
  int64_t num_removed() const override { return rescorer_->num_removed(); }
  void add(const Tensor& vectors) override;
  void remove(std::span<const int64_t> ids) override;
  TopK search(const Tensor& queries, int64_t k, const SearchParams& params = {}) const override;
  void score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
             std::span<float> scores) const override {
    rescorer_->score(queries, ids, ids_per_query, scores);
  }
  double bytes_per_vector() const override;
  int64_t memory_bytes() const override;
  void save_fields(IndexFileWriter& out) const override;
  static std::unique_ptr<FunnelIndex> read_fields(IndexFileReader& in);

  const Index& shortlist_index() const { return *shortlist_; }
  const Index& rescorer() const { return *rescorer_; }
  const FunnelOptions& options() const { return options_; }

 private:
  // The shortlist's view of full vectors: the prefix, re-normalized if asked.
  Tensor shortlist_vectors(const Tensor& vectors) const;
  // search() for some of the queries: their rows of result, from row first_query on.
  void search_chunk(const Tensor& queries, int64_t k, int64_t shortlist, const SearchParams& params,
                    int64_t first_query, TopK& result) const;

  std::unique_ptr<Index> shortlist_;
  std::unique_ptr<Index> rescorer_;
  FunnelOptions options_;
};

}  // namespace tessera
