// Progress on stderr for long commands (run, train, leaderboard): a bar on a terminal, else a
// plain line at most every few seconds (and at the end), with the rate and the time left. Never
// shows more than 100%.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace collab::leaderboard {

class Progress {
 public:
  Progress(std::string label, bool enabled);
  // `extra` is appended to the line (e.g. "  success 41.0%").
  void update(int64_t done, int64_t total, const std::string& unit, const std::string& extra = "");

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  bool enabled_, tty_;
  Clock::time_point start_, last_;
};

}  // namespace collab::leaderboard
