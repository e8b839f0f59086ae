// Quantization against hand-computed codes: sign bits packed MSB first, int8 per-dimension
// symmetric scales with half-to-even rounding and clamping.
#include "tessera/core/quantize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "test_support.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;

TEST(QuantizeBinary, SignBitsPackedMostSignificantFirst) {
  // Row 0: 1 0 0 1 1 0 1 0 | 1 0 -> 0b10011010, 0b10000000 (the last 6 bits are padding).
  // Row 1: nothing above zero (0 and -0 included) -> all bits 0.
  const Tensor x = Tensor::from(
      {2, 10}, {0.5f,  -1.0f, 0.0f, 2.0f,  0.1f,    -0.1f, 3.0f,  -3.0f, 1.0f,
                0.0f,  //
                -1.0f, -0.0f, 0.0f, -2.0f, -1e-30f, -5.0f, -1.0f, -1.0f, -1.0f, -1.0f});
  EXPECT_EQ(binary_code_bytes(10), 2);
  EXPECT_EQ(binary_code_bytes(8), 1);
  EXPECT_EQ(binary_code_bytes(256), 32);
  EXPECT_THAT(quantize_binary(x), ElementsAre(0x9A, 0x80, 0x00, 0x00));
}

TEST(QuantizeBinary, ViewsAndSizeChecks) {
  const Tensor wide = Tensor::from({1, 9}, {1, 1, 1, 1, 1, 1, 1, 1, -1});
  EXPECT_THAT(quantize_binary(wide.prefix_cols(3)), ElementsAre(0xE0));
  std::vector<uint8_t> too_small(1);
  EXPECT_THAT(error_message([&] { quantize_binary(wide, too_small); }), HasSubstr("need 2 bytes"));
}

// Column 0: max |x| = 127 -> scale 1; column 1: max 63.5 -> scale 0.5; column 2: all zero ->
// scale 0 and code 0.
Tensor calibration_rows() {
  return Tensor::from({3, 3}, {127.0f, 63.5f, 0.0f,  //
                               2.5f, -0.25f, 0.0f,   //
                               -2.5f, 0.75f, 0.0f});
}

TEST(QuantizeInt8, PerDimensionSymmetricScales) {
  EXPECT_THAT(int8_scales(calibration_rows()), ElementsAre(1.0f, 0.5f, 0.0f));
}

TEST(QuantizeInt8, RoundsHalfToEvenAndClamps) {
  const std::vector<float> scales = int8_scales(calibration_rows());
  // 2.5 -> 2 and -2.5 -> -2 (half to even), -0.25 / 0.5 = -0.5 -> 0, 0.75 / 0.5 = 1.5 -> 2.
  EXPECT_THAT(quantize_int8(calibration_rows(), scales),
              ElementsAre(127, 127, 0, 2, 0, 0, -2, 2, 0));
  // Beyond the calibration range: 200 -> 127, -300 / 0.5 -> -127; the zero column stays 0;
  // 3.5 -> 4 (half to even), 0.25 / 0.5 = 0.5 -> 0.
  const Tensor later = Tensor::from({2, 3}, {200.0f, -300.0f, 5.0f, 3.5f, 0.25f, -5.0f});
  EXPECT_THAT(quantize_int8(later, scales), ElementsAre(127, -127, 0, 4, 0, 0));
}

TEST(QuantizeInt8, DequantizeMultipliesByTheScale) {
  const std::vector<float> scales = {1.0f, 0.5f, 0.0f};
  const std::vector<int8_t> codes = {127, 127, 9, -2, 3, 0};
  EXPECT_TRUE(testing::tensor_near(dequantize_int8(codes, scales),
                                   {127.0, 63.5, 0.0, -2.0, 1.5, 0.0}, 0.0, 0.0));
}

TEST(QuantizeInt8, RejectsNonFiniteValuesAndWrongSizes) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_THAT(error_message([&] {
                int8_scales(Tensor::from({1, 2}, {1.0f, inf}));
              }),
              HasSubstr("row 0, column 1"));
  const std::vector<float> scales = {1.0f, 1.0f};
  EXPECT_THAT(error_message([&] {
                quantize_int8(Tensor::from({1, 2}, {1.0f, NAN}), scales);
              }),
              HasSubstr("row 0, column 1"));
  EXPECT_THAT(error_message([&] {
                quantize_int8(Tensor::from({1, 3}, {1, 2, 3}), scales);
              }),
              HasSubstr("needs 3 scales, got 2"));
}

}  // namespace
}  // namespace tessera
