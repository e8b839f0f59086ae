// Helpers for the reader tests: a temporary directory, files written plain or gzipped, and the
// path of the shared real data.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

namespace tessera::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("tessera-data-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Writes bytes as they are; returns the path.
  std::string write(const std::string& name, std::string_view bytes) const {
    const std::string path = file(name);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Writes bytes gzip-compressed with zlib's gzopen; returns the path.
  std::string write_gz(const std::string& name, std::string_view bytes) const {
    const std::string path = file(name);
    gzFile out = gzopen(path.c_str(), "wb");
    EXPECT_NE(out, nullptr);
    if (!bytes.empty()) {
      EXPECT_EQ(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())),
                static_cast<int>(bytes.size()));
    }
    EXPECT_EQ(gzclose(out), Z_OK);
    return path;
  }

 private:
  std::filesystem::path path_;
};

inline std::string shared_data(const std::string& relative) {
  return std::string(TESSERA_SHARED_DATA_DIR) + "/" + relative;
}

}  // namespace tessera::testing
