// Errors: one exception type for bad input and failed preconditions, and the macro that throws it.
//
// TESSERA_CHECK(cond, "format {}", args...) throws tessera::Error carrying the failed condition,
// the formatted message, and the file and line of the check (after FAISS's FAISS_THROW_IF_NOT_FMT).
// Library code reports problems this way and never exits; the CLI turns an Error into one line on
// stderr and exit code 1.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace tessera {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
[[noreturn]] void throw_check_failure(const char* condition, const std::string& message,
                                      const char* file, int line);
[[noreturn]] void throw_error(const std::string& message, const char* file, int line);
}  // namespace detail

}  // namespace tessera

// Throws tessera::Error("file:line: message (check `cond` failed)") when cond is false.
#define TESSERA_CHECK(cond, ...)                                                          \
  do {                                                                                    \
    if (!(cond)) [[unlikely]] {                                                           \
      ::tessera::detail::throw_check_failure(#cond, ::fmt::format(__VA_ARGS__), __FILE__, \
                                             __LINE__);                                   \
    }                                                                                     \
  } while (false)

// Throws tessera::Error("file:line: message") unconditionally.
#define TESSERA_FAIL(...) \
  ::tessera::detail::throw_error(::fmt::format(__VA_ARGS__), __FILE__, __LINE__)
