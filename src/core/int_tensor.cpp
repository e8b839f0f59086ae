#include "tessera/core/int_tensor.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "tessera/core/check.h"

namespace tessera {

IntTensor::IntTensor(ElementType type, std::vector<int64_t> shape)
    : type_(type), shape_(std::move(shape)), numel_(1) {
  TESSERA_CHECK(type == ElementType::kI8 || type == ElementType::kI32,
                "an IntTensor holds I8 or I32 values, not {}", name_of(type));
  for (const int64_t size : shape_) {
    TESSERA_CHECK(size >= 0, "IntTensor shape size {} is negative", size);
    numel_ *= size;
  }
  storage_.assign(static_cast<size_t>((numel_ * element_bytes(type) + 3) / 4), 0);
}

IntTensor IntTensor::of_i8(std::vector<int64_t> shape, std::span<const int8_t> values) {
  IntTensor out(ElementType::kI8, std::move(shape));
  TESSERA_CHECK(static_cast<int64_t>(values.size()) == out.numel(),
                "IntTensor of {} values given {}", out.numel(), values.size());
  if (!values.empty()) std::memcpy(out.storage_.data(), values.data(), values.size());
  return out;
}

IntTensor IntTensor::of_i32(std::vector<int64_t> shape, std::span<const int32_t> values) {
  IntTensor out(ElementType::kI32, std::move(shape));
  TESSERA_CHECK(static_cast<int64_t>(values.size()) == out.numel(),
                "IntTensor of {} values given {}", out.numel(), values.size());
  std::copy(values.begin(), values.end(), out.storage_.begin());
  return out;
}

std::span<const std::byte> IntTensor::bytes() const {
  return {reinterpret_cast<const std::byte*>(storage_.data()),
          static_cast<size_t>(numel_ * element_bytes(type_))};
}

std::span<std::byte> IntTensor::bytes() {
  return {reinterpret_cast<std::byte*>(storage_.data()),
          static_cast<size_t>(numel_ * element_bytes(type_))};
}

std::span<const int8_t> IntTensor::i8() const {
  TESSERA_CHECK(type_ == ElementType::kI8, "IntTensor holds {}, not I8", name_of(type_));
  return {reinterpret_cast<const int8_t*>(storage_.data()), static_cast<size_t>(numel_)};
}

std::span<const int32_t> IntTensor::i32() const {
  TESSERA_CHECK(type_ == ElementType::kI32, "IntTensor holds {}, not I32", name_of(type_));
  return {storage_.data(), static_cast<size_t>(numel_)};
}

}  // namespace tessera
