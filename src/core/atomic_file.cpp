#include "tessera/core/atomic_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "tessera/core/check.h"
#include "tessera/core/fault_injection.h"

namespace tessera {

namespace {
namespace fs = std::filesystem;
constexpr size_t kBufferBytes = size_t{1} << 20;
}  // namespace

void remove_stale_temporaries(const std::string& target_path) {
  const fs::path target(target_path);
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

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  if (path_ == kStandardOutput) {  // written as it comes: a pipe cannot be replaced whole
    file_ = stdout;
    temp_path_ = "standard output";
    return;
  }
  remove_stale_temporaries(path_);
  temp_path_ = fmt::format("{}.tmp-{}", path_, ::getpid());
  temporary_.watch(temp_path_);
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (file_ == nullptr) {
    TESSERA_FAIL("{}: cannot create {}: {}", path_, temp_path_, std::strerror(errno));
  }
  std::setvbuf(file_, nullptr, _IOFBF, kBufferBytes);
}

void check_writable(const std::string& path) {
  if (path == kStandardOutput) return;
  std::error_code error;
  TESSERA_CHECK(!std::filesystem::is_directory(path, error), "{}: is a directory, not a file",
                path);
  const AtomicFile probe(path);  // created and removed: the temporary is what a write would make
}

AtomicFile::~AtomicFile() {
  if (!committed_) close_and_remove();
}

void AtomicFile::close_and_remove() noexcept {
  if (is_standard_output()) {
    if (file_ != nullptr) std::fflush(file_);
    file_ = nullptr;
    return;
  }
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  std::error_code ignored;
  std::filesystem::remove(temp_path_, ignored);
  temporary_.release();
}

void AtomicFile::write(const void* data, size_t size) {
  TESSERA_CHECK(file_ != nullptr, "{}: write after commit", path_);
  if (size == 0) return;
  if (std::fwrite(data, 1, size, file_) != size) {
    TESSERA_FAIL("{}: writing {} failed: {}", path_, temp_path_, std::strerror(errno));
  }
  size_ += size;
}

void AtomicFile::overwrite(uint64_t offset, const void* data, size_t size) {
  TESSERA_CHECK(file_ != nullptr, "{}: write after commit", path_);
  TESSERA_CHECK(!is_standard_output(),
                "standard output cannot take back bytes written (this format needs a file)");
  TESSERA_CHECK(offset + size <= size_, "{}: overwrite of [{}, {}) beyond the {} bytes written",
                path_, offset, offset + size, size_);
  if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0 ||
      std::fwrite(data, 1, size, file_) != size || std::fseek(file_, 0, SEEK_END) != 0) {
    TESSERA_FAIL("{}: rewriting {} failed: {}", path_, temp_path_, std::strerror(errno));
  }
}

void AtomicFile::commit() {
  TESSERA_CHECK(file_ != nullptr, "{}: committed twice", path_);
  if (is_standard_output()) {
    const bool flushed = std::fflush(file_) == 0 && std::ferror(file_) == 0;
    const int flush_errno = errno;
    file_ = nullptr;
    if (!flushed) TESSERA_FAIL("writing standard output failed: {}", std::strerror(flush_errno));
    committed_ = true;
    return;
  }
  fault_point("atomic-file:commit");
  const bool flushed = std::fflush(file_) == 0;
  const int flush_errno = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    TESSERA_FAIL("{}: writing {} failed: {}", path_, temp_path_,
                 std::strerror(flushed ? errno : flush_errno));
  }
  std::error_code error;
  std::filesystem::rename(temp_path_, path_, error);
  if (error) TESSERA_FAIL("{}: cannot rename {} over it: {}", path_, temp_path_, error.message());
  temporary_.release();
  committed_ = true;
}

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  remove_stale_temporaries(path);
  const std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
  RemovedOnInterrupt temporary(temp);
  // Removes the temporary file unless the rename succeeded.
  struct Guard {
    const std::string& temp;
    bool keep = false;
    ~Guard() {
      if (keep) return;
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
    }
  } guard{temp};
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) TESSERA_FAIL("{}: cannot create {}: {}", path, temp, std::strerror(errno));
    write(out);
    out.close();
    if (!out) TESSERA_FAIL("{}: writing {} failed", path, temp);
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) TESSERA_FAIL("{}: cannot rename {} over it: {}", path, temp, error.message());
  guard.keep = true;
}

}  // namespace tessera
