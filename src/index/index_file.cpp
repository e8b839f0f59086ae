#include "tessera/index/index_file.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "tessera/core/check.h"

namespace tessera {

namespace {

constexpr size_t kWriteChunk = 1 << 20;
// magic + version + the kind's length, the smallest prefix worth reading; the checksum follows.
constexpr uint64_t kHeaderBytes = sizeof kIndexFileMagic + sizeof(uint32_t);

}  // namespace

IndexFileWriter::IndexFileWriter(const std::string& path, std::string_view kind) : file_(path) {
  append(kIndexFileMagic, sizeof kIndexFileMagic);
  write<uint32_t>(kIndexFileVersion);
  write_string(kind);
}

void IndexFileWriter::append(const void* data, size_t size) {
  checksum_.update(data, size);
  const auto* bytes = static_cast<const uint8_t*>(data);
  if (pending_.size() + size > kWriteChunk) {  // small fields gather; large arrays go directly
    file_.write(pending_.data(), pending_.size());
    pending_.clear();
  }
  if (size >= kWriteChunk) {
    file_.write(bytes, size);
  } else {
    pending_.insert(pending_.end(), bytes, bytes + size);
  }
}

void IndexFileWriter::commit() {
  const uint64_t sum = checksum_.value();
  file_.write(pending_.data(), pending_.size());
  pending_.clear();
  file_.write(&sum, sizeof sum);
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
  if (stored != checksum({bytes_.data(), payload_end_})) {
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
