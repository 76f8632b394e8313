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
#include <string_view>
#include <utility>
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

// A reference level drawn on curve.svg: a baseline measured by the caller (e.g. random, passive,
// expert) as a dashed horizontal line with its name and value. `episodic_return`, when known, is
// drawn on the return panel too (it depends on the reward mode: measure it under the run's).
struct CurveBaseline {
  CurveBaseline(std::string name_, double success_,
                std::optional<double> episodic_return_ = std::nullopt)
      : name(std::move(name_)), success(success_), episodic_return(episodic_return_) {}
  std::string name;
  double success = 0;
  std::optional<double> episodic_return;
};

// What curve.svg says about the run: the title "task · reward mode · seed N" (parts left empty are
// left out) and the baselines (none: no dashed lines). `run` names the run in the subtitle;
// RunWriter fills it with out_dir's folder name when empty.
struct CurveInfo {
  CurveInfo() = default;
  CurveInfo(std::string task_, std::string_view reward_, std::optional<uint64_t> seed_,
            std::vector<CurveBaseline> baselines_ = {})
      : task(std::move(task_)), reward(reward_), seed(seed_), baselines(std::move(baselines_)) {}
  std::string task;    // env id, e.g. "twenty_questions-v0"
  std::string reward;  // reward mode, e.g. "mr_delta"
  std::optional<uint64_t> seed;
  std::vector<CurveBaseline> baselines;
  std::string run;
};

// Owns out_dir's metrics.csv and curve.svg. With an empty dir it records nothing and writes
// nothing.
class RunWriter {
 public:
  // Creates `dir` (and parents); throws Error naming the directory if it cannot be written.
  // `info` titles curve.svg (task, reward mode, seed) and lists the baselines drawn on it.
  explicit RunWriter(std::string dir, CurveInfo info = {});
  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }
  void add(const MetricsRow& row);  // appends to metrics.csv (flushed)
  // Baselines measured after construction (replaces those given to the constructor).
  void set_baselines(std::vector<CurveBaseline> baselines) {
    info_.baselines = std::move(baselines);
  }
  void write_curve() const;  // (re)writes curve.svg from the rows so far

 private:
  std::string dir_;
  CurveInfo info_;
  std::ofstream csv_;
  std::vector<MetricsRow> rows_;
};

// Renders the success and return panels as a standalone SVG document (no scripts, no external
// fonts): round-number ticks, steps labelled 150k / 1.2M, the raw per-update values faint under a
// smoothed line (smooth_curve), the baselines as dashed lines. Rows without episodes are skipped.
std::string curve_svg(const std::vector<MetricsRow>& rows, const CurveInfo& info);

// Axis ticks at round numbers (1, 2 or 5 x 10^k): the smallest such step whose ticks, from the
// last multiple <= lo to the first >= hi, make at most `max_intervals` intervals. lo == hi is
// widened around the value first. Non-finite input yields {0, 1}.
std::vector<double> nice_ticks(double lo, double hi, int max_intervals);
// A step count as read on an axis: 950, 1.5k, 150k, 1.2M, 3G (at most 3 decimals, zeros trimmed).
std::string format_steps(double steps);
// A tick label at the precision `step` needs: 0.2, 1.5, 20; 20k / 1.5M when step >= 1000.
std::string format_tick(double value, double step);
// Centred moving average: each value is the mean of those within `half` positions on either side
// (the window is cut short at the ends, so it holds 2*half+1 values inside).
std::vector<double> smooth_curve(const std::vector<double>& values, int half);
// The half-width curve_svg uses for n points: n/16 rounded, at least 1 (a window of ~n/8 updates).
int smoothing_half_window(size_t n);

// A checkpoint's sidecar is "<checkpoint without .pt>.json".
std::string sidecar_path(const std::string& checkpoint_path);
// "DIR" -> "DIR/checkpoint.pt"; a file path is kept. Throws Error if neither exists.
std::string resolve_checkpoint(const std::string& dir_or_file);
void write_json(const std::string& path, const nlohmann::json& j);  // throws Error naming the path
nlohmann::json read_json(const std::string& path);                  // throws Error naming the path

}  // namespace collab::learners::detail
