#include "tessera/core/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "tessera/core/check.h"

namespace tessera {

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// TESSERA_KILL_SIGNAL: KILL (the default), TERM, INT or HUP.
int kill_signal() {
  const std::string name = environment("TESSERA_KILL_SIGNAL");
  if (name == "TERM") return SIGTERM;
  if (name == "INT") return SIGINT;
  if (name == "HUP") return SIGHUP;
  TESSERA_CHECK(name.empty() || name == "KILL",
                "TESSERA_KILL_SIGNAL must be KILL, TERM, INT or HUP, not '{}'", name);
  return SIGKILL;
}

// Sends the signal to the whole process, as kill(1) does (any thread may take it), and waits here
// for it to end the process, so that what is left behind is what this point leaves.
void kill_process(int signal_number) {
  ::kill(::getpid(), signal_number);
  for (int waited_ms = 0; waited_ms < 10'000; waited_ms += 10) ::usleep(10'000);
}

}  // namespace

void fault_point(std::string_view name) {
  static const std::string kill_at = environment("TESSERA_KILL_AT");
  static const std::string fail_at = environment("TESSERA_FAIL_AT");
  if (!kill_at.empty() && kill_at == name) kill_process(kill_signal());
  if (!fail_at.empty() && fail_at == name) {
    TESSERA_FAIL("writing failed at {}: No space left on device (TESSERA_FAIL_AT)", name);
  }
}

}  // namespace tessera
