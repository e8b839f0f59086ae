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

#include "../core/test_support.h"

namespace tessera::testing {

// Writes bytes gzip-compressed into dir with zlib's gzopen; returns the path.
inline std::string write_gz(const TempDir& dir, const std::string& name, std::string_view bytes) {
  const std::string path = dir.file(name);
  gzFile out = gzopen(path.c_str(), "wb");
  EXPECT_NE(out, nullptr);
  if (!bytes.empty()) {
    EXPECT_EQ(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
  }
  EXPECT_EQ(gzclose(out), Z_OK);
  return path;
}

inline std::string shared_data(const std::string& relative) {
  // Appended, not `string + "/" + relative`: GCC 12 under -fsanitize=thread warns falsely
  // (-Warray-bounds) on the moved temporary.
  std::string path = TESSERA_SHARED_DATA_DIR;
  path += '/';
  path += relative;
  return path;
}

}  // namespace tessera::testing
