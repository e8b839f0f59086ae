#include "tessera/train/matryoshka_infonce.h"

#include <numeric>

#include "tessera/core/check.h"

namespace tessera {

Var matryoshka_infonce(const Var& queries, const Var& documents,
                       const MatryoshkaInfoNceOptions& options) {
  const Tensor& q = queries.value();
  const Tensor& d = documents.value();
  TESSERA_CHECK(q.ndim() == 2 && d.ndim() == 2 && q.dim(1) == d.dim(1),
                "InfoNCE needs queries and documents of one width, got {} and {}",
                q.shape_string(), d.shape_string());
  TESSERA_CHECK(d.dim(0) >= q.dim(0), "InfoNCE needs a document for every query: {} for {}",
                d.dim(0), q.dim(0));
  std::vector<int64_t> prefixes = options.prefixes;
  if (prefixes.empty()) prefixes.push_back(q.dim(1));
  TESSERA_CHECK(options.weights.empty() || options.weights.size() == prefixes.size(),
                "{} Matryoshka weights for {} prefixes", options.weights.size(), prefixes.size());
  std::vector<int32_t> targets(static_cast<size_t>(q.dim(0)));
  std::iota(targets.begin(), targets.end(), 0);

  Var total;
  for (size_t k = 0; k < prefixes.size(); ++k) {
    const int64_t p = prefixes[k];
    TESSERA_CHECK(p > 0 && p <= q.dim(1) && (k == 0 || p > prefixes[k - 1]),
                  "Matryoshka prefixes must ascend within (0, {}], got {}", q.dim(1), p);
    const Var qn = l2_normalize(prefix(queries, p));
    const Var dn = l2_normalize(prefix(documents, p));
    const float weight = options.weights.empty() ? 1.0f : options.weights[k];
    const Var logits = scale(matmul(qn, dn, false, true), options.scale);
    Var loss = cross_entropy(logits, targets);
    if (weight != 1.0f) loss = scale(loss, weight);
    total = k == 0 ? loss : add(total, loss);
  }
  return total;
}

}  // namespace tessera
