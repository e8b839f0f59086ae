#include "tessera/index/index_file.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "tessera/core/check.h"

namespace tessera {

namespace {

constexpr uint64_t kSeed = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMultiplier1 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t kMultiplier2 = 0x165667B19E3779F9ull;
constexpr size_t kWriteChunk = 1 << 20;
// magic + version + the kind's length, the smallest prefix worth reading; the checksum follows.
constexpr uint64_t kHeaderBytes = sizeof kIndexFileMagic + sizeof(uint32_t);

uint64_t mix_word(uint64_t hash, uint64_t word) {
  hash ^= word * kMultiplier1;
  hash = (hash << 31) | (hash >> 33);
  return hash * kMultiplier2;
}

// Hashes whole words of bytes; returns how many bytes were consumed (a multiple of 8).
size_t mix_words(uint64_t& hash, const uint8_t* bytes, size_t size) {
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    hash = mix_word(hash, word);
  }
  return i;
}

// The tail (< 8 bytes, zero-padded) and the total length close the checksum.
uint64_t finish_hash(uint64_t hash, const uint8_t* tail, size_t tail_size, uint64_t total) {
  uint64_t word = 0;
  std::memcpy(&word, tail, tail_size);
  hash = mix_word(hash, word);
  hash = mix_word(hash, total);
  hash ^= hash >> 29;
  return hash;
}

}  // namespace

uint64_t index_checksum(std::span<const uint8_t> bytes) {
  uint64_t hash = kSeed;
  const size_t whole = mix_words(hash, bytes.data(), bytes.size());
  return finish_hash(hash, bytes.data() + whole, bytes.size() - whole, bytes.size());
}

IndexFileWriter::IndexFileWriter(const std::string& path, std::string_view kind)
    : file_(path), hash_(kSeed) {
  append(kIndexFileMagic, sizeof kIndexFileMagic);
  write<uint32_t>(kIndexFileVersion);
  write_string(kind);
}

void IndexFileWriter::append(const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  total_ += size;
  while (size > 0) {
    const size_t room = kWriteChunk - pending_.size();
    const size_t n = std::min(room, size);
    pending_.insert(pending_.end(), bytes, bytes + n);
    bytes += n;
    size -= n;
    if (pending_.size() == kWriteChunk) flush_words();
  }
}

void IndexFileWriter::flush_words() {
  const size_t whole = mix_words(hash_, pending_.data(), pending_.size());
  file_.write(pending_.data(), whole);
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(whole));
}

void IndexFileWriter::commit() {
  flush_words();
  const uint64_t checksum = finish_hash(hash_, pending_.data(), pending_.size(), total_);
  file_.write(pending_.data(), pending_.size());
  pending_.clear();
  file_.write(&checksum, sizeof checksum);
  file_.commit();
}

IndexFileReader::IndexFileReader(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_, std::ios::binary);
  TESSERA_CHECK(in.good(), "{}: cannot open index file", path_);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  TESSERA_CHECK(size >= 0, "{}: cannot read index file", path_);
  in.seekg(0, std::ios::beg);
  bytes_.resize(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(bytes_.data()), size);
  TESSERA_CHECK(in.good() || (size == 0 && !in.bad()), "{}: cannot read index file", path_);
  verify();
}

IndexFileReader::IndexFileReader(std::vector<uint8_t> bytes, std::string name)
    : path_(std::move(name)), bytes_(std::move(bytes)) {
  verify();
}

void IndexFileReader::verify() {
  const uint64_t size = bytes_.size();
  if (size < kHeaderBytes + sizeof(uint64_t) ||
      std::memcmp(bytes_.data(), kIndexFileMagic, sizeof kIndexFileMagic) != 0) {
    if (size >= sizeof kIndexFileMagic &&
        std::memcmp(bytes_.data(), kIndexFileMagic, sizeof kIndexFileMagic) == 0) {
      fail(fmt::format("truncated index file ({} bytes)", size));
    }
    fail("not a tessera index file (no TSRINDEX magic)");
  }
  uint32_t version;
  std::memcpy(&version, bytes_.data() + sizeof kIndexFileMagic, sizeof version);
  if (version != kIndexFileVersion) {
    fail(fmt::format("index file version {}, this tessera reads version {}", version,
                     kIndexFileVersion));
  }
  payload_end_ = size - sizeof(uint64_t);
  uint64_t stored;
  std::memcpy(&stored, bytes_.data() + payload_end_, sizeof stored);
  if (stored != index_checksum({bytes_.data(), payload_end_})) {
    fail(fmt::format("checksum mismatch: the index file ({} bytes) is truncated or corrupted",
                     size));
  }
  position_ = kHeaderBytes;
  kind_ = read_string("kind");
}

const uint8_t* IndexFileReader::take(uint64_t size, std::string_view field) {
  if (size > payload_end_ - position_) {
    fail(fmt::format("truncated index file: field '{}' needs {} bytes at offset {}, {} left", field,
                     size, position_, payload_end_ - position_));
  }
  const uint8_t* at = bytes_.data() + position_;
  position_ += size;
  return at;
}

uint64_t IndexFileReader::read_count(std::string_view field, uint64_t element_size,
                                     uint64_t max_count) {
  const uint64_t count = read<uint64_t>(field);
  if (count > max_count) {
    fail(fmt::format("field '{}' holds {} elements, at most {} expected", field, count, max_count));
  }
  if (count > (payload_end_ - position_) / element_size) {
    fail(
        fmt::format("truncated index file: field '{}' claims {} elements of {} bytes, {} bytes "
                    "left",
                    field, count, element_size, payload_end_ - position_));
  }
  return count;
}

std::string IndexFileReader::read_string(std::string_view field) {
  const uint64_t size = read_count(field, 1, UINT64_MAX);
  const uint8_t* at = take(size, field);
  return {reinterpret_cast<const char*>(at), static_cast<size_t>(size)};
}

void IndexFileReader::finish() const {
  if (position_ != payload_end_) {
    fail(fmt::format("{} unread bytes after the '{}' index's fields", payload_end_ - position_,
                     kind_));
  }
}

void IndexFileReader::fail(std::string_view message) const {
  TESSERA_FAIL("{}: {}", path_, message);
}

}  // namespace tessera
