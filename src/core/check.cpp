#include "tessera/core/check.h"

namespace tessera::detail {

namespace {
// Only the file's base name: full build paths make messages long and machine-specific.
const char* base_name(const char* path) {
  const char* base = path;
  for (const char* p = path; *p != '\0'; ++p) {
    if (*p == '/') base = p + 1;
  }
  return base;
}
}  // namespace

void throw_check_failure(const char* condition, const std::string& message, const char* file,
                         int line) {
  throw Error(
      fmt::format("{} (check `{}` failed at {}:{})", message, condition, base_name(file), line));
}

void throw_error(const std::string& message, const char* file, int line) {
  throw Error(fmt::format("{} (at {}:{})", message, base_name(file), line));
}

}  // namespace tessera::detail
