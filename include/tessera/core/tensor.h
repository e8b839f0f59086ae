// Tensor: float32, row-major, 1 to 3 dimensions, owning its memory or viewing someone else's.
//
// Layout: the last dimension holds `cols()` contiguous floats; consecutive rows (all leading
// dimensions flattened) are `ld()` floats apart, with ld() >= cols(). A tensor whose ld() exceeds
// cols() is a column-prefix view (Matryoshka prefixes are taken this way, without copying);
// every kernel walks rows with ld(), so views and contiguous tensors take the same code path.
//
// Copies are shallow (shared storage, like a shared_ptr); clone() makes a deep, contiguous copy.
// Owning storage is 64-byte aligned.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tessera {

class Tensor {
 public:
  static constexpr int kMaxDims = 3;

  Tensor() = default;

  // Uninitialized (for outputs about to be overwritten) or zero-filled owning tensors.
  static Tensor empty(std::initializer_list<int64_t> shape);
  static Tensor empty(std::span<const int64_t> shape);
  static Tensor zeros(std::initializer_list<int64_t> shape);
  static Tensor zeros(std::span<const int64_t> shape);
  static Tensor full(std::initializer_list<int64_t> shape, float value);
  // Owning copy of `values`, which must hold exactly prod(shape) floats.
  static Tensor from(std::initializer_list<int64_t> shape, std::span<const float> values);
  static Tensor from(std::initializer_list<int64_t> shape, std::initializer_list<float> values);
  // Non-owning view of caller memory that must outlive every use of the view. ld = 0 means
  // contiguous (ld = last dimension).
  static Tensor view_of(float* data, std::initializer_list<int64_t> shape, int64_t ld = 0);

  int ndim() const { return ndim_; }
  int64_t dim(int i) const;  // size of dimension i; negative i counts from the end
  std::span<const int64_t> shape() const { return {shape_.data(), static_cast<size_t>(ndim_)}; }
  std::string shape_string() const;  // "[2, 3]", for messages
  int64_t numel() const;
  int64_t rows() const;  // product of all dimensions but the last (1 for a 1-d tensor)
  int64_t cols() const { return ndim_ == 0 ? 0 : shape_[ndim_ - 1]; }
  int64_t ld() const { return ld_; }
  bool contiguous() const { return ld_ == cols(); }
  bool defined() const { return data_ != nullptr; }

  float* data() { return data_; }
  const float* data() const { return data_; }
  float* row(int64_t r) { return data_ + r * ld_; }
  const float* row(int64_t r) const { return data_ + r * ld_; }
  // Element access by full index; bounds are checked (for tests and slow paths only).
  float& at(std::initializer_list<int64_t> index);
  float at(std::initializer_list<int64_t> index) const;

  // The first `n` columns of every row, sharing storage (no copy).
  Tensor prefix_cols(int64_t n) const;
  // Rows [begin, end) of the flattened row view, sharing storage; keeps the leading shape only
  // for 2-d tensors (a 3-d tensor's slice comes back 2-d).
  Tensor slice_rows(int64_t begin, int64_t end) const;
  // Same storage seen with another shape; needs a contiguous tensor and equal numel.
  Tensor reshape(std::initializer_list<int64_t> shape) const;

  Tensor clone() const;  // deep, contiguous copy
  void fill(float value);
  void zero() { fill(0.0f); }
  void copy_from(const Tensor& other);   // same shape required; layouts may differ
  std::vector<float> to_vector() const;  // row by row, without padding

  bool same_shape(const Tensor& other) const;

 private:
  // Uninitialized memory; *zeroed (when given) says whether it happens to be zero already.
  static Tensor allocate(std::span<const int64_t> shape, bool* zeroed = nullptr);

  std::shared_ptr<float> storage_;  // keeps owning memory alive; empty for caller-owned views
  float* data_ = nullptr;
  std::array<int64_t, kMaxDims> shape_{};
  int ndim_ = 0;
  int64_t ld_ = 0;
};

}  // namespace tessera
