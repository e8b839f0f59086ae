#include "tessera/core/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "tessera/core/check.h"

namespace tessera {

float LrSchedule::at(int64_t step) const {
  TESSERA_CHECK(step >= 0, "schedule step must be >= 0, got {}", step);
  // Checked at every step, so a misconfigured schedule fails at step 0, not after warm-up.
  TESSERA_CHECK(decay == Decay::kConstant || total_steps > warmup_steps,
                "a decaying schedule needs total_steps ({}) > warmup_steps ({})", total_steps,
                warmup_steps);
  if (step < warmup_steps) {
    return base_lr * static_cast<float>(step + 1) / static_cast<float>(warmup_steps);
  }
  if (decay == Decay::kConstant) return base_lr;
  const double progress = std::min(1.0, static_cast<double>(step - warmup_steps) /
                                            static_cast<double>(total_steps - warmup_steps));
  const double shape = decay == Decay::kLinear
                           ? 1.0 - progress
                           : 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return static_cast<float>(min_lr + (base_lr - min_lr) * shape);
}

}  // namespace tessera
