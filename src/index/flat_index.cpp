#include "tessera/index/flat_index.h"

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "float_rows.h"
#include "hamming_distances.h"
#include "int8_scores.h"
#include "prefetch.h"
#include "score_ids.h"
#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/parallel.h"
#include "tessera/core/quantize.h"

namespace tessera {

namespace {

// Large enough for any real index, small enough that dim * count cannot overflow.
constexpr int64_t kMaxDim = 1 << 20;

void check_dim(int64_t dim, std::string_view kind) {
  TESSERA_CHECK(dim >= 1 && dim <= kMaxDim, "a {} index needs dim in [1, {}], got {}", kind,
                kMaxDim, dim);
}

// RemovedIds as score_ids' predicate.
auto is_removed(const RemovedIds& removed) {
  return [&removed](int64_t id) { return removed.removed(id); };
}

}  // namespace

void check_vectors(const Tensor& vectors, int64_t dim, std::string_view kind) {
  TESSERA_CHECK(vectors.ndim() == 2 && vectors.cols() == dim,
                "a {} index of dim {} adds n x {} vectors, got {}", kind, dim, dim,
                vectors.shape_string());
  for (int64_t r = 0; r < vectors.rows(); ++r) {
    const float* row = vectors.row(r);
    for (int64_t c = 0; c < dim; ++c) {
      TESSERA_CHECK(std::isfinite(row[c]), "vector {} has a non-finite value at dim {}", r, c);
    }
  }
}

void check_queries(const Tensor& queries, int64_t dim, std::string_view kind) {
  TESSERA_CHECK(queries.ndim() == 2 && queries.cols() == dim,
                "a {} index of dim {} searches n x {} queries, got {}", kind, dim, dim,
                queries.shape_string());
}

void check_score_args(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
                      std::span<const float> scores) {
  TESSERA_CHECK(ids_per_query >= 0 && std::ssize(ids) == queries.rows() * ids_per_query &&
                    scores.size() == ids.size(),
                "score: {} ids and {} scores for {} queries of {} ids", ids.size(), scores.size(),
                queries.rows(), ids_per_query);
}

// RemovedIds

void RemovedIds::remove(std::span<const int64_t> ids) {
  std::unordered_set<int64_t> seen;
  for (const int64_t id : ids) {
    TESSERA_CHECK(id >= 0 && id < std::ssize(flags_),
                  "cannot remove id {}: the index has ids "
                  "[0, {})",
                  id, flags_.size());
    TESSERA_CHECK(!removed(id), "cannot remove id {}: already removed", id);
    TESSERA_CHECK(seen.insert(id).second, "cannot remove id {}: given twice", id);
  }
  for (const int64_t id : ids) flags_[static_cast<size_t>(id)] = 1;
  count_ += std::ssize(ids);
}

void RemovedIds::save(IndexFileWriter& out) const {
  std::vector<int64_t> ids;
  for (size_t i = 0; i < flags_.size(); ++i) {
    if (flags_[i] != 0) ids.push_back(static_cast<int64_t>(i));
  }
  out.write_array<int64_t>(ids);
}

void RemovedIds::load(IndexFileReader& in, int64_t size) {
  flags_.assign(static_cast<size_t>(size), 0);
  count_ = 0;
  const std::vector<int64_t> ids =
      in.read_array<int64_t>("removed ids", static_cast<uint64_t>(size));
  for (const int64_t id : ids) {
    if (id < 0 || id >= size || flags_[static_cast<size_t>(id)] != 0) {
      in.fail(fmt::format("removed id {} is invalid or repeated (index of {} vectors)", id, size));
    }
    flags_[static_cast<size_t>(id)] = 1;
    ++count_;
  }
}

// FlatIndex

FlatIndex::FlatIndex(int64_t dim) : dim_(dim) { check_dim(dim, "flat"); }

void FlatIndex::add(const Tensor& vectors) {
  check_vectors(vectors, dim_, kind());
  data_.reserve(data_.size() + static_cast<size_t>(vectors.rows() * dim_));
  for (int64_t r = 0; r < vectors.rows(); ++r) {
    data_.insert(data_.end(), vectors.row(r), vectors.row(r) + dim_);
  }
  removed_.grow(num_added());
}

Tensor FlatIndex::vectors() const {
  return Tensor::view_of(const_cast<float*>(data_.data()), {num_added(), dim_});
}

TopK FlatIndex::search(const Tensor& queries, int64_t k, const SearchParams& params) const {
  check_queries(queries, dim_, kind());
  if (num_added() == 0) return exact_top_k(queries, Tensor::empty({0, dim_}), k);
  return exact_top_k(queries, vectors(), k, removed_.flags(), params.any_order);
}

void FlatIndex::score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
                      std::span<float> scores) const {
  check_queries(queries, dim_, kind());
  const index_detail::FloatRowsDotFn rows_dot = index_detail::float_rows_dot_kernel();
  index_detail::score_id_rows(queries, ids, ids_per_query, scores, num_added(), num_removed() > 0,
                              is_removed(removed_),
                              [&](int64_t q, const int64_t* rows, int64_t n, float* out) {
                                rows_dot(queries.row(q), data_.data(), dim_, rows, n, out);
                              });
}

int64_t FlatIndex::memory_bytes() const { return std::ssize(data_) * 4 + removed_.memory_bytes(); }

void FlatIndex::save_fields(IndexFileWriter& out) const {
  out.write<int64_t>(dim_);
  out.write_array<float>(data_);
  removed_.save(out);
}

std::unique_ptr<FlatIndex> FlatIndex::read_fields(IndexFileReader& in) {
  const auto dim = in.read<int64_t>("dim");
  if (dim < 1 || dim > kMaxDim) in.fail(fmt::format("invalid dim {}", dim));
  auto index = std::make_unique<FlatIndex>(dim);
  index->data_ = in.read_array<float>("vectors");
  if (std::ssize(index->data_) % dim != 0) {
    in.fail(fmt::format("{} floats are not whole vectors of dim {}", index->data_.size(), dim));
  }
  index->removed_.load(in, index->num_added());
  return index;
}

// Int8Index

Int8Index::Int8Index(int64_t dim) : dim_(dim) { check_dim(dim, "int8"); }

void Int8Index::train(const Tensor& calibration) {
  check_vectors(calibration, dim_, kind());
  TESSERA_CHECK(calibration.rows() >= 1, "int8 calibration needs at least one vector");
  scales_ = int8_scales(calibration);
}

void Int8Index::add(const Tensor& vectors) {
  check_vectors(vectors, dim_, kind());
  if (vectors.rows() == 0) return;
  if (!trained()) train(vectors);
  const std::vector<int8_t> codes = quantize_int8(vectors, scales_);
  codes_.insert(codes_.end(), codes.begin(), codes.end());
  removed_.grow(num_added());
  blocks_.drop();
}

TopK Int8Index::search(const Tensor& queries, int64_t k, const SearchParams& params) const {
  check_queries(queries, dim_, kind());
  if (!trained()) return exact_top_k(queries, Tensor::empty({0, dim_}), k);
  // Wider codes could overflow the integer scan's 32-bit sums: decoded to floats instead.
  if (dim_ > index_detail::kMaxInt8ScanDim) {
    return exact_top_k_int8(queries, codes_, scales_, k, removed_.flags(), params.any_order);
  }
  const std::shared_ptr<const index_detail::Int8Blocks> blocks =
      blocks_.get([&] { return std::make_shared<const index_detail::Int8Blocks>(codes_, dim_); });
  return quantized_top_k_int8(queries, *blocks, scales_, k, removed_.flags(), params.any_order);
}

void Int8Index::score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
                      std::span<float> scores) const {
  check_queries(queries, dim_, kind());
  // Before the first add (which sets the scales) every id is -1 or out of range: nothing to
  // quantize the queries with, and nothing is scored.
  if (!trained()) {
    index_detail::score_ids(queries, ids, ids_per_query, scores, num_added(), is_removed(removed_),
                            [](int64_t, int64_t) { return 0.0f; });
    return;
  }
  if (dim_ > index_detail::kMaxInt8ScanDim) {  // as search(): the float query times the scales
    Tensor scaled = Tensor::empty({queries.rows(), dim_});
    for (int64_t q = 0; q < queries.rows(); ++q) {
      for (int64_t c = 0; c < dim_; ++c) {
        scaled.row(q)[c] = queries.row(q)[c] * scales_[static_cast<size_t>(c)];
      }
    }
    index_detail::score_ids(
        queries, ids, ids_per_query, scores, num_added(), is_removed(removed_),
        [&](int64_t q, int64_t id) {
          return kernels::dot_int8(scaled.row(q), codes_.data() + id * dim_, dim_);
        },
        [&](int64_t id) { index_detail::prefetch_bytes(codes_.data() + id * dim_, dim_); });
    return;
  }
  // The query quantized as search() quantizes it, so both give the same scores.
  const index_detail::Int8Queries quantized = index_detail::quantize_queries(queries, scales_);
  const index_detail::Int8RowsDotFn rows_dot = index_detail::int8_rows_dot_kernel();
  index_detail::score_id_rows(queries, ids, ids_per_query, scores, num_added(), num_removed() > 0,
                              is_removed(removed_),
                              [&](int64_t q, const int64_t* rows, int64_t n, float* out) {
                                thread_local std::vector<int32_t> dots;
                                dots.resize(static_cast<size_t>(n));
                                rows_dot(quantized.code(q), quantized.bias[static_cast<size_t>(q)],
                                         codes_.data(), dim_, rows, n, dots.data());
                                const float step = quantized.steps[static_cast<size_t>(q)];
                                for (int64_t j = 0; j < n; ++j) {
                                  out[j] = step * static_cast<float>(dots[static_cast<size_t>(j)]);
                                }
                              });
}

int64_t Int8Index::memory_bytes() const {
  const std::shared_ptr<const index_detail::Int8Blocks> blocks = blocks_.made();
  return std::ssize(codes_) + std::ssize(scales_) * 4 + removed_.memory_bytes() +
         (blocks ? blocks->memory_bytes() : 0);
}

void Int8Index::save_fields(IndexFileWriter& out) const {
  out.write<int64_t>(dim_);
  out.write_array<float>(scales_);
  out.write_array<int8_t>(codes_);
  removed_.save(out);
}

std::unique_ptr<Int8Index> Int8Index::read_fields(IndexFileReader& in) {
  const auto dim = in.read<int64_t>("dim");
  if (dim < 1 || dim > kMaxDim) in.fail(fmt::format("invalid dim {}", dim));
  auto index = std::make_unique<Int8Index>(dim);
  index->scales_ = in.read_array<float>("scales", static_cast<uint64_t>(dim));
  index->codes_ = in.read_array<int8_t>("codes");
  if (!index->scales_.empty() && std::ssize(index->scales_) != dim) {
    in.fail(fmt::format("{} scales for dim {}", index->scales_.size(), dim));
  }
  for (const float scale : index->scales_) {
    if (!std::isfinite(scale) || scale < 0) in.fail(fmt::format("invalid int8 scale {}", scale));
  }
  if (std::ssize(index->codes_) % dim != 0 || (index->scales_.empty() && !index->codes_.empty())) {
    in.fail(fmt::format("{} code bytes are not whole codes of dim {} with scales",
                        index->codes_.size(), dim));
  }
  // Quantization never makes -128 (codes are symmetric), and the integer scans rely on it.
  const auto bad = std::find(index->codes_.begin(), index->codes_.end(), int8_t{-128});
  if (bad != index->codes_.end()) {
    in.fail(fmt::format("invalid int8 code -128 (code byte {})", bad - index->codes_.begin()));
  }
  index->removed_.load(in, index->num_added());
  return index;
}

// BinaryIndex

BinaryIndex::BinaryIndex(int64_t dim) {
  check_dim(dim, "binary");
  codes_.bits = dim;
  codes_.code_bytes = binary_code_bytes(dim);
}

void BinaryIndex::add(const Tensor& vectors) {
  check_vectors(vectors, dim(), kind());
  if (vectors.rows() == 0) return;
  const std::vector<uint8_t> codes = quantize_binary(vectors);
  codes_.data.insert(codes_.data.end(), codes.begin(), codes.end());
  codes_.size += vectors.rows();
  removed_.grow(num_added());
  word_major_.drop();
}

TopK BinaryIndex::search(const Tensor& queries, int64_t k, const SearchParams& params) const {
  check_queries(queries, dim(), kind());
  std::shared_ptr<const index_detail::WordMajorCodes> words;
  if (codes_.code_bytes == 32 && index_detail::word_major_distances_kernel() != nullptr) {
    words = word_major_.get([&] {
      return std::make_shared<const index_detail::WordMajorCodes>(codes_.data.data(), codes_.size);
    });
  }
  const HammingTopK hits = hamming_top_k(pack_sign_bits(queries), codes_, k, removed_.flags(),
                                         words.get(), !params.any_order);
  TopK result;
  result.num_queries = hits.num_queries;
  result.k = hits.k;
  result.ids = hits.ids;
  result.scores.resize(hits.distances.size());
  for (size_t i = 0; i < hits.distances.size(); ++i) {
    result.scores[i] = hits.ids[i] < 0 ? -std::numeric_limits<float>::infinity()
                                       : static_cast<float>(codes_.bits - 2 * hits.distances[i]);
  }
  return result;
}

void BinaryIndex::score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
                        std::span<float> scores) const {
  check_queries(queries, dim(), kind());
  const BinaryCodes query_codes = pack_sign_bits(queries);
  index_detail::score_ids(queries, ids, ids_per_query, scores, num_added(), is_removed(removed_),
                          [&](int64_t q, int64_t id) {
                            int64_t distance = 0;
                            for (int64_t b = 0; b < codes_.code_bytes; ++b) {
                              distance += __builtin_popcount(static_cast<unsigned>(
                                  query_codes.code(q)[b] ^ codes_.code(id)[b]));
                            }
                            return static_cast<float>(codes_.bits - 2 * distance);
                          });
}

int64_t BinaryIndex::memory_bytes() const {
  const std::shared_ptr<const index_detail::WordMajorCodes> words = word_major_.made();
  return std::ssize(codes_.data) + removed_.memory_bytes() + (words ? words->memory_bytes() : 0);
}

void BinaryIndex::save_fields(IndexFileWriter& out) const {
  out.write<int64_t>(codes_.bits);
  out.write_array<uint8_t>(codes_.data);
  removed_.save(out);
}

std::unique_ptr<BinaryIndex> BinaryIndex::read_fields(IndexFileReader& in) {
  const auto dim = in.read<int64_t>("dim");
  if (dim < 1 || dim > kMaxDim) in.fail(fmt::format("invalid dim {}", dim));
  auto index = std::make_unique<BinaryIndex>(dim);
  index->codes_.data = in.read_array<uint8_t>("codes");
  if (std::ssize(index->codes_.data) % index->codes_.code_bytes != 0) {
    in.fail(fmt::format("{} code bytes are not whole codes of {} bits", index->codes_.data.size(),
                        dim));
  }
  index->codes_.size = std::ssize(index->codes_.data) / index->codes_.code_bytes;
  index->removed_.load(in, index->num_added());
  return index;
}

}  // namespace tessera
