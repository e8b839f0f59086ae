// One table of names per enum, kept beside the enum's declaration: model files, messages and
// command-line options all read that table, so no second list of the names exists anywhere.
//
//   enum class Pooling { kSum, kMean, kSqrtN };
//   inline constexpr EnumName<Pooling> kPoolingNames[] = {
//       {Pooling::kSum, "sum"}, {Pooling::kMean, "mean"}, {Pooling::kSqrtN, "sqrt_n"}};
//   template <> inline constexpr EnumNames<Pooling> enum_names<Pooling> = kPoolingNames;
//
//   name_of(Pooling::kMean)                  -> "mean"
//   parse_enum<Pooling>("sqrt_n", "pooling") -> Pooling::kSqrtN; "sqrtn" is an Error:
//                                               unknown pooling 'sqrtn' (sum, mean or sqrt_n)
#pragma once

#include <fmt/format.h>

#include <span>
#include <string>
#include <string_view>

#include "tessera/core/check.h"

namespace tessera {

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

template <typename E>
using EnumNames = std::span<const EnumName<E>>;

// The names of enum E, specialized beside each enum that has names.
template <typename E>
inline constexpr EnumNames<E> enum_names = {};

// "a, b or c": the names of E in table order, for messages.
template <typename E>
std::string list_enum_names() {
  const EnumNames<E> names = enum_names<E>;
  static_assert(!enum_names<E>.empty(), "this enum has no name table");
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i].name;
  }
  return out;
}

template <typename E>
std::string_view name_of(E value) {
  static_assert(!enum_names<E>.empty(), "this enum has no name table");
  for (const EnumName<E>& entry : enum_names<E>) {
    if (entry.value == value) return entry.name;
  }
  TESSERA_FAIL("enum value {} has no name", static_cast<int>(value));
}

// The value named `name`; an Error "unknown <what> '<name>' (a, b or c)" otherwise.
template <typename E>
E parse_enum(std::string_view name, std::string_view what) {
  static_assert(!enum_names<E>.empty(), "this enum has no name table");
  for (const EnumName<E>& entry : enum_names<E>) {
    if (entry.name == name) return entry.value;
  }
  TESSERA_FAIL("unknown {} '{}' ({})", what, name, list_enum_names<E>());
}

}  // namespace tessera
