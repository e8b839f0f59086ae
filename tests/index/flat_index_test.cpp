// The flat indexes against the exact kernels, removal, save/load round trips, and the errors of
// truncated, corrupted and mismatched index files.
#include "tessera/index/flat_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>

#include "index_test_support.h"
#include "tessera/core/quantize.h"
#include "tessera/index/index_file.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::random_unit_vectors;
using testing::Rng;
using testing::TempDir;

void expect_same(const TopK& a, const TopK& b) {
  ASSERT_EQ(a.num_queries, b.num_queries);
  ASSERT_EQ(a.k, b.k);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.scores, b.scores);
}

TEST(FlatIndex, SearchEqualsExactSearchAcrossSeveralAdds) {
  Rng rng(1);
  const Tensor base = random_unit_vectors(300, 16, rng);
  const Tensor queries = random_unit_vectors(20, 16, rng);
  FlatIndex index(16);
  index.add(base.slice_rows(0, 100));
  index.add(base.slice_rows(100, 300));
  EXPECT_EQ(index.size(), 300);
  EXPECT_EQ(index.kind(), "flat");
  EXPECT_EQ(index.bytes_per_vector(), 64.0);
  expect_same(index.search(queries, 10), exact_top_k(queries, base, 10));
}

TEST(FlatIndex, RemovedIdsAreNeverReturnedAndNotReused) {
  Rng rng(2);
  const Tensor base = random_unit_vectors(50, 8, rng);
  FlatIndex index(8);
  index.add(base);
  const TopK before = index.search(base.slice_rows(0, 5), 3);
  const std::vector<int64_t> removed = {0, 1, 2, 3, 4};
  index.remove(removed);
  EXPECT_EQ(index.size(), 45);
  EXPECT_EQ(index.num_added(), 50);
  const TopK after = index.search(base.slice_rows(0, 5), 3);
  for (int64_t q = 0; q < 5; ++q) {
    EXPECT_EQ(before.ids_of(q)[0], q);  // each vector is its own nearest
    for (const int64_t id : after.ids_of(q)) EXPECT_GE(id, 5);
  }
  index.add(base.slice_rows(0, 1));
  EXPECT_EQ(index.search(base.slice_rows(0, 1), 1).ids[0], 50);
}

TEST(FlatIndex, BadRemovalsChangeNothing) {
  FlatIndex index(4);
  index.add(Tensor::zeros({3, 4}));
  const std::vector<int64_t> out_of_range = {1, 3};
  EXPECT_NE(error_message([&] { index.remove(out_of_range); }).find("cannot remove id 3"),
            std::string::npos);
  EXPECT_EQ(index.num_removed(), 0);
  const std::vector<int64_t> twice = {1, 1};
  EXPECT_NE(error_message([&] { index.remove(twice); }).find("given twice"), std::string::npos);
  const std::vector<int64_t> one = {1};
  index.remove(one);
  EXPECT_NE(error_message([&] { index.remove(one); }).find("already removed"), std::string::npos);
  EXPECT_EQ(index.num_removed(), 1);
}

TEST(FlatIndex, PadsWhenFewerVectorsThanK) {
  FlatIndex index(2);
  const Tensor query = Tensor::from({1, 2}, {1.0f, 0.0f});
  TopK empty = index.search(query, 3);
  EXPECT_EQ(empty.ids, (std::vector<int64_t>{-1, -1, -1}));
  index.add(Tensor::from({2, 2}, {0.0f, 1.0f, 1.0f, 0.0f}));
  const TopK two = index.search(query, 3);
  EXPECT_EQ(two.ids, (std::vector<int64_t>{1, 0, -1}));
  EXPECT_EQ(two.scores[2], -std::numeric_limits<float>::infinity());
}

TEST(FlatIndex, RejectsWrongShapesAndNonFiniteVectors) {
  FlatIndex index(4);
  EXPECT_NE(error_message([&] {
              index.add(Tensor::zeros({2, 3}));
            }).find("n x 4"),
            std::string::npos);
  Tensor bad = Tensor::zeros({2, 4});
  bad.row(1)[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(error_message([&] { index.add(bad); }).find("vector 1 has a non-finite value at dim 2"),
            std::string::npos);
  EXPECT_EQ(index.num_added(), 0);
  EXPECT_NE(error_message([&] {
              (void)index.search(Tensor::zeros({1, 5}), 1);
            }).find("n x 4"),
            std::string::npos);
  EXPECT_NE(error_message([] { FlatIndex zero(0); }).find("dim in [1"), std::string::npos);
}

TEST(FlatIndex, ScoresGivenIds) {
  FlatIndex index(2);
  index.add(Tensor::from({3, 2}, {1.0f, 0.0f, 0.0f, 1.0f, 0.6f, 0.8f}));
  const std::vector<int64_t> remove = {1};
  index.remove(remove);
  const Tensor query = Tensor::from({1, 2}, {0.0f, 1.0f});
  const std::vector<int64_t> ids = {2, 1, -1, 0};
  std::vector<float> scores(4);
  index.score(query, ids, 4, scores);
  EXPECT_FLOAT_EQ(scores[0], 0.8f);
  EXPECT_EQ(scores[1], -std::numeric_limits<float>::infinity());  // removed
  EXPECT_EQ(scores[2], -std::numeric_limits<float>::infinity());  // padding
  EXPECT_FLOAT_EQ(scores[3], 0.0f);
  const std::vector<int64_t> unknown = {7};
  std::vector<float> one(1);
  EXPECT_NE(error_message([&] { index.score(query, unknown, 1, one); }).find("id 7"),
            std::string::npos);
}

// search() and score() quantize the query to int8 too: each score is within the query's rounding
// of the inner product with the decoded codes (half a step per dim, times the code), and the two
// agree exactly; the ranking barely moves.
TEST(Int8Index, ScoresWithinTheQueryRoundingOfTheDecodedVectors) {
  Rng rng(3);
  const Tensor base = random_unit_vectors(500, 32, rng);
  const Tensor queries = random_unit_vectors(10, 32, rng);
  Int8Index index(32);
  index.add(base);
  EXPECT_EQ(index.bytes_per_vector(), 32.0);
  const std::vector<int8_t> codes = quantize_int8(base, index.scales());
  const Tensor decoded = dequantize_int8(codes, index.scales());
  const TopK found = index.search(queries, 10);
  EXPECT_GE(testing::recall_at_k(found, exact_top_k(queries, decoded, 10)), 0.95);
  EXPECT_GE(testing::recall_at_k(found, exact_top_k(queries, base, 10)), 0.9);
  for (int64_t q = 0; q < queries.rows(); ++q) {
    float step = 0;  // the query's rounding step: its largest weight / 127
    for (int64_t c = 0; c < 32; ++c) {
      step = std::max(step, std::abs(queries.row(q)[c] * index.scales()[static_cast<size_t>(c)]));
    }
    step /= 127;
    std::vector<float> scored(10);
    index.score(queries.slice_rows(q, q + 1), found.ids_of(q), 10, scored);
    for (int64_t j = 0; j < 10; ++j) {
      const int64_t id = found.ids_of(q)[static_cast<size_t>(j)];
      const float score = found.scores_of(q)[static_cast<size_t>(j)];
      EXPECT_EQ(scored[static_cast<size_t>(j)], score);
      float exact = 0, bound = 0;
      for (int64_t c = 0; c < 32; ++c) {
        exact += queries.row(q)[c] * decoded.row(id)[c];
        bound += 0.5f * step * std::abs(codes[static_cast<size_t>(id * 32 + c)]);
      }
      EXPECT_NEAR(score, exact, bound + 1e-5f);
      if (j > 0) {
        EXPECT_GE(found.scores_of(q)[static_cast<size_t>(j - 1)], score);
      }
    }
  }
}

// any_order returns the same k best, unsorted: what a funnel's shortlist asks for.
TEST(FlatIndexes, AnyOrderKeepsTheSameBest) {
  Rng rng(7);
  const Tensor base = random_unit_vectors(3000, 16, rng);
  const Tensor queries = random_unit_vectors(5, 16, rng);
  SearchParams any;
  any.any_order = true;
  for (const bool int8 : {false, true}) {
    std::unique_ptr<Index> index;
    if (int8) {
      index = std::make_unique<Int8Index>(16);
    } else {
      index = std::make_unique<FlatIndex>(16);
    }
    index->add(base);
    const TopK sorted = index->search(queries, 100);
    const TopK unsorted = index->search(queries, 100, any);
    for (int64_t q = 0; q < 5; ++q) {
      std::vector<std::pair<float, int64_t>> a, b;
      for (int64_t j = 0; j < 100; ++j) {
        a.emplace_back(sorted.scores_of(q)[static_cast<size_t>(j)],
                       sorted.ids_of(q)[static_cast<size_t>(j)]);
        b.emplace_back(unsorted.scores_of(q)[static_cast<size_t>(j)],
                       unsorted.ids_of(q)[static_cast<size_t>(j)]);
      }
      std::sort(b.begin(), b.end(), [](const auto& x, const auto& y) {
        return x.first > y.first || (x.first == y.first && x.second < y.second);
      });
      EXPECT_EQ(a, b) << (int8 ? "int8" : "flat") << " query " << q;
    }
  }
}

// Codes of -128 never come from quantization, and the integer scans rely on it: a file holding
// one is refused.
TEST(Int8Index, AFileWithCodeMinus128IsRefused) {
  Rng rng(6);
  Int8Index index(8);
  index.add(random_unit_vectors(4, 8, rng));
  TempDir dir;
  const std::string path = dir.file("int8.index");
  index.save(path);
  std::vector<uint8_t> bytes = testing::read_bytes(path);
  // The codes are the 32 bytes before the removed-id list (an empty array: its 8-byte length)
  // and the checksum.
  bytes[bytes.size() - 16 - 32 + 5] = 0x80;
  testing::write_with_checksum(path, bytes);
  const std::string message = error_message([&] { (void)load_index(path); });
  EXPECT_NE(message.find("invalid int8 code -128"), std::string::npos) << message;
}

TEST(BinaryIndex, ScoresAreBitsMinusTwiceTheHammingDistance) {
  BinaryIndex index(4);
  // Sign bits: 1111, 1100, 0000.
  index.add(Tensor::from({3, 4}, {1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1}));
  const TopK found = index.search(Tensor::from({1, 4}, {1, 1, -1, -1}), 3);
  EXPECT_EQ(found.ids, (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(found.scores, (std::vector<float>{4, 0, 0}));
  EXPECT_EQ(index.bytes_per_vector(), 1.0);
  const std::vector<int64_t> removed = {1};
  index.remove(removed);
  EXPECT_EQ(index.search(Tensor::from({1, 4}, {1, 1, -1, -1}), 1).ids[0], 0);
}

// Every flat kind saves and loads to the same results; removed ids survive.
TEST(IndexFile, RoundTripsEveryFlatKind) {
  Rng rng(4);
  const Tensor base = random_unit_vectors(200, 24, rng);
  const Tensor queries = random_unit_vectors(8, 24, rng);
  TempDir dir;
  std::vector<std::unique_ptr<Index>> indexes;
  indexes.push_back(std::make_unique<FlatIndex>(24));
  indexes.push_back(std::make_unique<Int8Index>(24));
  indexes.push_back(std::make_unique<BinaryIndex>(24));
  const std::vector<int64_t> removed = {3, 17, 150};
  for (const auto& index : indexes) {
    index->add(base);
    index->remove(removed);
    const std::string path = dir.file(index->kind() + ".index");
    index->save(path);
    const std::unique_ptr<Index> loaded = load_index(path);
    EXPECT_EQ(loaded->kind(), index->kind());
    EXPECT_EQ(loaded->num_removed(), 3);
    expect_same(loaded->search(queries, 10), index->search(queries, 10));
    EXPECT_NE(error_message([&] {
                (void)load_index(path, "hnsw");
              }).find("a '" + index->kind() + "' index, not the 'hnsw' index expected"),
              std::string::npos);
  }
}

TEST(IndexFile, TruncatedCorruptedAndForeignFilesAreClearErrors) {
  Rng rng(5);
  TempDir dir;
  FlatIndex index(8);
  index.add(random_unit_vectors(20, 8, rng));
  const std::string path = dir.file("flat.index");
  index.save(path);
  const std::vector<uint8_t> good = testing::read_bytes(path);

  // Every truncation is caught, never a crash.
  for (size_t size = 0; size < good.size(); size += 7) {
    const std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(size));
    testing::write_bytes(path, cut);
    const std::string message = error_message([&] { (void)load_index(path); });
    EXPECT_NE(message.find(path), std::string::npos) << message;
  }
  // A flipped bit anywhere fails the checksum.
  std::vector<uint8_t> flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  testing::write_bytes(path, flipped);
  EXPECT_NE(error_message([&] { (void)load_index(path); }).find("checksum mismatch"),
            std::string::npos);
  // Another version, another file.
  std::vector<uint8_t> version = good;
  version[8] = 99;
  testing::write_bytes(path, version);
  EXPECT_NE(error_message([&] { (void)load_index(path); }).find("version 99"), std::string::npos);
  testing::write_bytes(path, std::vector<uint8_t>(100, 'x'));
  EXPECT_NE(error_message([&] { (void)load_index(path); }).find("not a tessera index file"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              (void)load_index(dir.file("missing.index"));
            }).find("cannot open index file"),
            std::string::npos);
}

// A file whose checksum is right but whose fields make no sense (as a forged or buggy writer
// would give) is refused by the field checks.
TEST(IndexFile, InconsistentFieldsAreRefusedEvenWithAValidChecksum) {
  TempDir dir;
  const std::string path = dir.file("bad.index");
  {
    IndexFileWriter out(path, "flat");
    out.write<int64_t>(4);
    const std::vector<float> seven(7, 0.0f);  // not whole vectors of 4 dims
    out.write_array<float>(seven);
    out.write_array<int64_t>(std::vector<int64_t>{});
    out.commit();
  }
  EXPECT_NE(error_message([&] { (void)load_index(path); }).find("not whole vectors of dim 4"),
            std::string::npos);
  {
    IndexFileWriter out(path, "flat");
    out.write<int64_t>(2);
    out.write_array<float>(std::vector<float>(4, 0.0f));
    out.write_array<int64_t>(std::vector<int64_t>{5});  // removes an id that does not exist
    out.commit();
  }
  EXPECT_NE(error_message([&] { (void)load_index(path); }).find("removed id 5"), std::string::npos);
  {
    IndexFileWriter out(path, "flat");
    out.write<int64_t>(1);
    out.write_array<float>(std::vector<float>(1, 0.0f));
    out.write_array<int64_t>(std::vector<int64_t>{});
    out.write<int32_t>(0);  // trailing bytes
    out.commit();
  }
  EXPECT_NE(error_message([&] { (void)load_index(path); }).find("4 unread bytes"),
            std::string::npos);
  {
    IndexFileWriter out(path, "ivf");
    out.commit();
  }
  EXPECT_NE(error_message([&] { (void)load_index(path); }).find("unknown vector index kind 'ivf'"),
            std::string::npos);
}

TEST(IndexFile, AFailedSaveKeepsThePreviousFile) {
  TempDir dir;
  const std::string path = dir.file("keep.index");
  FlatIndex index(2);
  index.add(Tensor::from({1, 2}, {1.0f, 0.0f}));
  index.save(path);
  {
    IndexFileWriter out(path, "flat");
    out.write<int64_t>(2);
    // destroyed without commit, as when a save throws midway
  }
  EXPECT_EQ(load_index(path)->num_added(), 1);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

}  // namespace
}  // namespace tessera
