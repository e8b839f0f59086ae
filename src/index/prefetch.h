// Starting the loads of a stored vector before it is scored: the rescoring kernels' rows come
// from anywhere in an index, mostly from L3 or memory.
#pragma once

#include <cstdint>

namespace tessera::index_detail {

// Starts loading the cache lines of `bytes` bytes at p (one stored vector).
inline void prefetch_bytes(const void* p, int64_t bytes) {
  for (int64_t offset = 0; offset < bytes; offset += 64) {
    __builtin_prefetch(static_cast<const char*>(p) + offset);
  }
}

}  // namespace tessera::index_detail
