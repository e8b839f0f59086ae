// Byte streams under LineSource: files, stdin, memory, std::istream, and a gzip decoder over any
// of them. Internal to src/data.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

namespace tessera::data_detail {

// What a ByteInput throws on failure; LineSource adds the source name and line number.
struct InputError {
  std::string expected;
  std::string found;
};

class ByteInput {
 public:
  virtual ~ByteInput() = default;
  // Reads up to n bytes into dst; returns how many (0 only at the end). Throws InputError.
  virtual size_t read(char* dst, size_t n) = 0;
};

// Throws tessera::Error naming the path when the file cannot be opened.
std::unique_ptr<ByteInput> open_file_input(const std::string& path);
std::unique_ptr<ByteInput> stdin_input();
std::unique_ptr<ByteInput> memory_input(std::string_view bytes);
std::unique_ptr<ByteInput> stream_input(std::istream& in);

// Looks at the first two bytes of `raw`: gzip magic (1f 8b) gives a decoder over it, anything else
// gives the bytes unchanged. Sets *compressed accordingly.
std::unique_ptr<ByteInput> decompress_if_gzip(std::unique_ptr<ByteInput> raw, bool* compressed);

}  // namespace tessera::data_detail
