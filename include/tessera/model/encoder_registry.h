// The encoder kinds a model file may hold, and how each is rebuilt from its config (Encoder::
// config_json) and tensors. A new kind adds its two functions to the table in
// encoder_registry.cpp; Model and the trainer need no change.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/int_tensor.h"
#include "tessera/core/tensor.h"
#include "tessera/model/encoder.h"

namespace tessera {

// What a file must hold for one tensor of an encoder.
struct TensorLayout {
  std::vector<int64_t> shape;
  ElementType type = ElementType::kF32;

  bool operator==(const TensorLayout&) const = default;
};

// The tensors an encoder of `kind` named `name` with `config_json` holds: full names, shapes and
// element types, checked against a file's header before any tensor is read. An Error for an
// unknown kind or a malformed config.
std::map<std::string, TensorLayout> encoder_tensor_layouts(std::string_view kind,
                                                           const std::string& name,
                                                           const std::string& config_json);

// Builds the encoder from its tensors (taken out of `tensors` and `int_tensors`, which must
// hold every name encoder_tensor_layouts lists, F32 ones in tensors, with those shapes).
std::unique_ptr<Encoder> load_encoder(std::string_view kind, const std::string& name,
                                      const std::string& config_json,
                                      std::map<std::string, Tensor>& tensors,
                                      std::map<std::string, IntTensor>& int_tensors);

}  // namespace tessera
