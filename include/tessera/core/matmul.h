// Matrix multiply: C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T, through cblas_sgemm.
//
// Shapes: op(A) is (M x K), op(B) is (K x N), C is (M x N); all 2-d, any row stride (prefix views
// work without copies). Large products are split by rows of C across tessera's thread pool, each
// part a single-threaded sgemm starting at a multiple of 96 rows, so the result is the one a
// single call gives, whatever the thread count.
#pragma once

#include "tessera/core/tensor.h"

namespace tessera {

void matmul(const Tensor& a, const Tensor& b, Tensor& c, bool transpose_a = false,
            bool transpose_b = false, float alpha = 1.0f, float beta = 0.0f);

// Allocates C.
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);

// Triple loop in double precision: the reference the tuned path is tested against.
void matmul_naive(const Tensor& a, const Tensor& b, Tensor& c, bool transpose_a = false,
                  bool transpose_b = false, float alpha = 1.0f, float beta = 0.0f);

}  // namespace tessera
