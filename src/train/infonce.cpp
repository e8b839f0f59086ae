#include "tessera/train/infonce.h"

#include <algorithm>
#include <cmath>

#include "tessera/core/check.h"
#include "tessera/train/matryoshka_infonce.h"

namespace tessera {

namespace {
constexpr float kMinScale = 1.0f, kMaxScale = 100.0f;
}  // namespace

InfoNce::InfoNce(InfoNceOptions options)
    : options_(options), log_scale_(Parameter::dense("log_scale", Tensor::zeros({1}))) {
  TESSERA_CHECK(options_.scale > 0 && std::isfinite(options_.scale), "scale must be > 0, got {}",
                options_.scale);
  if (options_.learn_scale) {
    TESSERA_CHECK(options_.scale >= kMinScale && options_.scale <= kMaxScale,
                  "a learned scale starts in [1, 100], got {}", options_.scale);
    log_scale_.value.data()[0] = std::log(options_.scale);
  }
}

Var InfoNce::loss(const EmbeddedBatch& batch) {
  const int64_t dim[] = {batch.anchors.value().dim(1)};
  const float weight[] = {1.0f};
  return fused_prefix_loss(batch, dim, weight);
}

Var InfoNce::fused_prefix_loss(const EmbeddedBatch& batch, std::span<const int64_t> prefixes,
                               std::span<const float> weights) {
  TESSERA_CHECK(batch.diagonal(),
                "InfoNCE needs one positive per anchor, the candidate of the same row (in-batch "
                "pairs)");
  TESSERA_CHECK(batch.targets.weights.empty() ||
                    std::all_of(batch.targets.weights.begin(), batch.targets.weights.end(),
                                [](float w) { return w == 1.0f; }),
                "InfoNCE does not weight examples");
  MatryoshkaInfoNceOptions kernel;
  kernel.prefixes.assign(prefixes.begin(), prefixes.end());
  kernel.weights.assign(weights.begin(), weights.end());
  kernel.scale = options_.scale;
  Graph& graph = *batch.anchors.graph();
  Var learned;
  if (options_.learn_scale) learned = exp_of(graph.param(log_scale_));
  auto direction = [&](const Var& anchors, const Var& candidates) {
    return learned.defined() ? matryoshka_infonce(anchors, candidates, learned, kernel)
                             : matryoshka_infonce(anchors, candidates, kernel);
  };
  Var total = direction(batch.anchors, batch.candidates);
  if (options_.symmetric) {
    const Var positives = slice_rows(batch.candidates, 0, batch.size());
    total = tessera::scale(add(total, direction(positives, batch.anchors)), 0.5f);
  }
  return total;
}

std::vector<Parameter*> InfoNce::parameters() {
  if (!options_.learn_scale) return {};
  return {&log_scale_};
}

void InfoNce::after_update() {
  float& v = log_scale_.value.data()[0];
  v = std::clamp(v, std::log(kMinScale), std::log(kMaxScale));
}

float InfoNce::scale() const {
  return options_.learn_scale ? std::exp(log_scale_.value.data()[0]) : options_.scale;
}

std::map<std::string, double> InfoNce::report() const { return {{"scale", scale()}}; }

}  // namespace tessera
