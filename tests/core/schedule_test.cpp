// Learning-rate schedules at chosen steps, against values computed by hand.
#include "tessera/core/schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tessera/core/check.h"

namespace tessera {
namespace {

// Float results of a few double operations: 1e-7 relative is a rounding or two.
constexpr float kTol = 1e-7f;

TEST(LrSchedule, Constant) {
  const LrSchedule s{.base_lr = 0.01f};
  EXPECT_FLOAT_EQ(s.at(0), 0.01f);
  EXPECT_FLOAT_EQ(s.at(1000000), 0.01f);
}

TEST(LrSchedule, ConstantWithWarmup) {
  const LrSchedule s{.base_lr = 0.1f, .warmup_steps = 4};
  // Rises linearly from base / warmup at step 0 to base at step warmup - 1.
  EXPECT_NEAR(s.at(0), 0.025f, kTol);
  EXPECT_NEAR(s.at(1), 0.05f, kTol);
  EXPECT_NEAR(s.at(2), 0.075f, kTol);
  EXPECT_NEAR(s.at(3), 0.1f, kTol);
  EXPECT_NEAR(s.at(4), 0.1f, kTol);
  EXPECT_NEAR(s.at(50), 0.1f, kTol);
}

TEST(LrSchedule, LinearDecay) {
  const LrSchedule s{.base_lr = 1.0f, .min_lr = 0.1f, .total_steps = 10, .decay = Decay::kLinear};
  EXPECT_NEAR(s.at(0), 1.0f, kTol);
  EXPECT_NEAR(s.at(5), 0.55f, kTol);  // halfway: min + (base - min) / 2
  EXPECT_NEAR(s.at(9), 0.19f, kTol);
  EXPECT_NEAR(s.at(10), 0.1f, kTol);
  EXPECT_NEAR(s.at(25), 0.1f, kTol);  // stays at min_lr past the end
}

TEST(LrSchedule, WarmupThenLinearDecay) {
  const LrSchedule s{.base_lr = 0.2f,
                     .min_lr = 0.0f,
                     .warmup_steps = 2,
                     .total_steps = 12,
                     .decay = Decay::kLinear};
  EXPECT_NEAR(s.at(0), 0.1f, kTol);
  EXPECT_NEAR(s.at(1), 0.2f, kTol);
  EXPECT_NEAR(s.at(2), 0.2f, kTol);  // the decay starts from base_lr
  EXPECT_NEAR(s.at(7), 0.1f, kTol);  // (7 - 2) / (12 - 2) = 0.5 of the way
  EXPECT_NEAR(s.at(12), 0.0f, kTol);
}

TEST(LrSchedule, CosineDecay) {
  const LrSchedule s{.base_lr = 1.0f, .min_lr = 0.2f, .total_steps = 100, .decay = Decay::kCosine};
  EXPECT_NEAR(s.at(0), 1.0f, kTol);
  EXPECT_NEAR(s.at(50), 0.6f, kTol);  // cos(pi / 2) = 0: the midpoint of base and min
  const double quarter = 0.2 + 0.8 * 0.5 * (1.0 + std::cos(std::numbers::pi * 0.25));
  EXPECT_NEAR(s.at(25), quarter, kTol);
  EXPECT_NEAR(s.at(100), 0.2f, kTol);
  EXPECT_NEAR(s.at(1000), 0.2f, kTol);
}

TEST(LrSchedule, WarmupThenCosineDecay) {
  const LrSchedule s{.base_lr = 0.5f,
                     .min_lr = 0.0f,
                     .warmup_steps = 10,
                     .total_steps = 30,
                     .decay = Decay::kCosine};
  EXPECT_NEAR(s.at(4), 0.25f, kTol);
  EXPECT_NEAR(s.at(10), 0.5f, kTol);
  EXPECT_NEAR(s.at(20), 0.25f, kTol);
  EXPECT_NEAR(s.at(30), 0.0f, kTol);
}

TEST(LrSchedule, DecayNeedsTotalStepsPastWarmup) {
  const LrSchedule equal{.warmup_steps = 5, .total_steps = 5, .decay = Decay::kLinear};
  EXPECT_THROW(equal.at(5), Error);
  const LrSchedule shorter{.warmup_steps = 5, .total_steps = 3, .decay = Decay::kCosine};
  EXPECT_THROW(shorter.at(7), Error);
  const LrSchedule unset{.decay = Decay::kCosine};  // total_steps left at 0
  EXPECT_THROW(unset.at(0), Error);
  // A constant schedule needs no total.
  const LrSchedule constant{.warmup_steps = 5, .decay = Decay::kConstant};
  EXPECT_NO_THROW(constant.at(7));
}

TEST(LrSchedule, NegativeStepThrows) { EXPECT_THROW(LrSchedule{}.at(-1), Error); }

}  // namespace
}  // namespace tessera
