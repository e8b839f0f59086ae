#include "tessera/core/tensor.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "tessera/core/check.h"

namespace tessera {

namespace {
constexpr size_t kAlignment = 64;
// Big tensors (embedding tables and their optimizer state) are read a row at a time at random;
// with 4 KiB pages nearly every row costs a TLB miss. They get 2 MiB-aligned memory that the
// kernel is asked to back with transparent huge pages (an Adam update over 67k random rows of
// three 200 MB tables ran ~20% faster so). Below kHugeThreshold the default alignment is kept.
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kHugeThreshold = size_t{8} << 20;

// Memory of a tensor: big ones are fresh anonymous mappings, which the kernel hands out zeroed
// and faults in page by page on first touch, so a zero-filled optimizer state costs nothing
// until a row is updated, and rows a sparse training never touches are never materialized.
struct Block {
  void* memory = nullptr;
  size_t bytes = 0;     // mapped length; 0: from aligned_alloc
  bool zeroed = false;  // already zero (a fresh mapping)
};

Block allocate_block(size_t bytes) {
  if (bytes < kHugeThreshold) return {std::aligned_alloc(kAlignment, bytes), 0, false};
  // Twice the huge-page size over, so a 2 MiB-aligned start can be cut out of the mapping.
  bytes = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  const size_t mapped = bytes + kHugePage;
  void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return {};
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(raw, aligned - start);
  const size_t tail = mapped - (aligned - start) - bytes;
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  void* memory = reinterpret_cast<void*>(aligned);
  madvise(memory, bytes, MADV_HUGEPAGE);  // advice only: may be ignored
  return {memory, bytes, true};
}

void check_shape(std::span<const int64_t> shape) {
  TESSERA_CHECK(!shape.empty() && shape.size() <= Tensor::kMaxDims,
                "a tensor has 1 to {} dimensions, got {}", Tensor::kMaxDims, shape.size());
  for (int64_t d : shape) {
    TESSERA_CHECK(d >= 0, "tensor dimensions must be non-negative, got {}", d);
  }
}
}  // namespace

Tensor Tensor::allocate(std::span<const int64_t> shape, bool* zeroed) {
  check_shape(shape);
  Tensor t;
  t.ndim_ = static_cast<int>(shape.size());
  std::copy(shape.begin(), shape.end(), t.shape_.begin());
  t.ld_ = t.cols();
  const int64_t n = t.numel();
  const size_t bytes =
      std::max<size_t>(kAlignment, (static_cast<size_t>(n) * sizeof(float) + kAlignment - 1) /
                                       kAlignment * kAlignment);
  const Block block = allocate_block(bytes);
  TESSERA_CHECK(block.memory != nullptr, "out of memory allocating a tensor of {} floats", n);
  if (block.bytes == 0) {
    t.storage_ =
        std::shared_ptr<float>(static_cast<float*>(block.memory), [](float* p) { std::free(p); });
  } else {
    const size_t mapped = block.bytes;
    t.storage_ = std::shared_ptr<float>(static_cast<float*>(block.memory),
                                        [mapped](float* p) { munmap(p, mapped); });
  }
  t.data_ = t.storage_.get();
  if (zeroed != nullptr) *zeroed = block.zeroed;
  return t;
}

Tensor Tensor::empty(std::initializer_list<int64_t> shape) {
  return allocate({shape.begin(), shape.size()});
}
Tensor Tensor::empty(std::span<const int64_t> shape) { return allocate(shape); }

Tensor Tensor::zeros(std::initializer_list<int64_t> shape) {
  return zeros(std::span<const int64_t>(shape.begin(), shape.size()));
}
Tensor Tensor::zeros(std::span<const int64_t> shape) {
  bool zeroed = false;
  Tensor t = allocate(shape, &zeroed);
  if (!zeroed) std::memset(t.data_, 0, static_cast<size_t>(t.numel()) * sizeof(float));
  return t;
}

Tensor Tensor::full(std::initializer_list<int64_t> shape, float value) {
  Tensor t = empty(shape);
  t.fill(value);
  return t;
}

Tensor Tensor::from(std::initializer_list<int64_t> shape, std::span<const float> values) {
  Tensor t = empty(shape);
  TESSERA_CHECK(static_cast<int64_t>(values.size()) == t.numel(),
                "shape {} needs {} values, got {}", t.shape_string(), t.numel(), values.size());
  std::copy(values.begin(), values.end(), t.data_);
  return t;
}
Tensor Tensor::from(std::initializer_list<int64_t> shape, std::initializer_list<float> values) {
  return from(shape, std::span<const float>(values.begin(), values.size()));
}

Tensor Tensor::view_of(float* data, std::initializer_list<int64_t> shape, int64_t ld) {
  check_shape({shape.begin(), shape.size()});
  TESSERA_CHECK(data != nullptr, "cannot view a null pointer");
  Tensor t;
  t.ndim_ = static_cast<int>(shape.size());
  std::copy(shape.begin(), shape.end(), t.shape_.begin());
  t.ld_ = ld == 0 ? t.cols() : ld;
  TESSERA_CHECK(t.ld_ >= t.cols(), "row stride {} is shorter than a row of {}", t.ld_, t.cols());
  t.data_ = data;
  return t;
}

int64_t Tensor::dim(int i) const {
  const int index = i < 0 ? ndim_ + i : i;
  TESSERA_CHECK(index >= 0 && index < ndim_, "dimension {} out of range for shape {}", i,
                shape_string());
  return shape_[index];
}

std::string Tensor::shape_string() const { return fmt::format("[{}]", fmt::join(shape(), ", ")); }

int64_t Tensor::numel() const {
  if (ndim_ == 0) return 0;
  int64_t n = 1;
  for (int i = 0; i < ndim_; ++i) n *= shape_[i];
  return n;
}

int64_t Tensor::rows() const {
  int64_t n = 1;
  for (int i = 0; i + 1 < ndim_; ++i) n *= shape_[i];
  return n;
}

float& Tensor::at(std::initializer_list<int64_t> index) {
  TESSERA_CHECK(static_cast<int>(index.size()) == ndim_, "index of {} values for shape {}",
                index.size(), shape_string());
  int64_t row_index = 0;
  int i = 0;
  int64_t col = 0;
  for (int64_t v : index) {
    TESSERA_CHECK(v >= 0 && v < shape_[i], "index {} out of range in dimension {} of shape {}", v,
                  i, shape_string());
    if (i + 1 < ndim_) {
      row_index = row_index * shape_[i] + v;
    } else {
      col = v;
    }
    ++i;
  }
  return data_[row_index * ld_ + col];
}

float Tensor::at(std::initializer_list<int64_t> index) const {
  return const_cast<Tensor*>(this)->at(index);
}

Tensor Tensor::prefix_cols(int64_t n) const {
  TESSERA_CHECK(n >= 0 && n <= cols(), "prefix of {} columns from a tensor of shape {}", n,
                shape_string());
  Tensor t = *this;
  t.shape_[ndim_ - 1] = n;
  return t;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
  TESSERA_CHECK(0 <= begin && begin <= end && end <= rows(), "rows [{}, {}) out of {} rows", begin,
                end, rows());
  Tensor t = *this;
  if (ndim_ == 1) {
    TESSERA_CHECK(begin == 0 && end == 1, "a 1-d tensor has a single row");
    return t;
  }
  t.ndim_ = 2;
  t.shape_ = {end - begin, cols(), 0};
  t.data_ = data_ + begin * ld_;
  return t;
}

Tensor Tensor::reshape(std::initializer_list<int64_t> shape) const {
  TESSERA_CHECK(contiguous(), "reshape needs a contiguous tensor, shape {} has row stride {}",
                shape_string(), ld_);
  check_shape({shape.begin(), shape.size()});
  Tensor t = *this;
  t.ndim_ = static_cast<int>(shape.size());
  t.shape_ = {};
  std::copy(shape.begin(), shape.end(), t.shape_.begin());
  t.ld_ = t.cols();
  TESSERA_CHECK(t.numel() == numel(), "cannot reshape {} into {}", shape_string(),
                t.shape_string());
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = allocate(shape());
  t.copy_from(*this);
  return t;
}

void Tensor::fill(float value) {
  for (int64_t r = 0; r < rows(); ++r) std::fill_n(row(r), cols(), value);
}

void Tensor::copy_from(const Tensor& other) {
  TESSERA_CHECK(same_shape(other), "copy from shape {} into shape {}", other.shape_string(),
                shape_string());
  for (int64_t r = 0; r < rows(); ++r) {
    std::memcpy(row(r), other.row(r), static_cast<size_t>(cols()) * sizeof(float));
  }
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> out;
  out.reserve(static_cast<size_t>(numel()));
  for (int64_t r = 0; r < rows(); ++r) out.insert(out.end(), row(r), row(r) + cols());
  return out;
}

bool Tensor::same_shape(const Tensor& other) const {
  if (ndim_ != other.ndim_) return false;
  for (int i = 0; i < ndim_; ++i) {
    if (shape_[i] != other.shape_[i]) return false;
  }
  return true;
}

}  // namespace tessera
