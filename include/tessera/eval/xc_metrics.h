// Extreme classification metrics as the XC repository defines them (pyxclib's xc_metrics), over
// ranked predictions and each point's gold labels, averaged over every point (one without a
// gold label counts 0):
//   P@k       hits among the top k / k
//   nDCG@k    sum_{j<k} hit_j / log2(j + 2), over the same for min(k, |gold|) hits
//   PSP@k     propensity-scored precision (Jain, Prabhu & Varma, 2016): hits weighted by their
//             label's inverse propensity 1 + C (N_l + B)^-A, C = (ln N - 1)(B + 1)^A (N training
//             points, N_l of them with label l), summed over the points, over the same for the
//             best possible top k (each point's gold labels by weight)
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/index/classifier.h"

namespace tessera {

// Each label's inverse propensity from its training count (A = 0.55, B = 1.5 unless stated;
// Wikipedia-500K uses 0.5 / 0.4, Amazon 0.6 / 2.6).
std::vector<double> inverse_propensities(const std::vector<int64_t>& label_counts, int64_t examples,
                                         double a = 0.55, double b = 1.5);

struct XcMetrics {
  int64_t points = 0;
  std::vector<int64_t> ks;
  std::vector<double> precision, ndcg, psp;  // at each k; psp empty without propensities
};

// predictions[i]: point i's labels, best first (at least max(ks) deep when there are that many
// labels); gold[i]: its label ids. inverse_propensity: one per label, or empty (no PSP).
XcMetrics xc_metrics(const std::vector<std::vector<LabelScore>>& predictions,
                     const std::vector<std::vector<int32_t>>& gold, const std::vector<int64_t>& ks,
                     const std::vector<double>& inverse_propensity = {});

}  // namespace tessera
