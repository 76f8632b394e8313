// One episode record and one statistics module, used by `collabgym run`, VectorEnv, the learners
// and (later) the leaderboard: means, standard errors and bootstrap confidence intervals.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

namespace collab {

// What one finished episode amounts to.
struct EpisodeRecord {
  uint64_t seed = 0;          // the episode seed (replays it)
  double ret = 0;             // sum of rewards under the env's reward mode
  double score = 0;           // evaluator score at the end, [0, 1]
  bool success = false;       // evaluator success at the end
  int turns = 0;              // agent turns
  int agent_tokens = 0;       // tokens the agent wrote
  double interactivity = 0;   // the interactivity judge at the end, [0, 1]
  bool truncated = false;     // cut by the turn limit rather than ended by the task
};

// A mean with its uncertainty.
struct Estimate {
  int n = 0;
  double mean = 0;
  double se = 0;           // standard error of the mean: sample std-dev (n-1) / sqrt(n); 0 if n < 2
  double lo = 0, hi = 0;   // confidence interval of the mean (see `method`)
  double level = 0.95;     // its confidence level
  const char* method = "bootstrap";  // "bootstrap" (percentile) or "wilson" (rates)
  nlohmann::json to_json() const;
};

double mean(std::span<const double> xs);            // 0 for an empty span
double standard_error(std::span<const double> xs);  // see Estimate::se
// Mean, standard error and a percentile-bootstrap interval (`resamples` resamples drawn from a
// stream seeded by `seed`, so the interval is reproducible). Throws InvalidOption for a level
// outside (0, 1) or resamples < 1.
Estimate estimate(std::span<const double> xs, double level = 0.95, int resamples = 2000,
                  uint64_t seed = 0);

// A rate k/n with its Wilson score interval (which, unlike mean ± z·se, stays inside [0, 1] and
// is not empty at 0% or 100%). Throws InvalidOption unless 0 <= k <= n and level in (0, 1).
Estimate wilson(int successes, int n, double level = 0.95);
// The two-sided standard-normal quantile for `level` (1.96 for 0.95).
double normal_quantile(double level);

// The usual columns of a set of episodes (success gets a Wilson interval, the others bootstrap).
struct EpisodeSummary {
  Estimate success, score, turns, agent_tokens, ret, interactivity;
  static EpisodeSummary of(std::span<const EpisodeRecord> episodes, double level = 0.95,
                           int resamples = 2000);
};

}  // namespace collab
