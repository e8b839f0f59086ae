// Flat indexes: every stored vector is scored for every query (exact for fp32; int8 and binary
// are exact over their codes). The kernels are exact_search.h's and binary_codes.h's.
//
//   FlatIndex    fp32 vectors, inner product: 4 bytes a dimension
//   Int8Index    int8 codes with per-dimension scales (core/quantize.h): 1 byte a dimension.
//                search() and score() quantize the query to int8 too (a step per query) and
//                take integer dot products (exact_search.h's quantized_top_k_int8): the
//                inner product with the decoded codes, within the query's rounding
//   BinaryIndex  sign bits (core/quantize.h), bits - 2 * Hamming distance: 1 bit a dimension
//
// Removed vectors stay in memory, flagged, until the index is rebuilt.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "tessera/index/binary_codes.h"
#include "tessera/index/index.h"

namespace tessera {

// A second layout of an index's data for a faster scan, made by the first search that wants it
// and dropped when the data change (an index never searched never holds it). Thread-safe.
template <typename Layout>
class LazyLayout {
 public:
  template <typename Make>
  std::shared_ptr<const Layout> get(const Make& make) const {
    const std::lock_guard lock(mutex_);
    if (!layout_) layout_ = make();
    return layout_;
  }
  // The layout if made, else null (for memory_bytes).
  std::shared_ptr<const Layout> made() const {
    const std::lock_guard lock(mutex_);
    return layout_;
  }
  void drop() {
    const std::lock_guard lock(mutex_);
    layout_.reset();
  }

 private:
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Layout> layout_;
};

// Flags of removed ids, shared by the flat kinds.
class RemovedIds {
 public:
  void grow(int64_t size) { flags_.resize(static_cast<size_t>(size), 0); }
  // Throws (changing nothing) if an id is out of [0, size) or already removed, or given twice.
  void remove(std::span<const int64_t> ids);
  bool removed(int64_t id) const { return flags_[static_cast<size_t>(id)] != 0; }
  int64_t count() const { return count_; }
  // Null when nothing is removed (the kernels then skip the test).
  const uint8_t* flags() const { return count_ == 0 ? nullptr : flags_.data(); }
  int64_t memory_bytes() const { return std::ssize(flags_); }

  void save(IndexFileWriter& out) const;
  void load(IndexFileReader& in, int64_t size);

 private:
  std::vector<uint8_t> flags_;
  int64_t count_ = 0;
};

class FlatIndex final : public Index {
 public:
  explicit FlatIndex(int64_t dim);

  std::string kind() const override { return "flat"; }
  int64_t dim() const override { return dim_; }
  int64_t num_added() const override { return std::ssize(data_) / dim_; }
  int64_t num_removed() const override { return removed_.count(); }
  void add(const Tensor& vectors) override;
  void remove(std::span<const int64_t> ids) override { removed_.remove(ids); }
  TopK search(const Tensor& queries, int64_t k, const SearchParams& params = {}) const override;
  void score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
             std::span<float> scores) const override;
  double bytes_per_vector() const override { return 4.0 * static_cast<double>(dim_); }
  int64_t memory_bytes() const override;
  void save_fields(IndexFileWriter& out) const override;
  static std::unique_ptr<FlatIndex> read_fields(IndexFileReader& in);

  // The stored vectors (num_added() x dim()), removed ones included.
  Tensor vectors() const;

 private:
  int64_t dim_;
  std::vector<float> data_;
  RemovedIds removed_;
};

class Int8Index final : public Index {
 public:
  explicit Int8Index(int64_t dim);

  // Sets the per-dimension scales from calibration vectors (core/quantize.h's int8_scales).
  // The first add() calls it with its vectors when it has not been called; values beyond the
  // calibrated range clamp.
  void train(const Tensor& calibration);
  bool trained() const { return !scales_.empty(); }

  std::string kind() const override { return "int8"; }
  int64_t dim() const override { return dim_; }
  int64_t num_added() const override { return std::ssize(codes_) / dim_; }
  int64_t num_removed() const override { return removed_.count(); }
  void add(const Tensor& vectors) override;
  void remove(std::span<const int64_t> ids) override { removed_.remove(ids); }
  TopK search(const Tensor& queries, int64_t k, const SearchParams& params = {}) const override;
  void score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
             std::span<float> scores) const override;
  double bytes_per_vector() const override { return static_cast<double>(dim_); }
  int64_t memory_bytes() const override;
  void save_fields(IndexFileWriter& out) const override;
  static std::unique_ptr<Int8Index> read_fields(IndexFileReader& in);

  std::span<const float> scales() const { return scales_; }

 private:
  int64_t dim_;
  std::vector<float> scales_;
  std::vector<int8_t> codes_;
  RemovedIds removed_;
  // The codes in the integer scan's blocked layout (an index used only to rescore never needs
  // them); counted by memory_bytes() once made.
  LazyLayout<index_detail::Int8Blocks> blocks_;
};

class BinaryIndex final : public Index {
 public:
  explicit BinaryIndex(int64_t dim);

  std::string kind() const override { return "binary"; }
  int64_t dim() const override { return codes_.bits; }
  int64_t num_added() const override { return codes_.size; }
  int64_t num_removed() const override { return removed_.count(); }
  void add(const Tensor& vectors) override;
  void remove(std::span<const int64_t> ids) override { removed_.remove(ids); }
  TopK search(const Tensor& queries, int64_t k, const SearchParams& params = {}) const override;
  void score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
             std::span<float> scores) const override;
  double bytes_per_vector() const override { return static_cast<double>(codes_.code_bytes); }
  int64_t memory_bytes() const override;
  void save_fields(IndexFileWriter& out) const override;
  static std::unique_ptr<BinaryIndex> read_fields(IndexFileReader& in);

  const BinaryCodes& codes() const { return codes_; }

 private:
  BinaryCodes codes_;
  RemovedIds removed_;
  // 256-bit codes word-major for the AVX-512 scan (never for other widths or CPUs); counted by
  // memory_bytes() once made.
  LazyLayout<index_detail::WordMajorCodes> word_major_;
};

// Checks vectors for add() to an index of `dim` dimensions: n x dim, every value finite.
void check_vectors(const Tensor& vectors, int64_t dim, std::string_view kind);
// Checks queries for a search or score call on an index of `dim` dimensions.
void check_queries(const Tensor& queries, int64_t dim, std::string_view kind);
// Checks the ids/scores spans of Index::score.
void check_score_args(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
                      std::span<const float> scores);

}  // namespace tessera
