#include "tessera/core/atomic_directory.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

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

// Removes "<name>.tmp-<pid>" beside target whose process is gone, and "<name>.old-<pid>" (an
// old directory moved aside by the two-rename fallback) unless the target is missing: then the
// old directory is complete and goes back into place.
void remove_stale_temporaries(const fs::path& target) {
  const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string name = target.filename().string();
  std::error_code error;
  for (fs::directory_iterator it(parent, error), end; !error && it != end; it.increment(error)) {
    const std::string entry = it->path().filename().string();
    for (const char* kind : {".tmp-", ".old-"}) {
      const std::string prefix = name + kind;
      if (!entry.starts_with(prefix) || entry.size() == prefix.size()) continue;
      const std::string digits = entry.substr(prefix.size());
      if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) {
        continue;
      }
      const auto pid = static_cast<pid_t>(std::stol(digits));
      if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // still alive
      std::error_code ignored;
      if (kind == std::string_view(".old-") && !fs::exists(target, ignored)) {
        fs::rename(it->path(), target, ignored);
      } else {
        fs::remove_all(it->path(), ignored);
      }
    }
  }
}

}  // namespace

AtomicDirectory::AtomicDirectory(std::string path)
    : path_(normalized(std::move(path))), lock_(path_ + ".lock", path_) {
  remove_stale_temporaries(path_);
  temp_path_ = fmt::format("{}.tmp-{}", path_, ::getpid());
  std::error_code error;
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

void AtomicDirectory::commit() {
  TESSERA_CHECK(!committed_, "{}: committed twice", path_);
  std::error_code error;
  if (!fs::exists(path_, error)) {
    fs::rename(temp_path_, path_, error);
    TESSERA_CHECK(!error, "{}: cannot rename {} into place: {}", path_, temp_path_,
                  error.message());
    committed_ = true;
    return;
  }
  if (::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, path_.c_str(), RENAME_EXCHANGE) != 0) {
    TESSERA_CHECK(errno == EINVAL || errno == ENOSYS, "{}: cannot swap in {}: {}", path_,
                  temp_path_, std::strerror(errno));
    // No exchange on this file system: the old directory moves aside, then the new one in. A
    // kill between the two leaves the old one at "<path>.old-<pid>" (restored by hand).
    const std::string old = fmt::format("{}.old-{}", path_, ::getpid());
    fs::rename(path_, old, error);
    TESSERA_CHECK(!error, "{}: cannot move it aside: {}", path_, error.message());
    fs::rename(temp_path_, path_, error);
    TESSERA_CHECK(!error, "{}: cannot rename {} into place: {}", path_, temp_path_,
                  error.message());
    fs::remove_all(old, error);
    committed_ = true;
    return;
  }
  committed_ = true;
  fault_point("atomic-directory:swapped");
  fs::remove_all(temp_path_, error);  // now the old contents
}

}  // namespace tessera
