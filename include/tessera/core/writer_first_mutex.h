// A reader-writer mutex that lets a waiting writer in before new readers. glibc's
// std::shared_mutex prefers readers, so a stream of overlapping searches can keep a collection's
// writer out indefinitely; here a writer waits only for the readers already in. Meets the
// SharedMutex requirements (std::shared_lock / std::unique_lock work with it).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tessera {

class WriterFirstMutex {
 public:
  void lock();
  void unlock();
  void lock_shared();
  void unlock_shared();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t readers_ = 0;          // inside
  int64_t writers_waiting_ = 0;  // queued for the lock
  bool writer_ = false;          // inside
};

}  // namespace tessera
