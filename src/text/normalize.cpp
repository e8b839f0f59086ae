#include "tessera/text/normalize.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "tessera/core/check.h"

namespace tessera {

namespace {

bool is_ascii(std::string_view text) {
  unsigned char any = 0;
  for (const char c : text) any |= static_cast<unsigned char>(c);
  return any < 0x80;
}

// utf8proc over valid UTF-8 (the caller has repaired or rejected anything else).
std::string map_with_utf8proc(std::string_view valid, const NormalizeOptions& options) {
  int flags = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
  if (options.nfkc) flags |= UTF8PROC_COMPAT;
  if (options.case_fold) flags |= UTF8PROC_CASEFOLD;
  if (options.strip_accents) flags |= UTF8PROC_STRIPMARK;
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t length = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
      static_cast<utf8proc_ssize_t>(valid.size()), &mapped, static_cast<utf8proc_option_t>(flags));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  TESSERA_CHECK(length >= 0, "unicode normalization failed: {}", utf8proc_errmsg(length));
  return std::string(reinterpret_cast<const char*>(mapped), static_cast<size_t>(length));
}

}  // namespace

std::string normalize_text(std::string_view text, const NormalizeOptions& options,
                           std::string_view where) {
  // ASCII is its own NFC and NFKC and has no marks: only case folding can change it.
  if (is_ascii(text)) {
    std::string out(text);
    if (options.case_fold) {
      for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
    }
    return out;
  }
  const std::string valid = to_valid_utf8(text, options.on_invalid_utf8, where);
  return map_with_utf8proc(valid, options);
}

}  // namespace tessera
