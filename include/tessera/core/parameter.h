// A trainable tensor with its gradient: dense (same shape as the value) or sparse rows (for
// embedding tables, where a step touches a few rows of many).
#pragma once

#include <string>

#include "tessera/core/embedding_bag.h"
#include "tessera/core/tensor.h"

namespace tessera {

struct Parameter {
  std::string name;
  Tensor value;
  Tensor grad;                // dense gradient, for dense parameters
  SparseRowGrad sparse_grad;  // touched rows and their gradient, for sparse ones
  bool sparse = false;

  static Parameter dense(std::string name, Tensor value);
  // A 2-d table whose gradient is kept as sparse rows.
  static Parameter sparse_rows(std::string name, Tensor value);

  void zero_grad();
};

}  // namespace tessera
