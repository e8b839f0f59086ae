// Atomic directory output: a directory of files (a text index, a report) that appears at its
// path only once complete, and replaces an older one in one step.
//
// Files are written into "<path>.tmp-<pid>" beside the target; commit() swaps it with the
// target in one rename (renameat2 RENAME_EXCHANGE; where a file system cannot, two renames with
// the old directory moved aside first) and removes the old contents. A reader that opens the
// target therefore sees the whole old directory or the whole new one, whenever the writer is
// killed. An AtomicDirectory destroyed without commit(), or interrupted (interrupt_cleanup.h),
// removes its temporary directory.
// Temporary directories that killed processes left beside the target are removed on the next
// start. A lock file "<path>.lock" is held from construction to destruction, so a second writer
// of the same target fails at once (file_lock.h). Missing parent directories are created, and
// removed again (when still empty) if the write is never committed.
//
// commit_files() is the other way to finish, for outputs that share a directory with files that
// are not theirs (a report written into a folder of results): each file moves into the target
// (created if missing), replacing the one of its name and leaving every other in place.
#pragma once

#include <string>
#include <vector>

#include "tessera/core/file_lock.h"
#include "tessera/core/interrupt_cleanup.h"

namespace tessera {

// Creates the missing directories of path (as mkdir -p) and, unless keep() is called, removes
// on destruction the ones it created that are still empty: a failed run leaves no empty
// directories behind.
class CreatedDirectories {
 public:
  explicit CreatedDirectories(const std::string& path);
  ~CreatedDirectories();
  CreatedDirectories(const CreatedDirectories&) = delete;
  CreatedDirectories& operator=(const CreatedDirectories&) = delete;

  void keep() { created_.clear(); }

 private:
  std::vector<std::string> created_;  // outermost first
};

class AtomicDirectory {
 public:
  explicit AtomicDirectory(std::string path);
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;

  // Where to write the files (the temporary directory until commit()).
  const std::string& temp_path() const { return temp_path_; }
  const std::string& path() const { return path_; }
  // Replaces the target with the temporary directory. Nothing may be written after.
  void commit();
  // Moves each file of the temporary directory into the target, replacing the ones of the same
  // names. Nothing may be written after.
  void commit_files();

 private:
  std::string path_;
  CreatedDirectories parents_;
  FileLock lock_;
  std::string temp_path_;
  RemovedOnInterrupt temporary_;  // the new contents, then (after the swap) the old
  bool committed_ = false;
};

}  // namespace tessera
