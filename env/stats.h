// One episode record and one statistics module, used by `collabgym run`, VectorEnv, the learners
// and the leaderboard: means, standard errors, bootstrap confidence intervals (reproducible: every
// resampling stream is seeded), pass^k, the interquartile mean and paired differences.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace collab {

// What one finished episode amounts to.
struct EpisodeRecord {
  uint64_t seed = 0;         // the episode seed (replays it)
  double ret = 0;            // sum of rewards under the env's reward mode
  double score = 0;          // evaluator score at the end, [0, 1]
  bool success = false;      // evaluator success at the end
  int turns = 0;             // agent turns
  int agent_tokens = 0;      // tokens the agent wrote
  double interactivity = 0;  // the interactivity judge at the end, [0, 1]
  bool truncated = false;    // cut by the turn limit rather than ended by the task
  double r_star = 0;         // R* of the conversation as it ended (DESIGN §5)
  double mr_per_turn = 0;    // mean per-turn MR (info.reward.mr); 0 where the mode computes none
  int user_tokens = 0;       // tokens the simulated user wrote, opening included
  std::string failure;       // why the agent failed the episode ("" = it did not; see
                             // agents::AgentFailure); a failed episode scores 0 and fails
};

// A mean with its uncertainty.
struct Estimate {
  int n = 0;
  double mean = 0;
  double se = 0;          // standard error of the mean: sample std-dev (n-1) / sqrt(n); 0 if n < 2
  double lo = 0, hi = 0;  // confidence interval of the mean (see `method`)
  double level = 0.95;    // its confidence level
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

// The percentile interval of bootstrap replicates `values` of a statistic whose point estimate is
// `point` (over n units, at `level`): lo and hi are the replicates at the (1 - level)/2 and
// (1 + level)/2 quantiles (nearest rank), se their standard deviation. With fewer than 2 units or
// no replicates the interval is the point itself. The building block of estimate() and bootstrap().
Estimate percentile_interval(std::vector<double> values, double point, int n, double level);

// A percentile-bootstrap interval of any statistic of n units: `stat` receives the indices of one
// resample (n draws with replacement from [0, n)) and returns the statistic; the point estimate is
// stat(0, 1, …, n-1). Resamples come from a stream seeded by (seed, n), so the interval is
// reproducible. `mean` of the result is the point estimate, `se` the bootstrap standard deviation.
// Throws InvalidOption as estimate() does.
Estimate bootstrap(size_t n, const std::function<double(std::span<const size_t>)>& stat,
                   double level = 0.95, int resamples = 2000, uint64_t seed = 0);

// pass^k (Yao et al., tau-bench): the chance that k trials drawn without replacement from n trials
// with c successes all succeed, C(c, k) / C(n, k). Throws InvalidOption unless 0 <= c <= n and
// 1 <= k <= n.
double pass_hat_k(int n, int c, int k);

// Interquartile mean (Agarwal et al., rliable): the mean of the values left after removing
// floor(n/4) of the lowest and floor(n/4) of the highest (scipy's trim_mean(x, 0.25)). 0 if empty.
double iqm(std::span<const double> xs);

// The mean of the paired differences a[i] - b[i] with its bootstrap interval (pairs resampled
// together). Throws InvalidOption if the sizes differ.
Estimate paired_difference(std::span<const double> a, std::span<const double> b,
                           double level = 0.95, int resamples = 2000, uint64_t seed = 0);

// The usual columns of a set of episodes (success gets a Wilson interval, the others bootstrap).
// `ret` is the summed per-turn reward: under the mr modes it grows with the conversation's length,
// so reports show r_star and mr_per_turn instead (DESIGN §5).
struct EpisodeSummary {
  Estimate success, score, turns, agent_tokens, ret, interactivity;
  Estimate r_star, mr_per_turn, user_tokens;
  int failures = 0;  // episodes the agent failed (EpisodeRecord::failure)
  static EpisodeSummary of(std::span<const EpisodeRecord> episodes, double level = 0.95,
                           int resamples = 2000);
};

}  // namespace collab
