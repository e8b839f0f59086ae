#include "tessera/core/fault_injection.h"

#include <csignal>
#include <cstdlib>
#include <string>

#include "tessera/core/check.h"

namespace tessera {

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

void fault_point(std::string_view name) {
  static const std::string kill_at = environment("TESSERA_KILL_AT");
  static const std::string fail_at = environment("TESSERA_FAIL_AT");
  if (!kill_at.empty() && kill_at == name) std::raise(SIGKILL);
  if (!fail_at.empty() && fail_at == name) {
    TESSERA_FAIL("writing failed at {}: No space left on device (TESSERA_FAIL_AT)", name);
  }
}

}  // namespace tessera
