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

#include "tessera/core/tensor.h"
#include "tessera/model/encoder.h"

namespace tessera {

// The tensors an encoder of `kind` named `name` with `config_json` holds: full names and shapes,
// checked against a file's header before any tensor is read. An Error for an unknown kind or a
// malformed config.
std::map<std::string, std::vector<int64_t>> encoder_tensor_shapes(std::string_view kind,
                                                                  const std::string& name,
                                                                  const std::string& config_json);

// Builds the encoder from its tensors (taken out of `tensors`, which must hold every name
// encoder_tensor_shapes lists, with those shapes).
std::unique_ptr<Encoder> load_encoder(std::string_view kind, const std::string& name,
                                      const std::string& config_json,
                                      std::map<std::string, Tensor>& tensors);

}  // namespace tessera
