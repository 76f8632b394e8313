// Built-in policies and the agent factory. An agent maps the environment's state to an Action.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "env/env.h"

namespace collab::agents {

// An agent sees what a remote agent sees (contract v2): the spec at the start of each episode, then
// one Observation per turn. Nothing hands an agent the Env, so in-process and remote agents are
// interchangeable.
class Agent {
 public:
  virtual ~Agent() = default;
  virtual std::string name() const = 0;
  // Called before each episode with the environment's spec() and the episode seed. Throws
  // collab::Error if the agent cannot play this task (e.g. a policy trained on another one).
  virtual void begin(const nlohmann::json& spec, uint64_t seed) {
    (void)spec;
    (void)seed;
  }
  // Choose the next action. Built-in agents draw randomness from `rng` only, which the caller
  // derives from (episode seed, turn), so runs are reproducible.
  virtual Action act(const Observation& obs, Rng& rng) = 0;
  // A privileged baseline reads the task's dialogue state (never the hidden goal) and so cannot be
  // played over the wire; reports mark it. Such agents override act_with_state instead of act.
  virtual bool privileged() const { return false; }
};

// A baseline built on the task's own policies (Task::expert / Task::passive), which read the
// dialogue state through the episode. Declared privileged; the conformance suite checks the task's
// policies are blind to the hidden goal.
class PrivilegedAgent : public Agent {
 public:
  bool privileged() const final { return true; }
  Action act(const Observation& obs, Rng& rng) final;  // throws: needs the dialogue state
  virtual Action act_with_state(const Task& task, const Episode& dialogue, const Observation& obs,
                                Rng& rng) = 0;
};

// The one place that hands a privileged agent the dialogue state; every driver loop calls it.
Action decide(Agent& agent, const Env& env, const Observation& obs, Rng& rng);

// An agent spec that names no agent this build knows (a usage error: exit code 2 in the CLI).
class UnknownAgent : public Error {
 public:
  using Error::Error;
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
