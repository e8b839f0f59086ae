// A one-line progress report on stderr for long work (items, items/s, MB/s, elapsed), redrawn at
// most ten times a second. It shows only when stderr is a terminal, unless forced on; in pipes
// and logs it stays quiet.
#pragma once

#include <cstdint>
#include <string>

#include "tessera/core/stopwatch.h"

namespace tessera::cli {

class Progress {
 public:
  // enabled: true/false forces; the default follows isatty(stderr).
  explicit Progress(std::string label, int enabled = -1);
  ~Progress();

  void update(int64_t items, int64_t bytes);
  // Shows `line` (built by the caller) instead of the item counts; same throttling.
  void show(std::string line);
  // Prints `text` on a line of its own (below the progress line, which goes on after it).
  void message(const std::string& text);
  // Draws the final state and ends the line.
  void finish();

 private:
  void draw(bool final_line);

  std::string label_;
  std::string line_;  // set by show()
  bool enabled_;
  bool finished_ = false;
  int64_t items_ = 0, bytes_ = 0;
  Stopwatch elapsed_, since_draw_;
};

}  // namespace tessera::cli
