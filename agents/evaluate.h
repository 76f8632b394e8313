// Runs an agent over many episodes and summarises the results (`collabgym run`, demo, tests).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "env/registry.h"
#include "env/trace.h"

namespace collab::agents {

struct EpisodeResult {
  uint64_t seed = 0;
  bool success = false;
  double score = 0;
  double ret = 0;  // sum of rewards
  int turns = 0;
  int agent_tokens = 0;
  bool truncated = false;
};

struct Summary {
  std::string task;
  std::string agent;
  int episodes = 0;
  double success_rate = 0;
  double mean_score = 0;
  double mean_turns = 0;
  double mean_agent_tokens = 0;
  double mean_reward = 0;     // mean episodic return under the env's reward mode
  double success_stderr = 0;  // standard error of success_rate
  double score_stderr = 0;
  nlohmann::json to_json() const;
};

struct RunConfig {
  int episodes = 100;
  uint64_t seed = 0;  // episode i uses seed + i
  nlohmann::json reset_options = nlohmann::json::object();
  std::ostream* trace = nullptr;  // JSON Lines trace of every episode (optional)
  std::function<void(int done, int total)> progress;  // optional
};

// Plays one episode of `env` from `seed` with `agent` (randomness from policy_rng). Writes it to
// `trace` and appends the agent's acts to `acts` when given. Env errors propagate.
EpisodeResult play_episode(Env& env, Agent& agent, uint64_t seed,
                           const nlohmann::json& reset_options = nlohmann::json::object(),
                           TraceWriter* trace = nullptr, std::vector<int32_t>* acts = nullptr);

// Runs `agent` on episodes of `env` (reset with seeds seed, seed+1, …). Env errors propagate.
Summary evaluate(Env& env, Agent& agent, const RunConfig& cfg,
                 std::vector<EpisodeResult>* per_episode = nullptr);

}  // namespace collab::agents
