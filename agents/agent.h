// Built-in policies and the agent factory. An agent maps the environment's state to an Action.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "env/env.h"

namespace collab::agents {

class Agent {
 public:
  virtual ~Agent() = default;
  virtual std::string name() const = 0;
  // Choose the next action. Built-in agents draw randomness from `rng` only, which the caller
  // derives from (episode seed, turn), so runs are reproducible.
  virtual Action act(const Env& env, const Observation& obs, Rng& rng) = 0;
};

// Agent spec strings:
//   "random"       uniform over the legal acts
//   "passive"      never asks: commits to an answer/action at once (the eager behaviour)
//   "expert"       the task's hand-written collaborator
//   "PREFIX:ARG"   handed to the loader registered for PREFIX (e.g. "ppo:runs/x" by learners/)
// Throws collab::Error naming the spec and the known agents (with a did-you-mean).
std::unique_ptr<Agent> make_agent(std::string_view spec);
std::vector<std::string> builtin_agent_names();

// Loaders for "PREFIX:ARG" specs, registered by libraries agents/ cannot depend on (learners/).
// `arg` is everything after the first ':'. Thread-safe; a later registration replaces an earlier.
using AgentLoader = std::function<std::unique_ptr<Agent>(std::string_view arg)>;
void register_agent_loader(const std::string& prefix, AgentLoader loader);

// The RNG stream an agent uses on the env's current turn.
Rng policy_rng(const Env& env);

}  // namespace collab::agents
