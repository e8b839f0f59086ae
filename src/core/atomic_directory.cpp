#include "tessera/core/atomic_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/fault_injection.h"

namespace tessera {

namespace {

namespace fs = std::filesystem;

// The target's path without a trailing separator ("D/" and "D" are one target, "D.lock" beside).
std::string normalized(std::string path) {
  path = fs::path(std::move(path)).lexically_normal().string();
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  return path;
}

std::string parent_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Where the temporary directory and the lock go: beside the target, or inside an existing one
// that files are merged into.
std::string staging_for(const std::string& path, DirectoryCommit how) {
  std::error_code error;
  if (how == DirectoryCommit::kMerge && fs::is_directory(path, error)) return path + "/.tessera";
  return path;
}

}  // namespace

CreatedDirectories::CreatedDirectories(const std::string& path) {
  std::vector<fs::path> missing;
  std::error_code error;
  for (fs::path at = fs::path(path).lexically_normal(); !at.empty() && !fs::exists(at, error);
       at = at.parent_path()) {
    missing.push_back(at);
    if (at == at.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    const bool created = fs::create_directory(*it, error);
    if (error) TESSERA_FAIL("cannot create directory {}: {}", it->string(), error.message());
    if (created) created_.push_back(it->string());  // not one another process made meanwhile
  }
}

CreatedDirectories::~CreatedDirectories() {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    std::error_code ignored;
    if (!fs::is_empty(*it, ignored) || ignored) break;  // something else was put there: keep it
    fs::remove(*it, ignored);
  }
}

AtomicDirectory::AtomicDirectory(std::string path, DirectoryCommit how)
    : path_(normalized(std::move(path))),
      how_(how),
      staging_(staging_for(path_, how)),
      parents_(parent_of(staging_)),
      lock_(staging_ + ".lock", path_) {
  std::error_code error;
  TESSERA_CHECK(!fs::exists(path_, error) || fs::is_directory(path_, error),
                "{}: is a file, not a directory", path_);
  remove_stale_temporaries(staging_);
  temp_path_ = fmt::format("{}.tmp-{}", staging_, ::getpid());
  temporary_.watch(temp_path_);
  fs::remove_all(temp_path_, error);
  fs::create_directories(temp_path_, error);
  TESSERA_CHECK(!error, "{}: cannot create {}: {}", path_, temp_path_, error.message());
  fault_point("atomic-directory:created");
}

AtomicDirectory::~AtomicDirectory() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(temp_path_, ignored);
}

// The renames run under an InterruptCleanupHold: an interrupt that removed the temporary
// directory while it moved in would leave part of it at the target.
void AtomicDirectory::commit() {
  TESSERA_CHECK(!committed_, "{}: committed twice", path_);
  std::string leftover;  // removed once the renames are done
  {
    const InterruptCleanupHold hold;
    parents_.keep();
    std::error_code error;
    if (!fs::exists(path_, error)) {  // the directory moves in whole
      fs::rename(temp_path_, path_, error);
      TESSERA_CHECK(!error, "{}: cannot rename {} into place: {}", path_, temp_path_,
                    error.message());
      temporary_.release();
      committed_ = true;
      return;
    }
    leftover = how_ == DirectoryCommit::kMerge ? merge_in() : swap_in();
    committed_ = true;
  }
  if (how_ == DirectoryCommit::kSwap) fault_point("atomic-directory:swapped");
  std::error_code ignored;
  fs::remove_all(leftover, ignored);
}

std::string AtomicDirectory::swap_in() {
  if (::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, path_.c_str(), RENAME_EXCHANGE) == 0) {
    return temp_path_;  // now the old contents, still removed on interrupt
  }
  TESSERA_CHECK(errno == EINVAL || errno == ENOSYS, "{}: cannot swap in {}: {}", path_, temp_path_,
                std::strerror(errno));
  // No exchange on this file system: the old directory moves aside, then the new one in. A kill
  // between the two leaves the old one at "<path>.old-<pid>", which the next writer puts back
  // (remove_stale_temporaries).
  const std::string old = fmt::format("{}.old-{}", path_, ::getpid());
  std::error_code error;
  fs::rename(path_, old, error);
  TESSERA_CHECK(!error, "{}: cannot move it aside: {}", path_, error.message());
  fs::rename(temp_path_, path_, error);
  if (error) {
    std::error_code ignored;
    fs::rename(old, path_, ignored);  // the old one back, rather than none at all
    TESSERA_FAIL("{}: cannot rename {} into place: {}", path_, temp_path_, error.message());
  }
  temporary_.watch(old);
  return old;
}

std::string AtomicDirectory::merge_in() {
  std::error_code error;
  TESSERA_CHECK(fs::is_directory(path_, error), "{}: is a file, not a directory", path_);
  std::vector<fs::path> files;  // listed first: a directory is not renamed out of while read
  for (fs::directory_iterator it(temp_path_, error), end; !error && it != end;
       it.increment(error)) {
    files.push_back(it->path());
  }
  TESSERA_CHECK(!error, "{}: cannot list {}: {}", path_, temp_path_, error.message());
  for (const fs::path& file : files) {
    fs::rename(file, fs::path(path_) / file.filename(), error);
    TESSERA_CHECK(!error, "{}: cannot move {} into place: {}", path_, file.string(),
                  error.message());
  }
  return temp_path_;  // empty now
}

}  // namespace tessera
