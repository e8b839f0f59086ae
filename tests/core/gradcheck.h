// Finite-difference gradient checks for autograd ops.
//
// An op's output y is reduced to a scalar by a fixed random weighting, loss = sum(w * y), so
// every output element contributes to the checked gradient. The reduction is recorded as a
// custom tape node (its gradient is w exactly), so a check never depends on the mul and sum ops
// it may be testing. The numeric gradient is a central difference of that loss, accumulated in
// double from the float forward pass.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <span>
#include <vector>

#include "tessera/core/autograd.h"
#include "tessera/core/tensor.h"

namespace tessera::testing {

// loss = sum(w * y) as a tape node: d loss / d y = w.
Var weighted_sum(const Var& y, const Tensor& w);
// The same sum in double, from values.
double weighted_sum_value(const Tensor& y, const Tensor& w);

// Builds the op under test from input Vars (in the order of the inputs given to the check).
using OpFn = std::function<Var(std::span<const Var>)>;

struct GradCheckOptions {
  double eps = 1e-2;  // perturbation of each input element
  // The FD tolerance: |analytic - numeric| <= rel * max(|.|) + abs. Central differences in
  // float carry truncation error O(eps^2) and rounding noise ~1e-7 * |loss| / eps.
  double rel = 2e-2;
  double abs = 1e-3;
  // Inputs that enter as constants (no gradient checked); empty = every input is a leaf.
  std::vector<bool> constant;
  uint32_t weight_seed = 1234;
};

// Checks d loss / d input for every non-constant input against central differences. Inputs may
// be views (ld > cols); they are perturbed in place and restored.
::testing::AssertionResult check_gradients(const OpFn& op, std::vector<Tensor> inputs,
                                           const GradCheckOptions& options = {});

}  // namespace tessera::testing
