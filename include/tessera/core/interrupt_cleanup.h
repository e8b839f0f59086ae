// Temporaries removed when the process is interrupted. SIGINT (Ctrl-C), SIGTERM (kill, a
// scheduler's stop) and SIGHUP (a closed terminal) end a run in the middle of a write, and the
// partial output that AtomicFile and AtomicDirectory keep beside their target
// ("<path>.tmp-<pid>", a checkpoint's tens of MB, an index's gigabytes) would stay until the next
// write of that target swept it. A program calls install_interrupt_cleanup() once: a handler of
// those signals then wakes one thread, which removes every path registered at that moment and
// ends the process by the same signal (exit status 128 + its number, as a shell expects). A
// signal the program inherited as ignored (nohup, a background job) stays ignored. Without the
// call (a library inside a program that handles signals itself) a registration is a lock and an
// insert, nothing more.
#pragma once

#include <mutex>
#include <string>

namespace tessera {

// Installs the handlers of SIGINT, SIGTERM and SIGHUP; idempotent.
void install_interrupt_cleanup();

// Registers path (a file or a directory) for removal on interrupt while the object lives.
class RemovedOnInterrupt {
 public:
  RemovedOnInterrupt() = default;
  explicit RemovedOnInterrupt(std::string path) { watch(std::move(path)); }
  ~RemovedOnInterrupt() { release(); }
  RemovedOnInterrupt(const RemovedOnInterrupt&) = delete;
  RemovedOnInterrupt& operator=(const RemovedOnInterrupt&) = delete;

  void watch(std::string path);  // registers path (after release() of any earlier one)
  void release();                // path is no longer temporary: it was renamed or removed

 private:
  bool registered_ = false;  // the path itself is in the registry
};

// Holds the cleanup off while it lives: a caller's renames that must not be cut in two (an old
// directory moved aside, the new one moved in) finish before an interrupt removes anything.
class InterruptCleanupHold {
 public:
  InterruptCleanupHold();

 private:
  std::unique_lock<std::recursive_mutex> lock_;
};

}  // namespace tessera
