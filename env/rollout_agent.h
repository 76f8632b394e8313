// Rollout agents: who plays the agent's side of MR futures when it is not in-process
// (docs/reward.md, "Who plays the futures"). A rollout agent is typically the agent being trained
// or evaluated, served elsewhere: a `collabgym.serve_agent` endpoint (`remote:ENDPOINT`) or a
// language model (`llm:URL`). The reward option `rollout_policy` names one the runner offers
// (`run --rollout-policy remote:…`, `serve --rollout-agent NAME=SPEC`); a client never names an
// endpoint itself.
//
// The engine asks for the futures' agent turns in batches: at each depth of the MR window, every
// live future of every environment stepped together (one Env::step, or one VectorEnv::step) goes
// out in one act_many() call, so the calls per step are bounded by the window, not by the samples
// or the batch size. Each query carries the future's own policy stream seed (the one the built-in
// random policy would draw from) and its conversation so far. A query that fails (no answer, an
// error, an action the environment refuses) ends that future's use of the agent: the task's expert
// plays the rest of it, and info.reward counts a rollout fallback. Nothing a rollout agent answers
// can hang a step: implementations bound every call by a timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "env/types.h"

namespace collab {

// One future's agent turn to decide.
struct RolloutQuery {
  const nlohmann::json* spec = nullptr;  // the environment's spec() (shared by its futures)
  uint64_t episode_seed = 0;             // the episode the future branches from
  uint64_t seed = 0;                     // this future turn's policy stream (Stream::kPolicy)
  int sample = 0;                        // which MR sample, in [0, mr_samples)
  // The conversation so far, the future's own turns included: the user's opening, then agent and
  // user messages alternately (ends with a user message).
  const std::vector<std::string>* dialogue = nullptr;
  Observation obs;  // what the agent would see now (text = the last user message)
};

// The answer to one query: an action, or why there is none.
struct RolloutAnswer {
  std::optional<Action> action;
  std::string failure;  // set when there is no action
};

class RolloutAgent {
 public:
  virtual ~RolloutAgent() = default;
  // The name `rollout_policy` selects it by; recorded in spec().
  virtual std::string name() const = 0;
  // Answers every query (the result has one entry per query, in order). Never throws for a failed
  // call: it reports the failure in the entry (or in every entry). Must be thread-safe: several
  // environments may step at once.
  virtual std::vector<RolloutAnswer> act_many(std::span<const RolloutQuery> queries) = 0;
  // Counters for reports (requests, queries, failures by kind…); an object.
  virtual nlohmann::json counters() const { return nlohmann::json::object(); }
};

// The process-wide directory of rollout agents, by name, as for external users (env/user.h).
// Registering a name again replaces it. Names of the built-in policies are refused.
void register_rollout_agent(std::shared_ptr<RolloutAgent> agent);
std::shared_ptr<RolloutAgent> find_rollout_agent(std::string_view name);  // nullptr when none
std::vector<std::string> rollout_agent_names();                           // sorted

// Where a command-line runner (never a server) turns an unregistered name into an agent: a
// `--rollout-policy remote:…` recorded in a trace header, when the trace is replayed. Returns
// nullptr for a name that is not a spec; may throw InvalidOption for a bad one. find_rollout_agent
// calls it for a name not registered and registers what it returns. Empty: none (the default).
using RolloutAgentResolver = std::function<std::shared_ptr<RolloutAgent>(std::string_view name)>;
void set_rollout_agent_resolver(RolloutAgentResolver resolver);

// The built-in rollout policies: expert, random, passive.
bool is_builtin_rollout_policy(std::string_view name);

}  // namespace collab
