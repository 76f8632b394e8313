// The statistics of a complete leaderboard run (docs/leaderboard.md, "Statistics").
//
// Per task and agent, every column is the mean over the K × N episodes with a percentile-bootstrap
// interval that resamples the N episode indices (each index carries its K replicates), from a
// stream seeded by the task's position: reproducible, and the same resampled indices for every
// agent of a task, so differences between agents are paired. pass^K is the share of indices whose
// K episodes all succeeded (pass_hat_k with n = k = K). Agents are ranked per task by mean score;
// overall by the interquartile mean of their per-(task, replicate) mean scores (the evaluators'
// scores are already normalised to [0, 1], so no agent moves another's score), with a stratified
// bootstrap (indices resampled within each task). Neighbours in each ranking are compared on the
// paired difference; the smallest resolvable difference is the median half-width of those
// intervals, at least 1 / (K × N).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "env/stats.h"
#include "leaderboard/runner.h"

namespace collab::leaderboard {

struct AgentTaskStats {
  int agent = 0;  // index into RunConfig::agents
  int rank = 0;   // 1 = best on this task
  int episodes = 0, failures = 0;
  Estimate score, success, pass_k, r_star, mr_per_turn, turns, agent_tokens, user_tokens,
      interactivity;
};

// A paired comparison of two agents ranked next to each other.
struct Comparison {
  int better = 0, worse = 0;  // agent indices (better ranks higher)
  Estimate diff;              // better − worse, paired bootstrap interval
  bool resolved() const { return diff.lo > 0 || diff.hi < 0; }
};

struct TaskStats {
  int task = 0;
  std::vector<AgentTaskStats> rows;    // in ranking order
  std::vector<Comparison> neighbours;  // rows[j] vs rows[j+1], on mean score
  std::optional<double> resolvable;    // smallest resolvable score difference (>= 2 agents)
};

struct OverallRow {
  int agent = 0;
  int rank = 0;
  Estimate iqm;  // IQM of the per-(task, replicate) mean scores
};

struct Summary {
  std::vector<TaskStats> tasks;     // in RunResult::tasks order
  std::vector<OverallRow> overall;  // in ranking order
  std::vector<Comparison> overall_neighbours;
  std::optional<double> overall_resolvable;
  nlohmann::json to_json(const RunResult& r) const;
};

// Throws collab::Error unless `r` holds every unit of its configuration exactly once (a shard
// alone cannot be summarised: merge the shards first).
Summary summarise(const RunResult& r);

// The columns shown per task, in order: {key in JSON, label in tables, decimals}.
struct Column {
  const char* key;
  const char* label;
  int decimals;
  Estimate AgentTaskStats::*field;
};
const std::vector<Column>& columns();

}  // namespace collab::leaderboard
