// What a training run writes to its out_dir (torch-free; docs/learners.md lists the files):
// metrics.csv (one row per update), curve.svg (success and return against steps), and the JSON
// sidecar describing a checkpoint.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "env/vector_env.h"

namespace collab::learners::detail {

// `git describe --always --dirty` of the source tree at configure time, or "unknown".
std::string git_describe();

// Training-episode statistics: a window over the last `window` episodes, and the episodes finished
// since the last take_interval().
class EpisodeLog {
 public:
  explicit EpisodeLog(size_t window = 100) : window_(window) {}
  void add(const EpisodeRecord& s);
  int episodes() const { return episodes_; }
  double recent_success() const;
  double recent_return() const;

  struct Interval {
    int episodes = 0;
    double episodic_return = 0, success = 0, score = 0, turns = 0, interactivity = 0;  // means
  };
  Interval take_interval();

 private:
  size_t window_;
  std::deque<EpisodeRecord> recent_;
  std::vector<EpisodeRecord> interval_;
  int episodes_ = 0;
};

// One metrics.csv row (one update). Episode columns are empty when no episode ended in the update.
struct MetricsRow {
  int64_t step = 0;
  EpisodeLog::Interval episodes;
  double policy_loss = 0, value_loss = 0, entropy = 0, approx_kl = 0, clipfrac = 0;
  double explained_variance = 0, learning_rate = 0, steps_per_second = 0;
};

// Owns out_dir's metrics.csv and curve.svg. With an empty dir it records nothing and writes
// nothing.
class RunWriter {
 public:
  // Creates `dir` (and parents); throws Error naming the directory if it cannot be written.
  explicit RunWriter(std::string dir);
  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }
  void add(const MetricsRow& row);  // appends to metrics.csv (flushed)
  void write_curve() const;         // (re)writes curve.svg from the rows so far

 private:
  std::string dir_;
  std::ofstream csv_;
  std::vector<MetricsRow> rows_;
};

// Renders the success/return curve as a standalone SVG document.
std::string curve_svg(const std::vector<MetricsRow>& rows, const std::string& title);

// A checkpoint's sidecar is "<checkpoint without .pt>.json".
std::string sidecar_path(const std::string& checkpoint_path);
// "DIR" -> "DIR/checkpoint.pt"; a file path is kept. Throws Error if neither exists.
std::string resolve_checkpoint(const std::string& dir_or_file);
void write_json(const std::string& path, const nlohmann::json& j);  // throws Error naming the path
nlohmann::json read_json(const std::string& path);                  // throws Error naming the path

}  // namespace collab::learners::detail
