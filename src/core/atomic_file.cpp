#include "tessera/core/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tessera/core/check.h"

namespace tessera {

namespace {
constexpr size_t kBufferBytes = size_t{1} << 20;
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  if (path_ == kStandardOutput) {  // written as it comes: a pipe cannot be replaced whole
    file_ = stdout;
    temp_path_ = "standard output";
    return;
  }
  temp_path_ = fmt::format("{}.tmp-{}", path_, ::getpid());
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (file_ == nullptr) {
    TESSERA_FAIL("{}: cannot create {}: {}", path_, temp_path_, std::strerror(errno));
  }
  std::setvbuf(file_, nullptr, _IOFBF, kBufferBytes);
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
  TESSERA_CHECK(offset + size <= size_, "{}: overwrite of [{}, {}) beyond the {} bytes written",
                path_, offset, offset + size, size_);
  TESSERA_CHECK(!is_standard_output(),
                "standard output cannot take back bytes written (this format needs a file)");
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
  committed_ = true;
}

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  const std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
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
