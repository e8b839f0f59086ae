#include "tessera/eval/xc_metrics.h"

#include <algorithm>
#include <cmath>

#include "tessera/core/check.h"

namespace tessera {

std::vector<double> inverse_propensities(const std::vector<int64_t>& label_counts, int64_t examples,
                                         double a, double b) {
  TESSERA_CHECK(examples >= 1, "propensities need the number of training points, got {}", examples);
  const double c = (std::log(static_cast<double>(examples)) - 1) * std::pow(b + 1, a);
  std::vector<double> out;
  out.reserve(label_counts.size());
  for (const int64_t n : label_counts) {
    out.push_back(1 + c * std::pow(static_cast<double>(n) + b, -a));
  }
  return out;
}

XcMetrics xc_metrics(const std::vector<std::vector<LabelScore>>& predictions,
                     const std::vector<std::vector<int32_t>>& gold, const std::vector<int64_t>& ks,
                     const std::vector<double>& inverse_propensity) {
  TESSERA_CHECK(predictions.size() == gold.size(), "{} predictions for {} points",
                predictions.size(), gold.size());
  TESSERA_CHECK(!ks.empty(), "no k to score at");
  for (const int64_t k : ks) TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  XcMetrics m;
  m.points = static_cast<int64_t>(gold.size());
  m.ks = ks;
  const bool scored = !inverse_propensity.empty();
  const auto weight = [&](int32_t label) {
    TESSERA_CHECK(label >= 0 && static_cast<size_t>(label) < inverse_propensity.size(),
                  "label {} has no propensity ({} labels)", label, inverse_propensity.size());
    return inverse_propensity[static_cast<size_t>(label)];
  };
  std::vector<double> precision(ks.size()), ndcg(ks.size()), psp(ks.size()), ideal(ks.size());
  std::vector<double> best;
  for (size_t i = 0; i < gold.size(); ++i) {
    const std::vector<int32_t>& g = gold[i];
    const auto hit = [&](int32_t label) { return std::find(g.begin(), g.end(), label) != g.end(); };
    if (scored) {
      best.clear();
      for (const int32_t label : g) best.push_back(weight(label));
      std::sort(best.begin(), best.end(), std::greater<>());
    }
    for (size_t q = 0; q < ks.size(); ++q) {
      const auto k = static_cast<size_t>(ks[q]);
      const size_t depth = std::min(k, predictions[i].size());
      double hits = 0, dcg = 0, weighted = 0;
      for (size_t j = 0; j < depth; ++j) {
        const int32_t label = predictions[i][j].label;
        if (!hit(label)) continue;
        hits += 1;
        dcg += 1 / std::log2(static_cast<double>(j) + 2);
        if (scored) weighted += weight(label);
      }
      double idcg = 0;
      for (size_t r = 0; r < std::min(k, g.size()); ++r) {
        idcg += 1 / std::log2(static_cast<double>(r) + 2);
      }
      precision[q] += hits / static_cast<double>(k);
      if (idcg > 0) ndcg[q] += dcg / idcg;
      if (scored) {
        psp[q] += weighted;
        for (size_t r = 0; r < std::min(k, best.size()); ++r) ideal[q] += best[r];
      }
    }
  }
  const auto n = static_cast<double>(std::max<int64_t>(m.points, 1));
  for (size_t q = 0; q < ks.size(); ++q) {
    m.precision.push_back(precision[q] / n);
    m.ndcg.push_back(ndcg[q] / n);
    if (scored) m.psp.push_back(ideal[q] > 0 ? psp[q] / ideal[q] : 0.0);
  }
  return m;
}

}  // namespace tessera
