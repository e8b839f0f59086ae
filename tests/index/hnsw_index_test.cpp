// HnswIndex against exact search (recall@10), per-call ef (also from concurrent threads), removal,
// save/load round trips, and files whose fields are forged behind a valid checksum.
#include "tessera/index/hnsw_index.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <thread>

#include "index_test_support.h"
#include "tessera/core/kernels.h"
#include "tessera/index/index_file.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::random_unit_vectors;
using testing::recall_at_k;
using testing::Rng;
using testing::ScopedNumThreads;
using testing::TempDir;

constexpr float kNoScore = -std::numeric_limits<float>::infinity();

void expect_same(const TopK& a, const TopK& b) {
  ASSERT_EQ(a.num_queries, b.num_queries);
  ASSERT_EQ(a.k, b.k);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.scores, b.scores);
}

// Each row best first (ties by lower id), real ids before pads, no id twice.
void expect_well_formed(const TopK& result) {
  for (int64_t q = 0; q < result.num_queries; ++q) {
    const auto ids = result.ids_of(q);
    const auto scores = result.scores_of(q);
    for (int64_t j = 1; j < result.k; ++j) {
      const auto i = static_cast<size_t>(j);
      if (ids[i] < 0) {
        EXPECT_EQ(scores[i], kNoScore);
        continue;
      }
      ASSERT_GE(ids[i - 1], 0) << "a real id after a pad, query " << q;
      EXPECT_TRUE(scores[i - 1] > scores[i] || (scores[i - 1] == scores[i] && ids[i - 1] < ids[i]))
          << "query " << q << " rank " << j;
    }
    std::vector<int64_t> sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    for (size_t j = 1; j < sorted.size(); ++j) {
      if (sorted[j] >= 0) {
        EXPECT_NE(sorted[j], sorted[j - 1]) << "query " << q;
      }
    }
  }
}

// 5000 random unit vectors of dim 32 and 200 queries. Uniform on the sphere has no cluster
// structure, which makes it hard for a graph: at dim 64, hnswlib itself (python3-hnswlib, same M
// and ef_construction) needs ef ~100 for recall@10 0.95; at dim 32 it reaches 0.98 at ef 64.
struct RecallData {
  Tensor base;
  Tensor queries;
  TopK exact;
};

const RecallData& recall_data() {
  static const RecallData data = [] {
    Rng rng(21);
    RecallData d;
    d.base = random_unit_vectors(5000, 32, rng);
    d.queries = random_unit_vectors(200, 32, rng);
    d.exact = exact_top_k(d.queries, d.base, 10);
    return d;
  }();
  return data;
}

// Built once for the tests that only search it (a build takes a second or so).
const HnswIndex& recall_index() {
  static const HnswIndex* index = [] {
    auto* built = new HnswIndex(32);
    built->add(recall_data().base);
    return built;
  }();
  return *index;
}

TEST(HnswIndex, RecallAt10AgainstExactSearchRisesWithEf) {
  const RecallData& data = recall_data();
  const HnswIndex& index = recall_index();
  EXPECT_EQ(index.kind(), "hnsw");
  EXPECT_EQ(index.size(), 5000);
  EXPECT_GE(index.max_level(), 1);
  double previous = 0.0;
  for (const int64_t ef : {10, 32, 64, 256}) {
    SearchParams params;
    params.ef_search = ef;
    const TopK found = index.search(data.queries, 10, params);
    expect_well_formed(found);
    const double recall = recall_at_k(found, data.exact);
    EXPECT_GE(recall, previous) << "ef " << ef;
    if (ef == 10) {
      EXPECT_LT(recall, 0.95) << "ef 10 should be visibly worse on this data";
    } else if (ef == 64) {
      EXPECT_GE(recall, 0.95);
    } else if (ef == 256) {
      EXPECT_GE(recall, 0.995);
    }
    previous = recall;
  }
  // The default effort is options().ef_search.
  SearchParams ef64;
  ef64.ef_search = 64;
  expect_same(index.search(data.queries, 10), index.search(data.queries, 10, ef64));
}

TEST(HnswIndex, ScoresAreTheExactInnerProducts) {
  const RecallData& data = recall_data();
  const HnswIndex& index = recall_index();
  const TopK found = index.search(data.queries, 10);
  std::vector<float> scores(found.ids.size());
  index.score(data.queries, found.ids, 10, scores);
  for (size_t i = 0; i < scores.size(); ++i) {
    const int64_t q = static_cast<int64_t>(i) / 10;
    const float dot = kernels::dot(data.queries.row(q), data.base.row(found.ids[i]), 32);
    EXPECT_NEAR(found.scores[i], dot, 1e-5f);
    EXPECT_NEAR(scores[i], dot, 1e-5f);
  }
  // -1 scores -infinity; ids outside the index are an error.
  std::vector<int64_t> pad = {-1};
  std::vector<float> one(1);
  index.score(data.queries.slice_rows(0, 1), pad, 1, one);
  EXPECT_EQ(one[0], kNoScore);
  pad[0] = 5000;
  EXPECT_NE(error_message([&] {
              index.score(data.queries.slice_rows(0, 1), pad, 1, one);
            }).find("not in the index"),
            std::string::npos);
}

// ef travels with each call: two threads searching at once with different ef get exactly what
// each gets alone.
TEST(HnswIndex, PerCallEfFromConcurrentThreads) {
  const RecallData& data = recall_data();
  const HnswIndex& index = recall_index();
  SearchParams low, high;
  low.ef_search = 12;
  high.ef_search = 200;
  const TopK expected_low = index.search(data.queries, 10, low);
  const TopK expected_high = index.search(data.queries, 10, high);
  EXPECT_NE(expected_low.ids, expected_high.ids);
  TopK got_low[4], got_high[4];
  std::thread a([&] {
    for (auto& r : got_low) r = index.search(data.queries, 10, low);
  });
  std::thread b([&] {
    for (auto& r : got_high) r = index.search(data.queries, 10, high);
  });
  a.join();
  b.join();
  for (int i = 0; i < 4; ++i) {
    expect_same(got_low[i], expected_low);
    expect_same(got_high[i], expected_high);
  }
}

// One thread inserts in id order: the same vectors and seed build the same graph. More threads
// interleave insertions (a different graph), with the same quality.
TEST(HnswIndex, OneThreadBuildsAreReproducibleAndSeveralAddsAppend) {
  Rng rng(22);
  const Tensor base = random_unit_vectors(1500, 32, rng);
  const Tensor queries = random_unit_vectors(50, 32, rng);
  const TopK exact = exact_top_k(queries, base, 10);
  HnswOptions options;
  options.m = 8;
  options.ef_construction = 100;
  TopK first;
  {
    ScopedNumThreads threads(1);
    HnswIndex a(32, options), b(32, options);
    a.add(base);
    b.add(base.slice_rows(0, 700));  // in three adds: ids continue, the graph grows
    b.add(base.slice_rows(700, 701));
    b.add(base.slice_rows(701, 1500));
    EXPECT_EQ(b.num_added(), 1500);
    first = a.search(queries, 10);
    expect_same(b.search(queries, 10), first);
    EXPECT_EQ(a.max_level(), b.max_level());
  }
  EXPECT_GE(recall_at_k(first, exact), 0.9);
  ScopedNumThreads threads(2);
  HnswIndex c(32, options);
  c.add(base);
  EXPECT_GE(recall_at_k(c.search(queries, 10), exact), 0.9);
}

TEST(HnswIndex, RemovedIdsAreNeverReturned) {
  Rng rng(23);
  const Tensor base = random_unit_vectors(2000, 32, rng);
  HnswIndex index(32);
  index.add(base);
  std::vector<int64_t> removed;
  std::vector<uint8_t> flags(2000, 0);
  for (int64_t id = 0; id < 2000; id += 3) {
    removed.push_back(id);
    flags[static_cast<size_t>(id)] = 1;
  }
  index.remove(removed);
  EXPECT_EQ(index.num_removed(), std::ssize(removed));
  EXPECT_EQ(index.size(), 2000 - std::ssize(removed));
  // Query with removed vectors themselves: their own id is the best match, and must not come back.
  const Tensor queries = base.slice_rows(0, 300);
  const TopK found = index.search(queries, 10);
  expect_well_formed(found);
  for (const int64_t id : found.ids) {
    ASSERT_GE(id, 0);
    EXPECT_EQ(flags[static_cast<size_t>(id)], 0) << "removed id " << id << " returned";
  }
  EXPECT_GE(recall_at_k(found, exact_top_k(queries, base, 10, flags.data())), 0.9);
  std::vector<float> scores(1);
  const std::vector<int64_t> zero = {0};
  index.score(queries.slice_rows(0, 1), zero, 1, scores);
  EXPECT_EQ(scores[0], kNoScore);

  // Bad removals are errors that change nothing.
  const auto rejected = [&](std::vector<int64_t> ids, const std::string& expected) {
    const std::string message = error_message([&] { index.remove(ids); });
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(index.num_removed(), std::ssize(removed));
  };
  rejected({1, 2000}, "cannot remove id 2000");
  rejected({-1}, "cannot remove id -1");
  rejected({1, 3}, "cannot remove id 3: already removed");
  rejected({1, 2, 1}, "cannot remove id 1: given twice");
  const std::vector<int64_t> one_more = {1};
  index.remove(one_more);
  EXPECT_EQ(index.num_removed(), std::ssize(removed) + 1);

  // Everything removed: only pads.
  std::vector<int64_t> rest;
  for (int64_t id = 0; id < 2000; ++id) {
    if (flags[static_cast<size_t>(id)] == 0 && id != 1) rest.push_back(id);
  }
  index.remove(rest);
  EXPECT_EQ(index.size(), 0);
  const TopK none = index.search(queries.slice_rows(0, 3), 4);
  EXPECT_EQ(none.ids, std::vector<int64_t>(12, -1));
  EXPECT_EQ(none.scores, std::vector<float>(12, kNoScore));
}

TEST(HnswIndex, PadsWhenEmptyOrFewerThanK) {
  Rng rng(24);
  HnswIndex index(8);
  const Tensor queries = random_unit_vectors(3, 8, rng);
  const TopK empty = index.search(queries, 5);
  EXPECT_EQ(empty.ids, std::vector<int64_t>(15, -1));
  EXPECT_EQ(empty.scores, std::vector<float>(15, kNoScore));
  EXPECT_EQ(index.max_level(), -1);

  const Tensor base = random_unit_vectors(4, 8, rng);
  index.add(base);
  const TopK found = index.search(queries, 7);
  const TopK exact = exact_top_k(queries, base, 7);
  for (size_t i = 0; i < exact.ids.size(); ++i) {
    EXPECT_EQ(found.ids[i], exact.ids[i]);
    if (exact.ids[i] >= 0) {
      EXPECT_NEAR(found.scores[i], exact.scores[i], 1e-6f);
    }
  }
  EXPECT_EQ(found.ids[6], -1);
  EXPECT_EQ(found.scores[6], kNoScore);
  EXPECT_EQ(index.search(Tensor::empty({0, 8}), 3).ids.size(), 0u);
}

TEST(HnswIndex, BadArgumentsAreErrors) {
  HnswOptions bad_m;
  bad_m.m = 1;
  EXPECT_NE(error_message([&] { HnswIndex index(8, bad_m); }).find("m must be in [2"),
            std::string::npos);
  HnswOptions bad_ef;
  bad_ef.ef_construction = 0;
  EXPECT_NE(error_message([&] { HnswIndex index(8, bad_ef); }).find("ef_construction"),
            std::string::npos);
  EXPECT_NE(error_message([&] { HnswIndex index(0); }).find("dim in [1"), std::string::npos);

  HnswIndex index(4);
  EXPECT_NE(error_message([&] {
              index.add(Tensor::zeros({2, 3}));
            }).find("adds n x 4"),
            std::string::npos);
  Tensor nan = Tensor::zeros({2, 4});
  nan.row(1)[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(error_message([&] { index.add(nan); }).find("non-finite value"), std::string::npos);
  EXPECT_EQ(index.num_added(), 0);
  index.add(Tensor::from({1, 4}, {1, 0, 0, 0}));
  EXPECT_NE(error_message([&] {
              (void)index.search(Tensor::zeros({1, 5}), 1);
            }).find("searches"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              (void)index.search(Tensor::zeros({1, 4}), 0);
            }).find("k must be"),
            std::string::npos);
  SearchParams negative;
  negative.ef_search = -1;
  EXPECT_NE(error_message([&] {
              (void)index.search(Tensor::zeros({1, 4}), 1, negative);
            }).find("ef_search"),
            std::string::npos);
}

TEST(HnswIndex, MemoryAccounting) {
  const HnswIndex& index = recall_index();
  // Level-0 record: link count word, 2m links, the vector, the id; plus ~1/(m-1) upper lists.
  const double record = 4 + 8 * 16 + 4 * 32 + 8;
  EXPECT_GT(index.bytes_per_vector(), record);
  EXPECT_LT(index.bytes_per_vector(), record + 0.2 * (4 + 4 * 16));
  EXPECT_GE(static_cast<double>(index.memory_bytes()), 5000 * index.bytes_per_vector());
  EXPECT_GT(HnswIndex(32).bytes_per_vector(), record);
}

// The file bytes of a small index with a few removals (fixed by a one-thread build).
struct SavedIndex {
  std::vector<uint8_t> bytes;
  int64_t count = 0;
  int64_t dim = 0;
  int64_t m = 0;
};

constexpr size_t kPayloadStart = 8 + 4 + 8 + 4;  // magic, version, kind "hnsw"

template <typename T>
T get(const std::vector<uint8_t>& bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

template <typename T>
void put(std::vector<uint8_t>& bytes, size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

TEST(HnswIndex, SaveLoadRoundTripGivesIdenticalResults) {
  Rng rng(25);
  const Tensor base = random_unit_vectors(3000, 48, rng);
  const Tensor queries = random_unit_vectors(100, 48, rng);
  HnswOptions options;
  options.m = 12;
  options.ef_construction = 120;
  options.ef_search = 40;
  options.seed = 7;
  HnswIndex index(48, options);
  index.add(base.slice_rows(0, 2500));
  const std::vector<int64_t> removed = {0, 5, 77, 2499};
  index.remove(removed);
  TempDir dir;
  const std::string path = dir.file("graph.index");
  index.save(path);

  const std::unique_ptr<Index> loaded = load_index(path, "hnsw");
  auto* hnsw = dynamic_cast<HnswIndex*>(loaded.get());
  ASSERT_NE(hnsw, nullptr);
  EXPECT_EQ(hnsw->dim(), 48);
  EXPECT_EQ(hnsw->options().m, 12);
  EXPECT_EQ(hnsw->options().ef_construction, 120);
  EXPECT_EQ(hnsw->options().ef_search, 40);
  EXPECT_EQ(hnsw->options().seed, 7u);
  EXPECT_EQ(hnsw->num_added(), 2500);
  EXPECT_EQ(hnsw->num_removed(), 4);
  EXPECT_EQ(hnsw->max_level(), index.max_level());
  EXPECT_EQ(hnsw->bytes_per_vector(), index.bytes_per_vector());
  for (const int64_t ef : {0, 10, 100}) {
    SearchParams params;
    params.ef_search = ef;
    expect_same(hnsw->search(queries, 10, params), index.search(queries, 10, params));
  }
  // The loaded graph keeps growing like the original (levels from the same seed).
  {
    ScopedNumThreads threads(1);
    index.add(base.slice_rows(2500, 3000));
    hnsw->add(base.slice_rows(2500, 3000));
  }
  expect_same(hnsw->search(queries, 10), index.search(queries, 10));
  std::vector<uint8_t> flags(3000, 0);
  for (const int64_t id : removed) flags[static_cast<size_t>(id)] = 1;
  SearchParams ef100;
  ef100.ef_search = 100;
  EXPECT_GE(
      recall_at_k(hnsw->search(queries, 10, ef100), exact_top_k(queries, base, 10, flags.data())),
      0.95);

  // An empty index round-trips too.
  HnswIndex empty(3);
  empty.save(dir.file("empty.index"));
  const std::unique_ptr<Index> empty_loaded = load_index(dir.file("empty.index"));
  EXPECT_EQ(empty_loaded->num_added(), 0);
  EXPECT_EQ(empty_loaded->search(Tensor::zeros({1, 3}), 2).ids, std::vector<int64_t>(2, -1));
  empty_loaded->add(Tensor::from({1, 3}, {0, 1, 0}));
  EXPECT_EQ(empty_loaded->search(Tensor::from({1, 3}, {0, 1, 0}), 1).ids[0], 0);
}

class HnswFileTest : public ::testing::Test {
 protected:
  static constexpr int64_t kCount = 300;
  static constexpr int64_t kDim = 8;
  static constexpr int64_t kM = 4;

  void SetUp() override {
    Rng rng(26);
    HnswOptions options;
    options.m = kM;
    options.ef_construction = 40;
    ScopedNumThreads threads(1);
    HnswIndex index(kDim, options);
    index.add(random_unit_vectors(kCount, kDim, rng));
    const std::vector<int64_t> removed = {4, 9};
    index.remove(removed);
    index.save(path_);
    good_ = testing::read_bytes(path_);
    ASSERT_NO_THROW((void)load_index(path_));
    // Field offsets (hnsw_index.h): 8 scalars of 8 bytes, then the three arrays.
    levels_ = kPayloadStart + 8 * 8 + 8;
    records_ = levels_ + 4 * kCount + 8;
    upper_ = records_ + kCount * kRecordBytes + 8;
    ASSERT_EQ(get<uint64_t>(good_, levels_ - 8), static_cast<uint64_t>(kCount));
    ASSERT_EQ(get<uint64_t>(good_, records_ - 8), static_cast<uint64_t>(kCount * kRecordBytes));
  }

  // Loads `bytes` (with a fixed checksum) and returns the error message ("" when it loads).
  std::string load_error(const std::vector<uint8_t>& bytes) {
    testing::write_with_checksum(path_, bytes);
    try {
      const std::unique_ptr<Index> loaded = load_index(path_);
      // Whatever loads must be safe to use.
      Rng rng(27);
      (void)loaded->search(random_unit_vectors(5, kDim, rng), 5);
      return "";
    } catch (const Error& e) {
      return e.what();
    }
  }

  size_t record(int64_t id) const { return records_ + static_cast<size_t>(id) * kRecordBytes; }
  int32_t level(int64_t id) const { return get<int32_t>(good_, levels_ + 4 * id); }

  static constexpr size_t kRecordBytes = 4 + 8 * kM + 4 * kDim + 8;
  TempDir dir_;
  std::string path_ = dir_.file("small.index");
  std::vector<uint8_t> good_;
  size_t levels_ = 0, records_ = 0, upper_ = 0;
};

TEST_F(HnswFileTest, TruncatedFilesAreErrorsNamingThePath) {
  for (size_t size = 0; size < good_.size(); size += 97) {
    testing::write_bytes(path_, std::vector<uint8_t>(good_.begin(), good_.begin() + size));
    const std::string message = error_message([&] { (void)load_index(path_); });
    EXPECT_NE(message.find(path_), std::string::npos) << message;
  }
  // Cut inside the payload but with a valid checksum: a field runs past the end.
  std::vector<uint8_t> cut(good_.begin(), good_.begin() + static_cast<std::ptrdiff_t>(upper_));
  cut.resize(cut.size() + 8);
  EXPECT_NE(load_error(cut).find("truncated"), std::string::npos);
}

TEST_F(HnswFileTest, ForgedFieldsAreRefusedBehindAValidChecksum) {
  const auto refused = [&](std::vector<uint8_t> bytes, const std::string& expected) {
    const std::string message = load_error(bytes);
    EXPECT_NE(message.find(expected), std::string::npos) << "got: '" << message << "'";
  };
  // A level-0 neighbour beyond the elements, or the element itself.
  std::vector<uint8_t> bytes = good_;
  ASSERT_GT(get<uint16_t>(good_, record(10)), 0);
  put<uint32_t>(bytes, record(10) + 4, static_cast<uint32_t>(kCount));
  refused(bytes, "element 10: invalid level-0 neighbour 300");
  bytes = good_;
  put<uint32_t>(bytes, record(10) + 4, 10u);
  refused(bytes, "invalid level-0 neighbour 10");
  // More links than 2m, unknown flags.
  bytes = good_;
  put<uint16_t>(bytes, record(3), static_cast<uint16_t>(2 * kM + 1));
  refused(bytes, "element 3: invalid level-0 header (9 links");
  bytes = good_;
  bytes[record(3) + 2] = 0x10;
  refused(bytes, "invalid level-0 header");
  // A record holding another id, a non-finite vector.
  bytes = good_;
  put<uint64_t>(bytes, record(6) + kRecordBytes - 8, 7u);
  refused(bytes, "element 6: record holds id 7");
  bytes = good_;
  put<float>(bytes, record(6) + 4 + 8 * kM, std::numeric_limits<float>::infinity());
  refused(bytes, "element 6: non-finite vector");
  // The entry point outside the elements, or not on the top level.
  const size_t entry = kPayloadStart + 6 * 8;
  const auto entry_id = get<int64_t>(good_, entry);
  bytes = good_;
  put<int64_t>(bytes, entry, kCount);
  refused(bytes, "invalid entry point 300");
  int64_t low = 0;
  while (level(low) == level(entry_id)) ++low;
  bytes = good_;
  put<int64_t>(bytes, entry, low);
  refused(bytes, "invalid entry point");
  bytes = good_;
  put<int64_t>(bytes, entry + 8, get<int64_t>(good_, entry + 8) + 1);
  refused(bytes, "invalid entry point");
  // Levels out of range, or not matching the upper-level links.
  bytes = good_;
  put<int32_t>(bytes, levels_, 1000);
  refused(bytes, "invalid element level 1000");
  bytes = good_;
  put<int32_t>(bytes, levels_ + 4 * low, level(low) + 1);
  refused(bytes, "upper-level links");
  // Options no index could have.
  bytes = good_;
  put<int64_t>(bytes, kPayloadStart + 8, 1);
  refused(bytes, "m must be in [2");
  bytes = good_;
  put<int64_t>(bytes, kPayloadStart, 0);
  refused(bytes, "dim in [1");
  bytes = good_;
  put<int64_t>(bytes, kPayloadStart + 5 * 8, kCount + 1);
  refused(bytes, "300 levels for 301 elements");

  // An upper-level link to an element not on that level (the read that would run past its lists),
  // a count above m, a neighbour beyond the elements.
  int64_t upper_element = -1;
  size_t offset = upper_;
  for (int64_t id = 0; id < kCount; ++id) {
    if (level(id) > 0 && get<uint32_t>(good_, offset) > 0) {
      upper_element = id;
      break;
    }
    offset += static_cast<size_t>(level(id)) * (1 + kM) * 4;
  }
  ASSERT_GE(upper_element, 0);
  int64_t flat = 0;
  while (level(flat) > 0 || flat == upper_element) ++flat;
  bytes = good_;
  put<uint32_t>(bytes, offset + 4, static_cast<uint32_t>(flat));
  refused(bytes, fmt::format("element {} level 1: invalid neighbour {}", upper_element, flat));
  bytes = good_;
  put<uint32_t>(bytes, offset, static_cast<uint32_t>(kM + 1));
  refused(bytes, fmt::format("element {} level 1: 5 links", upper_element));
  bytes = good_;
  put<uint32_t>(bytes, offset + 4, 1u << 31);
  refused(bytes, "invalid neighbour 2147483648");
}

// Random single-byte damage behind a valid checksum: every file either loads into an index that
// searches safely, or is refused with an Error (under the sanitizers, no invalid read either).
TEST_F(HnswFileTest, RandomDamageNeverCrashes) {
  std::mt19937 gen(28);
  const size_t payload_end = good_.size() - 8;
  std::uniform_int_distribution<size_t> position(kPayloadStart, payload_end - 1);
  int refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<uint8_t> bytes = good_;
    // Half the trials hit the header and links, where damage matters most.
    size_t at = position(gen);
    if (trial % 2 == 0) at = kPayloadStart + at % (records_ + 4 * 2 * kM - kPayloadStart);
    bytes[at] = static_cast<uint8_t>(bytes[at] ^ (1u << (gen() % 8)));
    if (!load_error(bytes).empty()) ++refused;
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace tessera
