// Wall-clock time since a start, on the steady clock: every timing in tessera (training steps,
// index builds, searches, whole commands) reads one of these.
#pragma once

#include <chrono>

namespace tessera {

class Stopwatch {
 public:
  using Clock = std::chrono::steady_clock;

  Stopwatch() : start_(Clock::now()) {}

  void restart() { start_ = Clock::now(); }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double milliseconds() const { return 1000.0 * seconds(); }

 private:
  Clock::time_point start_;
};

}  // namespace tessera
