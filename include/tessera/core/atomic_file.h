// Atomic file output: a file appears at its path only once it is complete.
//
// Bytes go to a temporary file beside the target, "<path>.tmp-<pid>" (same directory, so the
// final rename stays on one file system and is atomic); commit() flushes, closes and renames it
// over path; temporaries that killed processes left beside path are removed first. An
// AtomicFile destroyed without commit() (an error, an exception unwinding) removes
// its temporary file, and so does an interrupt (interrupt_cleanup.h), so a failed or interrupted
// write never replaces a good file nor leaves a partial one (DESIGN.md, "Rules of the house"). The
// path "-" is standard output, written as it comes (no rename; no overwrite), every write and the
// final flush checked. Every failure is a tessera::Error naming the target path.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "tessera/core/interrupt_cleanup.h"

namespace tessera {

inline constexpr const char* kStandardOutput = "-";

class AtomicFile {
 public:
  // Creates the temporary file; throws when it cannot (a missing directory, no permission).
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends bytes at the end.
  void write(const void* data, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Overwrites bytes already written, [offset, offset + size) within size(), then goes on
  // appending at the end (for headers whose contents are known only at the end).
  void overwrite(uint64_t offset, const void* data, size_t size);
  // Flushes, closes and renames the temporary file over path. Nothing may be written after.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }
  uint64_t size() const { return size_; }  // bytes written so far
  bool committed() const { return committed_; }
  bool is_standard_output() const { return path_ == kStandardOutput; }

 private:
  void close_and_remove() noexcept;

  std::string path_;
  std::string temp_path_;
  RemovedOnInterrupt temporary_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  bool committed_ = false;
};

// Removes the temporaries "<path>.tmp-<pid>" that processes no longer alive (killed while
// writing) left beside path; an old directory "<path>.old-<pid>" that atomic_directory.h moved
// aside goes back into place when path is missing, else is removed. AtomicFile and
// AtomicDirectory call it before they write.
void remove_stale_temporaries(const std::string& path);

// Throws the Error that writing path would end in (its directory missing or not writable, path a
// directory) without writing anything: for verbs whose output comes after long work.
void check_writable(const std::string& path);

// Opens "<path>.tmp-<pid>" as a binary std::ostream, calls write(out), and renames the file over
// path when write returns and the stream is still good; on an exception or a stream error the
// temporary file is removed (and the exception rethrown, or an Error naming path thrown).
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

}  // namespace tessera
