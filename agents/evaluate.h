// Runs an agent over many episodes and summarises the results (`collabgym run`, demo, tests).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "env/registry.h"
#include "env/stats.h"
#include "env/trace.h"

namespace collab::agents {

// An agent could not play its turn: a remote agent timed out, answered garbage or an error, or any
// agent sent an act the environment refused. play_episode() records it as the episode's failure
// (EpisodeRecord::failure; the episode scores 0 and fails) instead of propagating it, so one bad
// agent never stops a run.
class AgentFailure : public Error {
 public:
  using Error::Error;
};

// An agent's results on a task: the statistics of its episodes (env/stats.h).
struct Summary {
  std::string task;
  std::string agent;
  bool privileged = false;  // a baseline that reads the task's dialogue state (not a remote agent)
  int episodes = 0;
  EpisodeSummary stats;
  double success_rate() const { return stats.success.mean; }
  double mean_score() const { return stats.score.mean; }
  // The JSON of `collabgym run --json`: success_rate, success_stderr, mean_score, score_stderr,
  // mean_turns, mean_agent_tokens, mean_user_tokens, mean_r_star (R* of the finished
  // conversation), mean_mr_per_turn, mean_reward (the summed per-turn reward: grows with the
  // conversation's length under mr, kept for scripts, never a score), failures, and "ci" with every
  // column's Estimate.
  nlohmann::json to_json() const;
};

struct RunConfig {
  int episodes = 100;
  uint64_t seed = 0;  // episode i uses seed + i
  nlohmann::json reset_options = nlohmann::json::object();
  std::ostream* trace = nullptr;  // JSON Lines trace of every episode, naming the agent (optional)
  std::function<void(int done, int total)> progress;  // optional
};

// Plays one episode of `env` from `seed` with `agent` (randomness from policy_rng). Writes it to
// `trace` (its header names agent.name()) and appends the agent's acts to `acts` when given.
// An AgentFailure from the agent, or an InvalidAction for the act it chose, ends the episode as a
// failure: the trace stops after the last completed turn (no end line), and the record has
// `failure` set, score 0, success false and R* = −(token cost): nothing earned, tokens paid. Other
// env errors propagate.
EpisodeRecord play_episode(Env& env, Agent& agent, uint64_t seed,
                           const nlohmann::json& reset_options = nlohmann::json::object(),
                           TraceWriter* trace = nullptr, std::vector<int32_t>* acts = nullptr);

// Runs `agent` on episodes of `env` (reset with seeds seed, seed+1, …). Env errors propagate.
Summary evaluate(Env& env, Agent& agent, const RunConfig& cfg,
                 std::vector<EpisodeRecord>* per_episode = nullptr);

}  // namespace collab::agents
