#include "tessera/core/parameter.h"

#include "tessera/core/check.h"

namespace tessera {

Parameter Parameter::dense(std::string name, Tensor value) {
  TESSERA_CHECK(value.defined() && value.contiguous(), "parameter '{}' needs a contiguous tensor",
                name);
  Parameter p;
  p.name = std::move(name);
  p.grad = Tensor::zeros(value.shape());
  p.value = std::move(value);
  return p;
}

Parameter Parameter::sparse_rows(std::string name, Tensor value) {
  TESSERA_CHECK(value.defined() && value.contiguous() && value.ndim() == 2,
                "sparse parameter '{}' needs a contiguous 2-d table, got {}", name,
                value.shape_string());
  Parameter p;
  p.name = std::move(name);
  p.sparse = true;
  p.sparse_grad.reset(value.dim(0), value.dim(1));
  p.value = std::move(value);
  return p;
}

void Parameter::zero_grad() {
  if (sparse) {
    sparse_grad.clear();
  } else {
    grad.zero();
  }
}

}  // namespace tessera
