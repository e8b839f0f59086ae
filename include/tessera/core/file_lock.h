// An exclusive lock on a lock file (flock), taken without waiting: a second writer of the same
// output fails at once with a clear error instead of interleaving its files with the first's.
// The kernel drops the lock when the process dies, however it dies; the file itself is removed
// on destruction and on an interrupt (interrupt_cleanup.h), and stays only after kill -9.
#pragma once

#include <string>

#include "tessera/core/interrupt_cleanup.h"

namespace tessera {

class FileLock {
 public:
  // Creates path if missing and locks it; an Error naming `what` when another process (or
  // another FileLock) holds it.
  FileLock(std::string path, const std::string& what);
  ~FileLock();  // unlocks and removes the lock file
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  RemovedOnInterrupt lock_file_;
};

}  // namespace tessera
