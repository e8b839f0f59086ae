// Threads: one process-wide pool and a statically partitioned parallel-for.
//
// parallel_for splits [0, n) into contiguous chunks, one per thread, in a fixed way that depends
// only on n and the thread count, so results are deterministic for a fixed thread count. An
// exception thrown by any chunk is captured and the first one rethrown in the caller after all
// chunks finish (as fastText's startThreads and FAISS's omp_capture_exception do). A
// parallel_for called from inside a chunk runs serially in that thread.
//
// OpenBLAS is kept at one thread: tessera splits GEMMs across its own pool, so BLAS's spinning
// workers never compete with ours for the cores.
#pragma once

#include <cstdint>
#include <functional>

namespace tessera {

// The number of threads parallel_for uses (the caller counts as one). Defaults to the hardware
// concurrency, or TESSERA_NUM_THREADS from the environment.
int num_threads();
// Resizes the pool; n < 1 is an error. Not to be called while a parallel_for runs.
void set_num_threads(int n);

// Calls fn(begin, end, thread_index) over disjoint chunks covering [0, n). Chunks hold at least
// min_chunk items (fewer threads are used when n is small).
void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn,
                  int64_t min_chunk = 1);

// Like parallel_for, but threads claim blocks of `grain` items as they go, so a thread slowed
// down (by other work on its core, or by slow memory) does not hold the others up. For loops
// whose items are independent: which thread runs an item varies from run to run, so reductions
// across items belong in parallel_for instead.
void parallel_for_dynamic(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn,
                          int64_t grain);

// True inside a parallel_for chunk (nested calls run serially).
bool in_parallel_region();

}  // namespace tessera
