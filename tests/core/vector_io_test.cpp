// Vector files: .npy / .fvecs / .bvecs / JSONL written in batches and read back, the atomic
// write contract, NumPy reading tessera's files and tessera reading NumPy's, and read_npy on
// truncated and corrupt files.
#include "tessera/core/vector_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "test_support.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;
using testing::Rng;
using testing::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool python_has_numpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

// Little-endian bytes of a value, for building expected files by hand.
template <typename T>
std::string le(T value) {
  std::string bytes(sizeof(T), '\0');
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

TEST(VectorIo, NpyHeaderIsNumpyFormat10PaddedTo64Bytes) {
  const int64_t shape[] = {3, 4};
  const std::string header = npy_header(VectorDtype::kFloat32, shape);
  // 10 bytes of prefix + 59 of dict + '\n' = 70, padded to 128 with spaces (as NumPy does).
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  ASSERT_EQ(dict.size(), 59u);
  ASSERT_EQ(header.size(), 128u);
  EXPECT_EQ(header.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(static_cast<unsigned char>(header[8]) | (static_cast<unsigned char>(header[9]) << 8),
            118);
  EXPECT_EQ(header.substr(10, dict.size()), dict);
  EXPECT_EQ(header.substr(10 + dict.size()), std::string(128 - 10 - dict.size() - 1, ' ') + "\n");
  const int64_t vector_shape[] = {5};
  EXPECT_THAT(npy_header(VectorDtype::kInt8, vector_shape), HasSubstr("'shape': (5,), }"));
  EXPECT_THAT(npy_header(VectorDtype::kUint8, shape), HasSubstr("'descr': '|u1'"));
  // Room for any row count: the header of 0 rows and of 10^18 rows have the same size.
  const int64_t few[] = {0, 4};
  const int64_t many[] = {1000000000000000000, 4};
  EXPECT_EQ(npy_header(VectorDtype::kFloat32, few, std::numeric_limits<int64_t>::max()).size(),
            npy_header(VectorDtype::kFloat32, many, std::numeric_limits<int64_t>::max()).size());
}

TEST(VectorIo, NpyRoundTripOfFloatBatchesAndViews) {
  TempDir dir;
  Rng rng(1);
  const Tensor a = testing::random_tensor({5, 6}, rng);
  const Tensor wide = testing::random_tensor({3, 10}, rng);
  const Tensor b = wide.prefix_cols(6);  // a view with ld 10
  const std::string path = dir.file("v.npy");
  VectorWriter writer(path, VectorFormat::kNpy, VectorDtype::kFloat32, 6);
  writer.append(a);
  writer.append(b);
  writer.append(Tensor::empty({0, 6}));
  EXPECT_FALSE(std::filesystem::exists(path)) << "visible before finish()";
  writer.finish();
  EXPECT_EQ(writer.rows(), 8);
  EXPECT_EQ(writer.bytes(), std::filesystem::file_size(path));

  const NpyArray array = read_npy(path);
  EXPECT_EQ(array.dtype, VectorDtype::kFloat32);
  EXPECT_EQ(array.ndim, 2);
  ASSERT_EQ(array.rows, 8);
  ASSERT_EQ(array.cols, 6);
  EXPECT_TRUE(testing::tensor_identical(array.floats.slice_rows(0, 5), a));
  EXPECT_TRUE(testing::tensor_identical(array.floats.slice_rows(5, 8), b.clone()));
  std::vector<std::string> leftovers;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    leftovers.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(leftovers, ::testing::ElementsAre("v.npy"));
}

TEST(VectorIo, NpyRoundTripOfCodes) {
  TempDir dir;
  const std::vector<uint8_t> u8 = {0, 1, 127, 128, 255, 7};
  VectorWriter bytes(dir.file("u8.npy"), VectorFormat::kNpy, VectorDtype::kUint8, 3);
  bytes.append(std::span<const uint8_t>(u8));
  bytes.finish();
  const NpyArray a = read_npy(dir.file("u8.npy"));
  EXPECT_EQ(a.dtype, VectorDtype::kUint8);
  EXPECT_EQ(a.rows, 2);
  EXPECT_EQ(a.cols, 3);
  EXPECT_EQ(a.bytes, u8);
  EXPECT_FALSE(a.floats.defined());

  const std::vector<int8_t> i8 = {-127, -1, 0, 1, 127, 5};
  VectorWriter codes(dir.file("i8.npy"), VectorFormat::kNpy, VectorDtype::kInt8, 2);
  codes.append(std::span<const int8_t>(i8).first(4));
  codes.append(std::span<const int8_t>(i8).subspan(4));
  codes.finish();
  const NpyArray b = read_npy(dir.file("i8.npy"));
  EXPECT_EQ(b.dtype, VectorDtype::kInt8);
  EXPECT_EQ(b.rows, 3);
  ASSERT_EQ(b.bytes.size(), i8.size());
  EXPECT_EQ(std::memcmp(b.bytes.data(), i8.data(), i8.size()), 0);
}

TEST(VectorIo, EmptyNpyHasZeroRows) {
  TempDir dir;
  VectorWriter writer(dir.file("e.npy"), VectorFormat::kNpy, VectorDtype::kFloat32, 4);
  writer.finish();
  const NpyArray array = read_npy(dir.file("e.npy"));
  EXPECT_EQ(array.rows, 0);
  EXPECT_EQ(array.cols, 4);
}

TEST(VectorIo, FvecsAndBvecsBytesByHand) {
  TempDir dir;
  VectorWriter floats(dir.file("v.fvecs"), VectorFormat::kFvecs, VectorDtype::kFloat32, 2);
  floats.append(std::span<const float>(std::vector<float>{1.5f, -2.0f, 0.25f, 3.0f}));
  floats.finish();
  EXPECT_EQ(read_bytes(dir.file("v.fvecs")),
            le<int32_t>(2) + le(1.5f) + le(-2.0f) + le<int32_t>(2) + le(0.25f) + le(3.0f));

  VectorWriter codes(dir.file("c.bvecs"), VectorFormat::kBvecs, VectorDtype::kUint8, 3);
  codes.append(std::span<const uint8_t>(std::vector<uint8_t>{1, 2, 255}));
  codes.finish();
  EXPECT_EQ(read_bytes(dir.file("c.bvecs")), le<int32_t>(3) + std::string("\x01\x02\xff", 3));
}

TEST(VectorIo, JsonlRowsAreArraysOfShortestFloats) {
  TempDir dir;
  VectorWriter floats(dir.file("v.jsonl"), VectorFormat::kJsonl, VectorDtype::kFloat32, 3);
  floats.append(Tensor::from({2, 3}, {0.1f, -2.0f, 1e-8f, 0.0f, 3.25f, 1.0f / 3.0f}));
  floats.finish();
  EXPECT_EQ(read_bytes(dir.file("v.jsonl")), "[0.1,-2,1e-08]\n[0,3.25,0.33333334]\n");

  VectorWriter codes(dir.file("c.jsonl"), VectorFormat::kJsonl, VectorDtype::kInt8, 2);
  codes.append(std::span<const int8_t>(std::vector<int8_t>{-127, 3, 0, 127}));
  codes.finish();
  EXPECT_EQ(read_bytes(dir.file("c.jsonl")), "[-127,3]\n[0,127]\n");

  VectorWriter bits(dir.file("b.jsonl"), VectorFormat::kJsonl, VectorDtype::kUint8, 1);
  bits.append(std::span<const uint8_t>(std::vector<uint8_t>{255, 0}));
  bits.finish();
  EXPECT_EQ(read_bytes(dir.file("b.jsonl")), "[255]\n[0]\n");
}

TEST(VectorIo, JsonlRefusesNonFiniteValues) {
  TempDir dir;
  VectorWriter writer(dir.file("v.jsonl"), VectorFormat::kJsonl, VectorDtype::kFloat32, 1);
  const std::string message = error_message([&] {
    writer.append(
        std::span<const float>(std::vector<float>{std::numeric_limits<float>::infinity()}));
  });
  EXPECT_THAT(message, HasSubstr("JSON cannot represent"));
}

TEST(VectorIo, UnfinishedWriterLeavesThePreviousFile) {
  TempDir dir;
  const std::string path = dir.write("v.npy", "the old file");
  {
    VectorWriter writer(path, VectorFormat::kNpy, VectorDtype::kFloat32, 2);
    writer.append(Tensor::from({1, 2}, {1.0f, 2.0f}));
    // Destroyed without finish(), as when an error unwinds the stack.
  }
  EXPECT_EQ(read_bytes(path), "the old file");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(VectorIo, FormatsRefuseDtypesTheyCannotHold) {
  TempDir dir;
  EXPECT_THAT(error_message([&] {
                VectorWriter(dir.file("v.fvecs"), VectorFormat::kFvecs, VectorDtype::kUint8, 4);
              }),
              HasSubstr("or bvecs"));
  EXPECT_THAT(error_message([&] {
                VectorWriter(dir.file("v.bvecs"), VectorFormat::kBvecs, VectorDtype::kInt8, 4);
              }),
              HasSubstr(".bvecs holds uint8 codes, not int8"));
  VectorWriter writer(dir.file("v.npy"), VectorFormat::kNpy, VectorDtype::kUint8, 2);
  EXPECT_THAT(error_message([&] {
                writer.append(std::span<const int8_t>(std::vector<int8_t>{1, 2}));
              }),
              HasSubstr("holds uint8 values, not int8"));
  EXPECT_THAT(error_message([&] {
                writer.append(std::span<const uint8_t>(std::vector<uint8_t>{1, 2, 3}));
              }),
              HasSubstr("not whole rows of 2"));
  EXPECT_THAT(error_message([&] {
                VectorWriter(dir.file("missing/v.npy"), VectorFormat::kNpy, VectorDtype::kUint8, 2);
              }),
              HasSubstr("missing/v.npy: cannot create"));
}

TEST(VectorIo, FormatNames) {
  EXPECT_EQ(vector_format_from_path("a/b.npy"), VectorFormat::kNpy);
  EXPECT_EQ(vector_format_from_path("b.fvecs"), VectorFormat::kFvecs);
  EXPECT_EQ(vector_format_from_path("b.bvecs"), VectorFormat::kBvecs);
  EXPECT_EQ(vector_format_from_path("b.jsonl"), VectorFormat::kJsonl);
  EXPECT_THAT(error_message([] { vector_format_from_path("b.txt"); }),
              HasSubstr("b.txt: cannot tell the vector format"));
  EXPECT_EQ(parse_enum<VectorFormat>("fvecs", "vector format"), VectorFormat::kFvecs);
  EXPECT_THAT(error_message([] { parse_enum<VectorFormat>("csv", "vector format"); }),
              HasSubstr("unknown"));
}

TEST(VectorIo, WriteNpyOneDimensional) {
  TempDir dir;
  const std::vector<float> values = {0.5f, -1.0f, 2.0f};
  write_npy(dir.file("s.npy"), values);
  const NpyArray array = read_npy(dir.file("s.npy"));
  EXPECT_EQ(array.ndim, 1);
  EXPECT_EQ(array.rows, 1);
  EXPECT_EQ(array.cols, 3);
  EXPECT_EQ(array.floats.to_vector(), values);
}

// ---- read_npy on files written elsewhere, and on broken files

// An .npy file with the given dict (padded as NumPy pads it) and data bytes.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  const size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.resize(total - prefix - 1, ' ');
  header.push_back('\n');
  std::string bytes = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  if (major == 1) {
    bytes += le(static_cast<uint16_t>(header.size()));
  } else {
    bytes += le(static_cast<uint32_t>(header.size()));
  }
  return bytes + header + data;
}

TEST(ReadNpy, AcceptsOtherKeyOrdersAndVersion2) {
  TempDir dir;
  const std::string data = le(1.0f) + le(2.0f);
  const std::string path = dir.write(
      "a.npy", npy_file("{'shape': (1, 2), 'fortran_order': False, 'descr': '<f4'}", data, 2));
  const NpyArray array = read_npy(path);
  EXPECT_EQ(array.rows, 1);
  EXPECT_EQ(array.floats.to_vector(), (std::vector<float>{1.0f, 2.0f}));
}

TEST(ReadNpy, ErrorsNameTheFileAndTheProblem) {
  TempDir dir;
  const std::string good_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  const std::string data(16, '\0');
  const std::string good = npy_file(good_dict, data);
  struct Case {
    std::string name, bytes, expected;
  };
  const std::vector<Case> cases = {
      {"empty.npy", "", "truncated .npy file"},
      {"magic.npy", "PK\x03\x04 not numpy at all", "not an .npy file"},
      {"header.npy", good.substr(0, 40), "truncated .npy file: the header needs"},
      {"data.npy", good.substr(0, good.size() - 1), "truncated .npy file: shape (2, 2)"},
      {"extra.npy", good + "x", "1 bytes after the 16 bytes of data"},
      {"version.npy", std::string("\x93NUMPY\x09\x00", 8) + good.substr(8),
       "unsupported .npy format version 9"},
      {"f8.npy", npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", data),
       "unsupported .npy dtype '<f8'"},
      {"big_endian.npy",
       npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", data),
       "unsupported .npy dtype '>f4'"},
      {"fortran.npy", npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data),
       "Fortran-order"},
      {"3d.npy", npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 4), }", data),
       "has 3 dims"},
      {"scalar.npy", npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", ""),
       "has 0 dims"},
      {"dict.npy", npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", data),
       "corrupt .npy header: expected a non-negative integer"},
      {"key.npy", npy_file("{'descr': '<f4', 'shape': (2, 2), }", data),
       "keys descr, fortran_order and shape are all required"},
      {"huge.npy",
       npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627775, "
                "1099511627775), }",
                data),
       "truncated .npy file"},
  };
  for (const Case& c : cases) {
    const std::string path = dir.write(c.name, c.bytes);
    const std::string message = error_message([&] { read_npy(path); });
    EXPECT_THAT(message, HasSubstr(path)) << c.name;
    EXPECT_THAT(message, HasSubstr(c.expected)) << c.name;
  }
  EXPECT_THAT(error_message([&] { read_npy(dir.file("none.npy")); }),
              HasSubstr("cannot open " + dir.file("none.npy")));
  EXPECT_THAT(error_message([&] { read_npy(dir.path().string()); }), HasSubstr("is a directory"));
}

// NumPy loads what tessera wrote, and tessera reads what NumPy wrote.
TEST(ReadNpy, PythonNumpyInterop) {
  if (!python_has_numpy()) {
    GTEST_SKIP() << "/usr/bin/python3 with numpy is not available; skipping the interop check";
  }
  TempDir dir;
  Rng rng(3);
  const Tensor x = testing::random_tensor({7, 5}, rng);
  VectorWriter floats(dir.file("f.npy"), VectorFormat::kNpy, VectorDtype::kFloat32, 5);
  floats.append(x.slice_rows(0, 4));
  floats.append(x.slice_rows(4, 7));
  floats.finish();
  VectorWriter codes(dir.file("i.npy"), VectorFormat::kNpy, VectorDtype::kInt8, 2);
  codes.append(std::span<const int8_t>(std::vector<int8_t>{-127, -3, 0, 127}));
  codes.finish();
  VectorWriter text(dir.file("f.jsonl"), VectorFormat::kJsonl, VectorDtype::kFloat32, 5);
  text.append(x);
  text.finish();
  std::string expected;
  for (float v : x.to_vector()) expected += fmt::format("{}\n", v);
  dir.write("expected.txt", expected);

  const std::string script = R"PY(
import json, sys
import numpy as np
d = sys.argv[1]
f = np.load(d + "/f.npy")
assert f.dtype == np.float32 and f.shape == (7, 5) and f.flags["C_CONTIGUOUS"], (f.dtype, f.shape)
expected = np.array([float(v) for v in open(d + "/expected.txt")], dtype=np.float32).reshape(7, 5)
assert np.array_equal(f, expected), (f, expected)
rows = [json.loads(line) for line in open(d + "/f.jsonl")]
assert np.array_equal(np.array(rows, dtype=np.float32), expected), "jsonl floats differ"
i = np.load(d + "/i.npy")
assert i.dtype == np.int8 and i.tolist() == [[-127, -3], [0, 127]], i
np.save(d + "/from_numpy_f4.npy", np.arange(12, dtype=np.float32).reshape(3, 4) / 8)
np.save(d + "/from_numpy_u1.npy", np.packbits(np.array([[1, 0, 1, 1, 0, 0, 0, 1, 1]]) > 0, axis=-1))
np.save(d + "/from_numpy_1d.npy", np.array([0.5, -0.25], dtype=np.float32))
np.save(d + "/from_numpy_fortran.npy", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
)PY";
  dir.write("check.py", script);
  const std::string command =
      "/usr/bin/python3 " + dir.file("check.py") + " " + dir.path().string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  const NpyArray f4 = read_npy(dir.file("from_numpy_f4.npy"));
  ASSERT_EQ(f4.rows, 3);
  ASSERT_EQ(f4.cols, 4);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(f4.floats.to_vector()[static_cast<size_t>(i)], i / 8.0f);
  const NpyArray u1 = read_npy(dir.file("from_numpy_u1.npy"));
  EXPECT_EQ(u1.dtype, VectorDtype::kUint8);
  EXPECT_EQ(u1.bytes, (std::vector<uint8_t>{0xB1, 0x80}));
  const NpyArray one = read_npy(dir.file("from_numpy_1d.npy"));
  EXPECT_EQ(one.ndim, 1);
  EXPECT_EQ(one.floats.to_vector(), (std::vector<float>{0.5f, -0.25f}));
  EXPECT_THAT(error_message([&] { read_npy(dir.file("from_numpy_fortran.npy")); }),
              HasSubstr("Fortran-order"));
}

}  // namespace
}  // namespace tessera
