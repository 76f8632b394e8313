// "remote:ENDPOINT" agents: an agent served by another process over ZeroMQ (docs/protocol.md,
// "Agent endpoints"). The runner sends the spec at the start of each episode and each observation;
// the agent answers with an action. A reply that does not come within the timeout, is not
// MessagePack, is an error or holds no valid action throws agents::AgentFailure, which the runner
// records as the agent's failed episode.
#pragma once

#include <memory>
#include <msgpack.hpp>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <optional>

#include "agents/agent.h"
#include "env/rollout_agent.h"

namespace collab::bridge {

// 2 added act_many (rollout agents); a player may speak 1 or 2.
inline constexpr int kAgentProtocolVersion = 2;

struct RemoteAgentOptions {
  std::string endpoint;     // tcp://HOST:PORT or ipc://PATH, where the agent listens
  double timeout_s = 10.0;  // per request
  // Parses the ARG of "remote:ARG": ENDPOINT[?timeout=SECONDS]. Throws InvalidOption naming the
  // bad part.
  static RemoteAgentOptions parse(std::string_view arg);
};

// Connects lazily: nothing is sent before the first begin(). Not thread-safe (one per thread).
std::unique_ptr<agents::Agent> make_remote_agent(const RemoteAgentOptions& options);

// An agent's action as the agent protocol writes it (an int act index, a non-empty str, or a map
// {act?, text?}), or nullopt with `why` set.
std::optional<Action> action_from_json(const nlohmann::json& action, std::string* why);
// An observation as `act` sends it (docs/protocol.md, "Agent endpoints").
void pack_obs(msgpack::packer<msgpack::sbuffer>& pk, const Observation& obs);

// A rollout agent (env/rollout_agent.h) from a spec: "remote:ENDPOINT[?timeout=S]" or a bare
// "ENDPOINT[?timeout=S]" (an agent endpoint speaking agent protocol 2) or "llm:URL[?…]"
// (bridge/llm_agent.h). Throws InvalidOption.
std::shared_ptr<RolloutAgent> make_rollout_agent(std::string name, std::string_view spec);
// Registers the rollout agent of a command-line value and returns its name: with `named`,
// "NAME=SPEC" (serve --rollout-agent); otherwise SPEC, named by itself (run --rollout-policy).
std::string register_rollout_agent_arg(std::string_view arg, bool named);

// Registers the "remote" loader with agents::make_agent (idempotent). The collabgym executable
// calls it at start.
void register_remote_agent();

}  // namespace collab::bridge
