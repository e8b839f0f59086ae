// Index files: one binary layout for every index kind, written atomically and read defensively.
//
// Layout (little-endian):
//   magic    8 bytes  "TSRINDEX"
//   version  u32      kIndexFileVersion
//   kind     string   "flat", "int8", "binary", "hnsw", "funnel", "bm25", ...
//   payload           the kind's fields, in the order its save() writes them
//   checksum u64      over every byte before it (from the magic on)
// A string or array is a u64 element count followed by its elements.
//
// Reading loads the whole file, then checks size, magic, version and checksum before any field is
// parsed, so a truncated or corrupted file is an Error naming the path and what is wrong. Every
// field read is bounds-checked as well (the checksum guards against accidents, not forgeries), so
// no byte sequence crashes a reader (fuzz/fuzz_index_file.cpp).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tessera/core/atomic_file.h"
#include "tessera/core/checksum.h"

namespace tessera {

static_assert(std::endian::native == std::endian::little, "index files are little-endian");

inline constexpr char kIndexFileMagic[8] = {'T', 'S', 'R', 'I', 'N', 'D', 'E', 'X'};
inline constexpr uint32_t kIndexFileVersion = 1;

class IndexFileWriter {
 public:
  // Starts "<path>.tmp-<pid>" with the magic, version and kind; commit() appends the checksum
  // and renames it over path. Destroyed without commit(), it leaves any file at path untouched.
  IndexFileWriter(const std::string& path, std::string_view kind);

  template <typename T>
  void write(T value) {
    static_assert(std::is_arithmetic_v<T>);
    append(&value, sizeof value);
  }
  void write_string(std::string_view text) {
    write<uint64_t>(text.size());
    append(text.data(), text.size());
  }
  template <typename T>
  void write_array(std::span<const T> values) {
    static_assert(std::is_arithmetic_v<T>);
    write<uint64_t>(values.size());
    append(values.data(), values.size_bytes());
  }
  void commit();

 private:
  void append(const void* data, size_t size);

  AtomicFile file_;
  std::vector<uint8_t> pending_;  // bytes not yet written (written in chunks)
  Checksum checksum_;             // over every byte appended
};

class IndexFileReader {
 public:
  // Reads and verifies the whole file (size, magic, version, checksum); throws an Error naming
  // the path otherwise.
  explicit IndexFileReader(std::string path);
  // From bytes in memory (the fuzz target and tests); `name` stands for the path in errors.
  IndexFileReader(std::vector<uint8_t> bytes, std::string name);

  const std::string& kind() const { return kind_; }
  const std::string& path() const { return path_; }

  template <typename T>
  T read(std::string_view field) {
    static_assert(std::is_arithmetic_v<T>);
    T value;
    std::memcpy(&value, take(sizeof value, field), sizeof value);
    return value;
  }
  std::string read_string(std::string_view field);
  // An array of at most max_count elements (guards huge allocations from a bad count).
  template <typename T>
  std::vector<T> read_array(std::string_view field, uint64_t max_count = UINT64_MAX) {
    static_assert(std::is_arithmetic_v<T>);
    const uint64_t count = read_count(field, sizeof(T), max_count);
    std::vector<T> values(count);
    if (count > 0) std::memcpy(values.data(), take(count * sizeof(T), field), count * sizeof(T));
    return values;
  }
  // Throws unless every payload byte has been read (a file of another layout).
  void finish() const;
  // Throws "<path>: <message>" (for a field that reads fine but makes no sense).
  [[noreturn]] void fail(std::string_view message) const;

 private:
  void verify();
  const uint8_t* take(uint64_t size, std::string_view field);
  uint64_t read_count(std::string_view field, uint64_t element_size, uint64_t max_count);

  std::string path_;
  std::vector<uint8_t> bytes_;
  std::string kind_;
  uint64_t position_ = 0;
  uint64_t payload_end_ = 0;  // where the checksum starts
};

}  // namespace tessera
