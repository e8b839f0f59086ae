// EmbeddingWriter: what `tessera embed` writes for each quantization: float rows, packed sign
// bits, int8 codes with scales calibrated on the first rows (and the scale file beside them),
// files appearing only on finish(); NumPy's packbits / rint give the same codes.
#include "tessera/core/embedding_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tessera/core/quantize.h"
#include "test_support.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;
using testing::TempDir;

std::vector<int8_t> as_int8(const std::vector<uint8_t>& bytes) {
  return {bytes.begin(), bytes.end()};
}

TEST(EmbeddingWriter, ScalePathReplacesTheExtension) {
  EXPECT_EQ(int8_scale_path("v.npy"), "v.scale.npy");
  EXPECT_EQ(int8_scale_path("out/v.jsonl"), "out/v.scale.npy");
  EXPECT_EQ(int8_scale_path("a.b/v"), "a.b/v.scale.npy");
  EXPECT_EQ(int8_scale_path("a/.v"), "a/.v.scale.npy");
}

TEST(EmbeddingWriter, FloatRowsAsGiven) {
  TempDir dir;
  EmbeddingWriter writer(dir.file("v.npy"), 2);
  writer.append(Tensor::from({2, 2}, {1.0f, -2.0f, 0.5f, 0.25f}));
  EXPECT_TRUE(writer.scale_path().empty());
  writer.finish();
  const NpyArray array = read_npy(dir.file("v.npy"));
  EXPECT_EQ(array.dtype, VectorDtype::kFloat32);
  EXPECT_EQ(array.floats.to_vector(), (std::vector<float>{1.0f, -2.0f, 0.5f, 0.25f}));
}

TEST(EmbeddingWriter, BinaryCodesInBvecs) {
  TempDir dir;
  EmbeddingWriterOptions options;
  options.format = VectorFormat::kBvecs;
  options.quantization = Quantization::kBinary;
  EmbeddingWriter writer(dir.file("v.bvecs"), 9, options);
  EXPECT_EQ(writer.dtype(), VectorDtype::kUint8);
  EXPECT_EQ(writer.code_cols(), 2);
  writer.append(Tensor::from({1, 9}, {1, -1, 1, -1, 1, -1, 1, -1, 1}));
  writer.finish();
  std::ifstream in(dir.file("v.bvecs"), std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(bytes, std::string("\x02\x00\x00\x00\xAA\x80", 6));
}

TEST(EmbeddingWriter, Int8CalibratesOnTheFirstRowsOnly) {
  TempDir dir;
  EmbeddingWriterOptions options;
  options.quantization = Quantization::kInt8;
  options.calibration_rows = 3;
  const std::string path = dir.file("v.npy");
  EmbeddingWriter writer(path, 2, options);
  EXPECT_EQ(writer.scale_path(), dir.file("v.scale.npy"));
  // Rows 0-2 calibrate: max |x| = 127 and 63.5 -> scales 1 and 0.5. Row 3 lies beyond and clamps.
  writer.append(Tensor::from({2, 2}, {127.0f, 1.0f, -3.0f, 63.5f}));
  EXPECT_TRUE(writer.scales().empty()) << "calibrated before calibration_rows rows";
  writer.append(Tensor::from({2, 2}, {2.0f, -0.75f, 500.0f, -1000.0f}));
  EXPECT_THAT(writer.scales(), ElementsAre(1.0f, 0.5f));
  writer.append(Tensor::from({1, 2}, {-4.0f, 0.5f}));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(writer.scale_path()));
  writer.finish();

  const NpyArray codes = read_npy(path);
  EXPECT_EQ(codes.dtype, VectorDtype::kInt8);
  EXPECT_EQ(codes.rows, 5);
  // -0.75 / 0.5 = -1.5 -> -2 (half to even).
  EXPECT_THAT(as_int8(codes.bytes), ElementsAre(127, 2, -3, 127, 2, -2, 127, -127, -4, 1));
  const NpyArray scales = read_npy(writer.scale_path());
  EXPECT_EQ(scales.ndim, 1);
  EXPECT_EQ(scales.floats.to_vector(), (std::vector<float>{1.0f, 0.5f}));
  EXPECT_EQ(writer.bytes(),
            std::filesystem::file_size(path) + std::filesystem::file_size(writer.scale_path()));
}

TEST(EmbeddingWriter, Int8WithFewerRowsThanTheCalibrationSetUsesThemAll) {
  TempDir dir;
  EmbeddingWriterOptions options;
  options.quantization = Quantization::kInt8;
  options.format = VectorFormat::kJsonl;
  EmbeddingWriter writer(dir.file("v.jsonl"), 1, options);
  writer.append(Tensor::from({2, 1}, {-254.0f, 1.0f}));
  writer.finish();
  EXPECT_THAT(writer.scales(), ElementsAre(2.0f));
  std::ifstream in(dir.file("v.jsonl"));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(text, "[-127]\n[0]\n");  // 1 / 2 = 0.5 -> 0
  EXPECT_TRUE(std::filesystem::exists(dir.file("v.scale.npy")));
}

TEST(EmbeddingWriter, UnfinishedLeavesNoFiles) {
  TempDir dir;
  {
    EmbeddingWriterOptions options;
    options.quantization = Quantization::kInt8;
    options.calibration_rows = 1;
    EmbeddingWriter writer(dir.file("v.npy"), 2, options);
    writer.append(Tensor::from({2, 2}, {1.0f, 2.0f, 3.0f, 4.0f}));
    EXPECT_FALSE(writer.scales().empty());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(EmbeddingWriter, RefusesFormatsThatCannotHoldTheCodes) {
  TempDir dir;
  EmbeddingWriterOptions options;
  options.format = VectorFormat::kFvecs;
  options.quantization = Quantization::kInt8;
  EXPECT_THAT(error_message([&] { EmbeddingWriter(dir.file("v.fvecs"), 4, options); }),
              HasSubstr(".fvecs holds float32 vectors, not int8"));
  options.quantization = Quantization::kBinary;
  EXPECT_THAT(error_message([&] { EmbeddingWriter(dir.file("v.fvecs"), 4, options); }),
              HasSubstr("or bvecs"));
  EmbeddingWriter writer(dir.file("v.npy"), 4);
  EXPECT_THAT(error_message([&] {
                writer.append(Tensor::zeros({1, 3}));
              }),
              HasSubstr("expected vectors of 4 dims"));
  EXPECT_THAT(error_message([] { parse_enum<Quantization>("int4", "quantization"); }),
              HasSubstr("unknown"));
}

// The codes equal NumPy's packbits(x > 0) and clip(rint(x / scale)) on the same floats.
TEST(EmbeddingWriter, CodesMatchNumpy) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with numpy is not available; skipping the interop check";
  }
  TempDir dir;
  testing::Rng rng(11);
  Tensor x = testing::random_tensor({50, 37}, rng);
  for (int64_t j = 0; j < 37; j += 9) x.row(3)[j] = 0.0f;  // zeros are bit 0
  EmbeddingWriter floats(dir.file("x.npy"), 37);
  floats.append(x);
  floats.finish();
  EmbeddingWriterOptions options;
  options.quantization = Quantization::kBinary;
  EmbeddingWriter bits(dir.file("b.npy"), 37, options);
  bits.append(x);
  bits.finish();
  options.quantization = Quantization::kInt8;
  options.calibration_rows = 20;
  EmbeddingWriter int8(dir.file("q.npy"), 37, options);
  int8.append(x.slice_rows(0, 15));
  int8.append(x.slice_rows(15, 50));
  int8.finish();

  const std::string script = R"PY(
import sys
import numpy as np
d = sys.argv[1]
x = np.load(d + "/x.npy")
b = np.load(d + "/b.npy")
assert b.dtype == np.uint8 and b.shape == (50, 5), b.shape
assert np.array_equal(b, np.packbits(x > 0, axis=-1)), "binary codes differ from packbits"
scales = np.abs(x[:20]).max(axis=0) / np.float32(127)
assert np.array_equal(np.load(d + "/q.scale.npy"), scales), "scales differ"
q = np.clip(np.rint(x / scales), -127, 127).astype(np.int8)
assert np.array_equal(np.load(d + "/q.npy"), q), "int8 codes differ"
)PY";
  dir.write("check.py", script);
  const std::string command =
      "/usr/bin/python3 " + dir.file("check.py") + " " + dir.path().string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace tessera
