#include "byte_input.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <istream>
#include <utility>
#include <vector>

#include "tessera/data/source_error.h"

namespace tessera::data_detail {

namespace {

class FileInput final : public ByteInput {
 public:
  FileInput(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  ~FileInput() override {
    if (owned_) std::fclose(file_);
  }
  FileInput(const FileInput&) = delete;
  FileInput& operator=(const FileInput&) = delete;

  size_t read(char* dst, size_t n) override {
    const size_t got = std::fread(dst, 1, n, file_);
    if (got == 0 && std::ferror(file_)) {
      throw InputError{"readable bytes", std::strerror(errno)};
    }
    return got;
  }

 private:
  std::FILE* file_;
  bool owned_;
};

class MemoryInput final : public ByteInput {
 public:
  explicit MemoryInput(std::string_view bytes) : bytes_(bytes) {}
  size_t read(char* dst, size_t n) override {
    const size_t take = std::min(n, bytes_.size() - position_);
    std::memcpy(dst, bytes_.data() + position_, take);
    position_ += take;
    return take;
  }

 private:
  std::string bytes_;
  size_t position_ = 0;
};

class StreamInput final : public ByteInput {
 public:
  explicit StreamInput(std::istream& in) : in_(in) {}
  size_t read(char* dst, size_t n) override {
    in_.read(dst, static_cast<std::streamsize>(n));
    if (in_.bad()) throw InputError{"readable bytes", "a stream error"};
    return static_cast<size_t>(in_.gcount());
  }

 private:
  std::istream& in_;
};

// Returns `prefix` first, then the rest of `inner`: the bytes read to sniff the magic.
class PrefixedInput final : public ByteInput {
 public:
  PrefixedInput(std::string prefix, std::unique_ptr<ByteInput> inner)
      : prefix_(std::move(prefix)), inner_(std::move(inner)) {}
  size_t read(char* dst, size_t n) override {
    if (position_ < prefix_.size()) {
      const size_t take = std::min(n, prefix_.size() - position_);
      std::memcpy(dst, prefix_.data() + position_, take);
      position_ += take;
      return take;
    }
    return inner_->read(dst, n);
  }

 private:
  std::string prefix_;
  size_t position_ = 0;
  std::unique_ptr<ByteInput> inner_;
};

// zlib inflate over a byte input, gzip framing only; members written one after another (as
// `cat a.gz b.gz` makes) decode as one stream.
class GzipInput final : public ByteInput {
 public:
  explicit GzipInput(std::unique_ptr<ByteInput> raw) : raw_(std::move(raw)), in_(kChunk) {
    stream_.zalloc = Z_NULL;
    stream_.zfree = Z_NULL;
    stream_.opaque = Z_NULL;
    stream_.next_in = Z_NULL;
    stream_.avail_in = 0;
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
      throw InputError{"zlib to initialise", "an error"};
    }
  }
  ~GzipInput() override { inflateEnd(&stream_); }
  GzipInput(const GzipInput&) = delete;
  GzipInput& operator=(const GzipInput&) = delete;

  size_t read(char* dst, size_t n) override {
    if (n == 0 || finished_) return 0;
    stream_.next_out = reinterpret_cast<Bytef*>(dst);
    stream_.avail_out = static_cast<uInt>(std::min<size_t>(n, kChunk));
    const uInt wanted = stream_.avail_out;
    while (stream_.avail_out == wanted) {
      if (stream_.avail_in == 0) {
        const size_t got = raw_->read(reinterpret_cast<char*>(in_.data()), in_.size());
        if (got == 0) {
          if (member_done_) {
            finished_ = true;
            return 0;
          }
          throw InputError{"more gzip data", "the end of the file (truncated .gz)"};
        }
        stream_.next_in = in_.data();
        stream_.avail_in = static_cast<uInt>(got);
      }
      if (member_done_) {
        // More bytes after a complete member: the next member starts here.
        if (inflateReset(&stream_) != Z_OK) throw InputError{"a gzip member", "a zlib error"};
        member_done_ = false;
      }
      const int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        member_done_ = true;
      } else if (status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_MEM_ERROR) {
        throw InputError{"valid gzip data", std::string("corrupt data (") +
                                                (stream_.msg ? stream_.msg : "zlib") + ")"};
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        throw InputError{"valid gzip data", "a zlib error"};
      }
    }
    return wanted - stream_.avail_out;
  }

 private:
  static constexpr size_t kChunk = size_t{1} << 16;
  std::unique_ptr<ByteInput> raw_;
  std::vector<Bytef> in_;
  z_stream stream_{};
  bool member_done_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<ByteInput> open_file_input(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw_source_error(path, 0, "a readable file", std::strerror(errno));
  }
  return std::make_unique<FileInput>(file, true);
}

std::unique_ptr<ByteInput> stdin_input() { return std::make_unique<FileInput>(stdin, false); }

std::unique_ptr<ByteInput> memory_input(std::string_view bytes) {
  return std::make_unique<MemoryInput>(bytes);
}

std::unique_ptr<ByteInput> stream_input(std::istream& in) {
  return std::make_unique<StreamInput>(in);
}

std::unique_ptr<ByteInput> decompress_if_gzip(std::unique_ptr<ByteInput> raw, bool* compressed) {
  char magic[2];
  size_t have = 0;
  while (have < 2) {
    const size_t got = raw->read(magic + have, 2 - have);
    if (got == 0) break;
    have += got;
  }
  *compressed = have == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
                static_cast<unsigned char>(magic[1]) == 0x8b;
  auto prefixed = std::make_unique<PrefixedInput>(std::string(magic, have), std::move(raw));
  if (*compressed) return std::make_unique<GzipInput>(std::move(prefixed));
  return prefixed;
}

}  // namespace tessera::data_detail
