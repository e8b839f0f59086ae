#include "tessera/core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tessera/core/check.h"

namespace tessera {

FileLock::FileLock(std::string path, const std::string& what) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) TESSERA_FAIL("{}: cannot create the lock file: {}", path_, std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      TESSERA_FAIL(
          "another tessera is writing {} (it holds {}); wait for it or choose another "
          "output",
          what, path_);
    }
    TESSERA_FAIL("{}: cannot lock: {}", path_, std::strerror(error));
  }
  lock_file_.watch(path_);
}

FileLock::~FileLock() {
  if (fd_ < 0) return;
  // Removed while still held, so no other writer can lock it in between: one that opened it
  // before the removal may still lock the old file, which is harmless because every output
  // guarded here is also replaced atomically.
  ::unlink(path_.c_str());
  lock_file_.release();
  ::close(fd_);
}

}  // namespace tessera
