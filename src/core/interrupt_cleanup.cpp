#include "tessera/core/interrupt_cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

namespace tessera {

namespace {

// Guards the registry; the cleanup thread takes it and never gives it back (the process ends).
// Both are never destroyed: a signal may come while exit() runs the static destructors.
std::recursive_mutex& registry_mutex() {
  static auto* mutex = new std::recursive_mutex;
  return *mutex;
}

std::map<const RemovedOnInterrupt*, std::string>& registry() {
  static auto* paths = new std::map<const RemovedOnInterrupt*, std::string>;
  return *paths;
}

int signal_pipe[2] = {-1, -1};

// The handler only passes the signal on: nothing else is async-signal-safe.
void on_signal(int signal_number) {
  const int saved_errno = errno;
  const auto byte = static_cast<unsigned char>(signal_number);
  [[maybe_unused]] const ssize_t written = ::write(signal_pipe[1], &byte, 1);
  errno = saved_errno;
}

[[noreturn]] void remove_temporaries_on_signal() {
  unsigned char byte = 0;
  while (::read(signal_pipe[0], &byte, 1) != 1) {
  }
  const int signal_number = byte;
  registry_mutex().lock();
  for (const auto& [owner, path] : registry()) {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  // End the process by the signal itself, so that its exit status tells what happened.
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
  std::_Exit(128 + signal_number);  // not reached: the default action of these signals ends it
}

}  // namespace

void install_interrupt_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::pipe2(signal_pipe, O_CLOEXEC) != 0) return;  // no cleanup, rather than no run
    std::thread(remove_temporaries_on_signal).detach();
    for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction action {};
      if (sigaction(signal_number, nullptr, &action) == 0 && action.sa_handler == SIG_IGN) {
        continue;
      }
      action = {};
      action.sa_handler = on_signal;
      action.sa_flags = SA_RESTART;
      sigemptyset(&action.sa_mask);
      sigaction(signal_number, &action, nullptr);
    }
  });
}

void RemovedOnInterrupt::watch(std::string path) {
  release();
  const std::lock_guard lock(registry_mutex());
  registry()[this] = std::move(path);
  registered_ = true;
}

void RemovedOnInterrupt::release() {
  if (!registered_) return;
  const std::lock_guard lock(registry_mutex());
  registry().erase(this);
  registered_ = false;
}

InterruptCleanupHold::InterruptCleanupHold() : lock_(registry_mutex()) {}

}  // namespace tessera
