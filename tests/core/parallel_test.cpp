// The thread pool and parallel_for: exact coverage of [0, n), exceptions, nesting, resizing, and
// bit-for-bit determinism of a training run for a fixed thread count.
#include "tessera/core/parallel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "tessera/core/autograd.h"
#include "tessera/core/check.h"
#include "tessera/core/optimizer.h"
#include "tessera/train/matryoshka_infonce.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::Rng;
using testing::ScopedNumThreads;

TEST(ParallelFor, CoversTheRangeExactlyOnce) {
  for (int threads : {1, 2, 3, 4}) {
    ScopedNumThreads scoped(threads);
    EXPECT_EQ(num_threads(), threads);
    for (int64_t n : {0, 1, 2, 3, 5, 7, 16, 100, 1001}) {
      for (int64_t min_chunk : {1, 3, 64}) {
        SCOPED_TRACE(::testing::Message()
                     << "threads=" << threads << " n=" << n << " min_chunk=" << min_chunk);
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::atomic<int> bad_chunks{0};
        std::atomic<int> calls{0};
        parallel_for(
            n,
            [&](int64_t begin, int64_t end, int thread) {
              ++calls;
              if (begin < 0 || end > n || begin > end || thread < 0 || thread >= threads) {
                ++bad_chunks;
                return;
              }
              EXPECT_TRUE(in_parallel_region() || calls == 1);
              for (int64_t i = begin; i < end; ++i) ++hits[static_cast<size_t>(i)];
            },
            min_chunk);
        EXPECT_EQ(bad_chunks, 0);
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(hits[static_cast<size_t>(i)], 1) << "index " << i;
        }
        // No more chunks than threads, none smaller than min_chunk unless n itself is.
        EXPECT_LE(calls, threads);
        if (n > 0) {
          EXPECT_LE(calls, std::max<int64_t>(1, n / min_chunk));
        }
      }
    }
  }
}

TEST(ParallelForDynamic, CoversTheRangeExactlyOnceInBlocksOfGrain) {
  for (int threads : {1, 2, 3}) {
    ScopedNumThreads scoped(threads);
    for (int64_t n : {0, 1, 5, 64, 1000, 1001}) {
      for (int64_t grain : {1, 7, 256}) {
        SCOPED_TRACE(::testing::Message()
                     << "threads=" << threads << " n=" << n << " grain=" << grain);
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::atomic<int> bad_blocks{0};
        parallel_for_dynamic(
            n,
            [&](int64_t begin, int64_t end, int thread) {
              // Blocks hold `grain` items, the last one possibly fewer.
              if (begin < 0 || end > n || begin >= end || (end - begin > grain && n > grain) ||
                  thread < 0 || thread >= threads) {
                ++bad_blocks;
                return;
              }
              for (int64_t i = begin; i < end; ++i) ++hits[static_cast<size_t>(i)];
            },
            grain);
        EXPECT_EQ(bad_blocks, 0);
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)], 1) << i;
      }
    }
  }
}

TEST(ParallelForDynamic, RethrowsAndRunsNestedCallsSerially) {
  ScopedNumThreads scoped(2);
  EXPECT_THROW(parallel_for_dynamic(
                   100,
                   [](int64_t begin, int64_t, int) {
                     if (begin >= 50) throw std::runtime_error("block failed");
                   },
                   10),
               std::runtime_error);
  std::atomic<int64_t> total{0};
  parallel_for(
      4,
      [&](int64_t chunk_begin, int64_t chunk_end, int) {
        for (int64_t item = chunk_begin; item < chunk_end; ++item) {
          parallel_for_dynamic(
              10, [&](int64_t begin, int64_t end, int) { total += end - begin; }, 3);
        }
      },
      1);
  EXPECT_EQ(total, 40);
}

TEST(ParallelFor, ChunksAreAFixedFunctionOfNAndThreads) {
  ScopedNumThreads scoped(3);
  auto chunks = [] {
    std::mutex mutex;
    std::vector<std::pair<int64_t, int64_t>> out(3, {-1, -1});
    parallel_for(100, [&](int64_t begin, int64_t end, int thread) {
      std::lock_guard<std::mutex> lock(mutex);
      out[static_cast<size_t>(thread)] = {begin, end};
    });
    return out;
  };
  const auto first = chunks();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(chunks(), first);
}

TEST(ParallelFor, WorkerExceptionIsRethrownInTheCaller) {
  ScopedNumThreads scoped(4);
  for (int failing_chunk : {0, 1, 3}) {
    try {
      parallel_for(400, [&](int64_t begin, int64_t, int thread) {
        if (thread == failing_chunk) {
          TESSERA_CHECK(false, "chunk starting at {} failed", begin);
        }
      });
      FAIL() << "exception in chunk " << failing_chunk << " was swallowed";
    } catch (const Error& e) {
      EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("failed"));
    }
  }
  // Other exception types pass through unchanged.
  EXPECT_THROW(parallel_for(400,
                            [](int64_t, int64_t, int thread) {
                              if (thread == 2) throw std::out_of_range("x");
                            }),
               std::out_of_range);
  // The pool still works afterwards.
  std::atomic<int64_t> total{0};
  parallel_for(400, [&](int64_t begin, int64_t end, int) { total += end - begin; });
  EXPECT_EQ(total, 400);
}

TEST(ParallelFor, EveryChunkFinishesBeforeTheRethrow) {
  // The caller may free what chunks use as soon as parallel_for returns, even by an exception.
  ScopedNumThreads scoped(4);
  std::atomic<int> finished{0};
  EXPECT_THROW(parallel_for(4,
                            [&](int64_t, int64_t, int thread) {
                              if (thread == 0) throw std::runtime_error("first chunk");
                              std::this_thread::sleep_for(std::chrono::milliseconds(20));
                              ++finished;
                            }),
               std::runtime_error);
  EXPECT_EQ(finished, 3);
}

TEST(ParallelFor, NestedCallsRunSeriallyInsideAChunk) {
  ScopedNumThreads scoped(3);
  EXPECT_FALSE(in_parallel_region());
  std::vector<std::atomic<int>> hits(size_t{30} * 50);
  std::atomic<int> inner_calls{0};
  parallel_for(30, [&](int64_t begin, int64_t end, int) {
    EXPECT_TRUE(in_parallel_region());
    for (int64_t i = begin; i < end; ++i) {
      parallel_for(50, [&](int64_t b, int64_t e, int thread) {
        ++inner_calls;
        EXPECT_EQ(thread, 0);  // serial: one chunk covering everything
        for (int64_t j = b; j < e; ++j) ++hits[static_cast<size_t>(i * 50 + j)];
      });
    }
  });
  EXPECT_FALSE(in_parallel_region());
  EXPECT_EQ(inner_calls, 30);
  for (const auto& h : hits) ASSERT_EQ(h, 1);
}

TEST(ParallelFor, SetNumThreadsValidates) {
  EXPECT_THROW(set_num_threads(0), Error);
  EXPECT_THROW(set_num_threads(-2), Error);
  ScopedNumThreads scoped(2);
  EXPECT_THROW(parallel_for(4, [](int64_t, int64_t, int) { set_num_threads(3); }), Error);
  EXPECT_EQ(num_threads(), 2);
}

TEST(ParallelFor, RunsRightAfterResize) {
  // A job posted right after the pool (re)starts must still reach every worker: a worker that
  // starts after the job was posted and reads the job counter only then would wait for the next
  // job forever, and parallel_for would never return. Run in a child process with a watchdog,
  // so a deadlock fails this test instead of hanging the run.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        testing::Watchdog watchdog(std::chrono::seconds(10), "parallel_for after set_num_threads");
        for (int i = 0; i < 300; ++i) {
          set_num_threads(2 + i % 3);  // no pause: the job races the workers' start
          std::atomic<int64_t> total{0};
          parallel_for(64, [&](int64_t begin, int64_t end, int) { total += end - begin; });
          if (total != 64) std::_Exit(2);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// ---------------------------------------------------------------- determinism

// A few steps of a small two-tower model: embedding-bag (sparse Adam) -> matmul -> tanh ->
// Matryoshka InfoNCE. Sizes are past every parallel threshold (matmul 256 x 128 x 128, 256 bags,
// hundreds of touched rows), so the run exercises the threaded paths. Returns the final weights.
std::pair<Tensor, Tensor> train_small_model() {
  Rng rng(42);
  const int64_t vocab = 800, dim = 128, batch = 256;
  Parameter table =
      Parameter::sparse_rows("table", testing::random_tensor({vocab, dim}, rng, -0.1f, 0.1f));
  Parameter proj = Parameter::dense("proj", testing::random_tensor({dim, dim}, rng, -0.1f, 0.1f));
  Adam sparse_opt({&table});
  Adam dense_opt({&proj}, {.weight_decay = 0.01f, .decoupled = true});
  MatryoshkaInfoNceOptions loss_options;
  loss_options.prefixes = {32, 128};
  for (int step = 0; step < 4; ++step) {
    Bags queries, documents;
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<int32_t> q, d;
      for (int j = 0; j < 12; ++j) q.push_back(rng.index(static_cast<int32_t>(vocab)));
      for (int j = 0; j < 12; ++j) d.push_back(rng.index(static_cast<int32_t>(vocab)));
      queries.add(q);
      documents.add(d);
    }
    Graph g;
    const Var w = g.param(proj);
    const Var qv = tanh(matmul(embedding_bag(g, table, queries, Pooling::kMean), w));
    const Var dv = tanh(matmul(embedding_bag(g, table, documents, Pooling::kMean), w));
    g.backward(matryoshka_infonce(qv, dv, loss_options));
    sparse_opt.step(0.01f);
    dense_opt.step(0.01f);
    sparse_opt.zero_grad();
    dense_opt.zero_grad();
  }
  return {table.value, proj.value};
}

TEST(ParallelFor, TrainingIsBitForBitDeterministicForAFixedThreadCount) {
  for (int threads : {1, 3}) {
    ScopedNumThreads scoped(threads);
    const auto first = train_small_model();
    const auto second = train_small_model();
    EXPECT_TRUE(testing::tensor_identical(first.first, second.first)) << threads << " threads";
    EXPECT_TRUE(testing::tensor_identical(first.second, second.second)) << threads << " threads";
  }
}

}  // namespace
}  // namespace tessera
