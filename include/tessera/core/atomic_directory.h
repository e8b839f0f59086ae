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
// DirectoryCommit::kMerge is for outputs that share a directory with files that are not theirs
// (a report written into a folder of results): at commit each file moves into the target
// (created if missing), replacing the one of its name and leaving every other in place. Into an
// existing target, the temporary directory and the lock are made inside it
// ("<path>/.tessera.tmp-<pid>", "<path>/.tessera.lock"), so that the moves stay on its file
// system (a mount point, a symlink to another disk) and its parent need not be writable.
//
// An interrupt never cuts a commit in two: it waits for the renames (interrupt_cleanup.h).
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

enum class DirectoryCommit {
  kSwap,   // the new directory replaces the old one whole
  kMerge,  // each new file replaces the one of its name; the target's other files stay
};

class AtomicDirectory {
 public:
  explicit AtomicDirectory(std::string path, DirectoryCommit how = DirectoryCommit::kSwap);
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;

  // Where to write the files (the temporary directory until commit()).
  const std::string& temp_path() const { return temp_path_; }
  const std::string& path() const { return path_; }
  // Puts the temporary directory's files in place, as DirectoryCommit says. Nothing may be
  // written after.
  void commit();

 private:
  // Into an existing target, under commit()'s hold; each returns what is left to remove.
  std::string swap_in();
  std::string merge_in();

  std::string path_;
  DirectoryCommit how_;
  std::string staging_;  // the temporary's and the lock's path without their suffixes
  CreatedDirectories parents_;
  FileLock lock_;
  std::string temp_path_;
  RemovedOnInterrupt temporary_;  // the new contents, then (after the swap) the old
  bool committed_ = false;
};

}  // namespace tessera
