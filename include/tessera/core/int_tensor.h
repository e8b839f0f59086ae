// IntTensor: a contiguous, row-major array of int8 or int32 values with a shape, for what a model
// stores beside its float weights: int8 codes of a quantized table, int32 ids of the rows a
// pruned table kept. Tensor (tensor.h) stays float32; nothing trains an IntTensor.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tessera/core/enum_names.h"

namespace tessera {

// Element types of stored tensors, named as safetensors names them.
enum class ElementType { kF32, kI8, kI32 };
inline constexpr EnumName<ElementType> kElementTypeNames[] = {
    {ElementType::kF32, "F32"}, {ElementType::kI8, "I8"}, {ElementType::kI32, "I32"}};
template <>
inline constexpr EnumNames<ElementType> enum_names<ElementType> = kElementTypeNames;

inline int64_t element_bytes(ElementType type) { return type == ElementType::kI8 ? 1 : 4; }

class IntTensor {
 public:
  IntTensor() = default;
  // Zero-filled; type is kI8 or kI32 (an Error otherwise, as is a negative size).
  IntTensor(ElementType type, std::vector<int64_t> shape);
  static IntTensor of_i8(std::vector<int64_t> shape, std::span<const int8_t> values);
  static IntTensor of_i32(std::vector<int64_t> shape, std::span<const int32_t> values);

  ElementType type() const { return type_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t numel() const { return numel_; }
  // The raw little-endian bytes (numel() * element_bytes(type())), for files.
  std::span<const std::byte> bytes() const;
  std::span<std::byte> bytes();
  // The values; an Error when the type differs.
  std::span<const int8_t> i8() const;
  std::span<const int32_t> i32() const;

 private:
  ElementType type_ = ElementType::kI8;
  std::vector<int64_t> shape_;
  int64_t numel_ = 0;
  // int32_t storage keeps i32() aligned; i8 values use its first numel_ bytes.
  std::vector<int32_t> storage_;
};

}  // namespace tessera
