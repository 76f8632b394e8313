#include "leaderboard/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace collab::leaderboard {

Progress::Progress(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(Clock::now()),
      last_(start_) {}

void Progress::update(int64_t done, int64_t total, const std::string& unit,
                      const std::string& extra) {
  if (!enabled_ || total <= 0) return;
  done = std::clamp<int64_t>(done, 0, total);
  const auto now = Clock::now();
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  const double left = rate > 0 ? static_cast<double>(total - done) / rate : 0;
  const std::string tail =
      fmt::format("{}/{} {}  {:.1f}/s  {:.0f} s left{}", done, total, unit, rate, left, extra);
  if (tty_) {
    const int width = 30;
    const auto filled = static_cast<int>(width * done / total);
    fmt::print(stderr, "\r{} [{:=<{}}{:<{}}] {}", label_, "", filled, "", width - filled, tail);
    if (done == total) fmt::print(stderr, "\n");
  } else if (done == total || std::chrono::duration<double>(now - last_).count() >= 5) {
    fmt::print(stderr, "{}: {}\n", label_, tail);
    last_ = now;
  }
}

}  // namespace collab::leaderboard
