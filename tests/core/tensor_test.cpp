// Tensor: shapes, factories, element access, views sharing storage, deep copies, shape errors.
#include "tessera/core/tensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/core/check.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;

TEST(Tensor, ZerosHasShapeAndIsZero) {
  const Tensor t = Tensor::zeros({2, 3, 4});
  EXPECT_EQ(t.ndim(), 3);
  EXPECT_EQ(t.dim(0), 2);
  EXPECT_EQ(t.dim(1), 3);
  EXPECT_EQ(t.dim(2), 4);
  EXPECT_EQ(t.dim(-1), 4);
  EXPECT_EQ(t.dim(-3), 2);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.rows(), 6);  // leading dimensions flattened
  EXPECT_EQ(t.cols(), 4);
  EXPECT_EQ(t.ld(), 4);
  EXPECT_TRUE(t.contiguous());
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.shape_string(), "[2, 3, 4]");
  for (float v : t.to_vector()) EXPECT_EQ(v, 0.0f);
}

TEST(Tensor, OneDimensionalTensorIsOneRow) {
  const Tensor t = Tensor::full({5}, 2.5f);
  EXPECT_EQ(t.rows(), 1);
  EXPECT_EQ(t.cols(), 5);
  EXPECT_EQ(t.to_vector(), std::vector<float>(5, 2.5f));
}

TEST(Tensor, DefaultIsUndefined) {
  const Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_EQ(t.numel(), 0);
}

TEST(Tensor, OwningStorageIs64ByteAligned) {
  for (int64_t n : {1, 3, 17, 100}) {
    const Tensor t = Tensor::empty({n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u) << "n = " << n;
  }
}

TEST(Tensor, FromCopiesValuesInRowMajorOrder) {
  const Tensor t = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(t.at({0, 0}), 1.0f);
  EXPECT_EQ(t.at({0, 2}), 3.0f);
  EXPECT_EQ(t.at({1, 0}), 4.0f);
  EXPECT_EQ(t.at({1, 2}), 6.0f);

  std::vector<float> values = {7, 8, 9, 10};
  const Tensor u = Tensor::from({2, 2}, std::span<const float>(values));
  values[0] = -1.0f;  // an owning copy: the source may change afterwards
  EXPECT_EQ(u.at({0, 0}), 7.0f);
  EXPECT_EQ(u.at({1, 1}), 10.0f);
}

TEST(Tensor, FromWithWrongValueCountThrows) {
  const std::string message = error_message([] { Tensor::from({2, 3}, {1, 2, 3}); });
  EXPECT_THAT(message, HasSubstr("[2, 3]"));
  EXPECT_THAT(message, HasSubstr("6"));
}

TEST(Tensor, AtWritesAndReadsThreeDimensional) {
  Tensor t = Tensor::zeros({2, 3, 4});
  t.at({1, 2, 3}) = 5.0f;
  t.at({0, 1, 0}) = 7.0f;
  EXPECT_EQ(t.data()[1 * 12 + 2 * 4 + 3], 5.0f);
  EXPECT_EQ(t.data()[4], 7.0f);
  EXPECT_EQ(t.row(5)[3], 5.0f);  // row 5 = (1, 2)
}

TEST(Tensor, AtChecksBoundsAndArity) {
  Tensor t = Tensor::zeros({2, 3});
  EXPECT_THAT(error_message([&] { t.at({2, 0}); }), HasSubstr("out of range"));
  EXPECT_THAT(error_message([&] { t.at({0, -1}); }), HasSubstr("out of range"));
  EXPECT_THAT(error_message([&] { t.at({0}); }), HasSubstr("[2, 3]"));
  EXPECT_THAT(error_message([&] { (void)t.dim(2); }), HasSubstr("out of range"));
}

TEST(Tensor, BadShapesThrow) {
  EXPECT_THAT(error_message([] { Tensor::zeros({1, 2, 3, 4}); }), HasSubstr("1 to 3"));
  EXPECT_THAT(error_message([] { Tensor::zeros({2, -1}); }), HasSubstr("non-negative"));
}

TEST(Tensor, CopiesAreShallow) {
  Tensor a = Tensor::zeros({2, 2});
  Tensor b = a;
  b.at({1, 1}) = 3.0f;
  EXPECT_EQ(a.at({1, 1}), 3.0f);
  EXPECT_EQ(a.data(), b.data());
}

TEST(Tensor, PrefixColsIsAViewWithLongerRows) {
  Tensor t = Tensor::from({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Tensor p = t.prefix_cols(2);
  EXPECT_EQ(p.dim(0), 3);
  EXPECT_EQ(p.cols(), 2);
  EXPECT_EQ(p.ld(), 4);
  EXPECT_GT(p.ld(), p.cols());
  EXPECT_FALSE(p.contiguous());
  EXPECT_EQ(p.data(), t.data());
  EXPECT_EQ(p.at({2, 1}), 9.0f);  // at() walks rows by ld
  EXPECT_EQ(p.to_vector(), (std::vector<float>{0, 1, 4, 5, 8, 9}));

  p.at({1, 0}) = -4.0f;  // shared storage: the write shows through
  EXPECT_EQ(t.at({1, 0}), -4.0f);
  EXPECT_THAT(error_message([&] { p.at({0, 2}); }), HasSubstr("out of range"));

  // A prefix of a prefix keeps the original stride.
  Tensor pp = p.prefix_cols(1);
  EXPECT_EQ(pp.ld(), 4);
  EXPECT_EQ(pp.at({2, 0}), 8.0f);
  EXPECT_THAT(error_message([&] { t.prefix_cols(5); }), HasSubstr("prefix of 5"));
}

TEST(Tensor, FillAndZeroOfAViewLeaveThePaddingAlone) {
  Tensor t = Tensor::full({2, 3}, 1.0f);
  Tensor p = t.prefix_cols(2);
  p.fill(5.0f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{5, 5, 1, 5, 5, 1}));
  p.zero();
  EXPECT_EQ(t.to_vector(), (std::vector<float>{0, 0, 1, 0, 0, 1}));
}

TEST(Tensor, SliceRowsSharesStorage) {
  Tensor t = Tensor::from({4, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor s = t.slice_rows(1, 3);
  EXPECT_EQ(s.dim(0), 2);
  EXPECT_EQ(s.cols(), 2);
  EXPECT_EQ(s.at({0, 0}), 2.0f);
  EXPECT_EQ(s.at({1, 1}), 5.0f);
  s.at({1, 0}) = 40.0f;
  EXPECT_EQ(t.at({2, 0}), 40.0f);

  // Rows of a prefix view keep its stride.
  Tensor ps = t.prefix_cols(1).slice_rows(2, 4);
  EXPECT_EQ(ps.ld(), 2);
  EXPECT_EQ(ps.to_vector(), (std::vector<float>{40, 6}));

  // A 3-d tensor slices its flattened rows and comes back 2-d.
  Tensor cube = Tensor::zeros({2, 3, 4});
  cube.at({1, 0, 2}) = 9.0f;
  Tensor cs = cube.slice_rows(3, 5);
  EXPECT_EQ(cs.ndim(), 2);
  EXPECT_EQ(cs.dim(0), 2);
  EXPECT_EQ(cs.at({0, 2}), 9.0f);

  Tensor empty = t.slice_rows(2, 2);
  EXPECT_EQ(empty.numel(), 0);
  EXPECT_THAT(error_message([&] { t.slice_rows(3, 5); }), HasSubstr("out of 4 rows"));
  EXPECT_THAT(error_message([&] { t.slice_rows(3, 2); }), HasSubstr("out of 4 rows"));
}

TEST(Tensor, ReshapeSharesStorageAndChecks) {
  Tensor t = Tensor::from({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor r = t.reshape({3, 2});
  EXPECT_EQ(r.dim(0), 3);
  EXPECT_EQ(r.ld(), 2);
  EXPECT_EQ(r.at({2, 0}), 4.0f);
  r.at({0, 1}) = 10.0f;
  EXPECT_EQ(t.at({0, 1}), 10.0f);
  Tensor flat = t.reshape({6});
  EXPECT_EQ(flat.ndim(), 1);
  EXPECT_EQ(t.reshape({1, 2, 3}).dim(2), 3);

  EXPECT_THAT(error_message([&] { t.reshape({4, 2}); }), HasSubstr("cannot reshape [2, 3]"));
  EXPECT_THAT(error_message([&] { t.prefix_cols(2).reshape({4}); }), HasSubstr("contiguous"));
}

TEST(Tensor, CloneIsDeepAndContiguous) {
  Tensor t = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor c = t.clone();
  EXPECT_NE(c.data(), t.data());
  c.at({0, 0}) = 100.0f;
  EXPECT_EQ(t.at({0, 0}), 1.0f);

  Tensor pc = t.prefix_cols(2).clone();
  EXPECT_TRUE(pc.contiguous());
  EXPECT_EQ(pc.ld(), 2);
  EXPECT_EQ(pc.to_vector(), (std::vector<float>{1, 2, 4, 5}));
}

TEST(Tensor, CopyFromAcrossLayouts) {
  Tensor wide = Tensor::full({2, 4}, -1.0f);
  Tensor view = wide.prefix_cols(3);
  view.copy_from(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(wide.to_vector(), (std::vector<float>{1, 2, 3, -1, 4, 5, 6, -1}));

  Tensor dense = Tensor::zeros({2, 3});
  dense.copy_from(view);
  EXPECT_EQ(dense.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(Tensor, CopyFromShapeMismatchNamesBothShapes) {
  Tensor a = Tensor::zeros({2, 3});
  const std::string message = error_message([&] { a.copy_from(Tensor::zeros({3, 2})); });
  EXPECT_THAT(message, HasSubstr("[3, 2]"));
  EXPECT_THAT(message, HasSubstr("[2, 3]"));
  // A shape mismatch is not a numel mismatch: [6] into [2, 3] fails as well.
  EXPECT_THROW(a.copy_from(Tensor::zeros({6})), Error);
}

TEST(Tensor, SameShape) {
  EXPECT_TRUE(Tensor::zeros({2, 3}).same_shape(Tensor::zeros({2, 3})));
  EXPECT_FALSE(Tensor::zeros({2, 3}).same_shape(Tensor::zeros({3, 2})));
  EXPECT_FALSE(Tensor::zeros({6}).same_shape(Tensor::zeros({1, 6})));
  EXPECT_TRUE(Tensor::zeros({2, 4}).prefix_cols(3).same_shape(Tensor::zeros({2, 3})));
}

TEST(Tensor, ViewOfCallerMemory) {
  std::vector<float> memory = {1, 2, 3, 4, 5, 6, 7, 8};
  Tensor v = Tensor::view_of(memory.data(), {2, 3}, 4);
  EXPECT_EQ(v.ld(), 4);
  EXPECT_EQ(v.at({1, 2}), 7.0f);
  v.at({0, 0}) = -1.0f;
  EXPECT_EQ(memory[0], -1.0f);
  EXPECT_TRUE(Tensor::view_of(memory.data(), {4, 2}).contiguous());
  EXPECT_THAT(error_message([&] {
                Tensor::view_of(memory.data(), {2, 3}, 2);
              }),
              HasSubstr("row stride 2"));
  EXPECT_THROW(Tensor::view_of(nullptr, {2}), Error);
}

TEST(Tensor, EmptyDimensionsAreAllowed) {
  const Tensor t = Tensor::zeros({0, 5});
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(t.rows(), 0);
  EXPECT_TRUE(t.to_vector().empty());
  EXPECT_EQ(t.clone().numel(), 0);
}

}  // namespace
}  // namespace tessera
