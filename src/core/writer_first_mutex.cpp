#include "tessera/core/writer_first_mutex.h"

namespace tessera {

void WriterFirstMutex::lock() {
  std::unique_lock<std::mutex> guard(mutex_);
  ++writers_waiting_;
  changed_.wait(guard, [this] { return !writer_ && readers_ == 0; });
  --writers_waiting_;
  writer_ = true;
}

void WriterFirstMutex::unlock() {
  {
    const std::lock_guard<std::mutex> guard(mutex_);
    writer_ = false;
  }
  changed_.notify_all();
}

void WriterFirstMutex::lock_shared() {
  std::unique_lock<std::mutex> guard(mutex_);
  changed_.wait(guard, [this] { return !writer_ && writers_waiting_ == 0; });
  ++readers_;
}

void WriterFirstMutex::unlock_shared() {
  bool last = false;
  {
    const std::lock_guard<std::mutex> guard(mutex_);
    last = --readers_ == 0;
  }
  if (last) changed_.notify_all();
}

}  // namespace tessera
