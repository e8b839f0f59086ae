#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace tessera::cli {

Progress::Progress(std::string label, int enabled)
    : label_(std::move(label)), enabled_(enabled < 0 ? isatty(STDERR_FILENO) != 0 : enabled != 0) {}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::update(int64_t items, int64_t bytes) {
  items_ = items;
  bytes_ = bytes;
  if (!enabled_ || since_draw_.milliseconds() < 100) return;
  since_draw_.restart();
  draw(false);
}

void Progress::show(std::string line) {
  line_ = std::move(line);
  if (!enabled_ || since_draw_.milliseconds() < 100) return;
  since_draw_.restart();
  draw(false);
}

void Progress::message(const std::string& text) {
  fmt::print(stderr, "{}{}: {}\n", enabled_ ? "\n" : "", label_, text);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void Progress::draw(bool final_line) {
  if (!line_.empty()) {
    // Padded so that a shorter line overwrites a longer one.
    fmt::print(stderr, "\r{}: {:<70}{}", label_, line_, final_line ? "\n" : "");
    std::fflush(stderr);
    return;
  }
  const double seconds = elapsed_.seconds();
  const double rate = seconds > 0 ? static_cast<double>(items_) / seconds : 0.0;
  const double mb_rate = seconds > 0 ? static_cast<double>(bytes_) / 1e6 / seconds : 0.0;
  fmt::print(stderr, "\r{}: {} items, {:.0f} items/s, {:.1f} MB/s, {:.1f} s{}", label_, items_,
             rate, mb_rate, seconds, final_line ? "\n" : "   ");
  std::fflush(stderr);
}

}  // namespace tessera::cli
