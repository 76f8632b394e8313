// "remote:ENDPOINT" agents: an agent served by another process over ZeroMQ (docs/protocol.md,
// "Agent endpoints"). The runner sends the spec at the start of each episode and each observation;
// the agent answers with an action. A reply that does not come within the timeout, is not
// MessagePack, is an error or holds no valid action throws agents::AgentFailure, which the runner
// records as the agent's failed episode.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "agents/agent.h"

namespace collab::bridge {

inline constexpr int kAgentProtocolVersion = 1;

struct RemoteAgentOptions {
  std::string endpoint;     // tcp://HOST:PORT or ipc://PATH, where the agent listens
  double timeout_s = 10.0;  // per request
  // Parses the ARG of "remote:ARG": ENDPOINT[?timeout=SECONDS]. Throws InvalidOption naming the
  // bad part.
  static RemoteAgentOptions parse(std::string_view arg);
};

// Connects lazily: nothing is sent before the first begin(). Not thread-safe (one per thread).
std::unique_ptr<agents::Agent> make_remote_agent(const RemoteAgentOptions& options);

// Registers the "remote" loader with agents::make_agent (idempotent). The collabgym executable
// calls it at start.
void register_remote_agent();

}  // namespace collab::bridge
