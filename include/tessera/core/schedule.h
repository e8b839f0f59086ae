// Learning-rate schedules: constant, or linear warm-up followed by a linear or cosine decay to
// min_lr at total_steps (a schedule derived from the step count alone, so resuming is exact).
#pragma once

#include <cstdint>

#include "tessera/core/enum_names.h"

namespace tessera {

enum class Decay { kConstant, kLinear, kCosine };
inline constexpr EnumName<Decay> kDecayNames[] = {
    {Decay::kConstant, "constant"}, {Decay::kLinear, "linear"}, {Decay::kCosine, "cosine"}};
template <>
inline constexpr EnumNames<Decay> enum_names<Decay> = kDecayNames;

struct LrSchedule {
  float base_lr = 1e-3f;
  float min_lr = 0.0f;
  int64_t warmup_steps = 0;  // lr rises linearly from base_lr / warmup_steps to base_lr
  int64_t total_steps = 0;   // the decay reaches min_lr here (needed for linear and cosine)
  Decay decay = Decay::kConstant;

  // The learning rate of step `step` (0-based).
  float at(int64_t step) const;
};

}  // namespace tessera
