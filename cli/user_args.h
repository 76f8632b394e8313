// The flags for what runs outside the process: the external-user flags (docs/external-users.md)
// of `run`, `play`, `replay`, `leaderboard` and `serve` (--user [NAME=]ENDPOINT[?timeout=S],
// --user-cache FILE, --user-cache-mode MODE), and the agent cache of `llm:` agents
// (docs/llm-agents.md) for `run`, `play` and `leaderboard` (--agent-cache, --agent-cache-mode).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace collab::cli {

struct UserArgs {
  std::vector<std::string> users;  // [NAME=]ENDPOINT[?timeout=S], repeatable only for serve
  std::string cache;
  std::string cache_mode;

  // `serve` offers several users by name (clients choose with option user=NAME); the other
  // commands take one, which their environments use.
  void add_to(CLI::App* app, bool several = false);
  // Registers each user (env/user.h) with its cache; returns the names registered, in order.
  // Throws InvalidOption naming the bad flag value. `replay_default` makes replay the default
  // cache mode (`collabgym replay`).
  std::vector<std::string> apply(bool replay_default = false) const;
};

struct AgentCacheArgs {
  std::string cache;
  std::string cache_mode;

  void add_to(CLI::App* app);
  // Configures the process-wide agent cache (bridge/llm_agent.h) before any agent is made.
  void apply() const;
  // The flags again, for job files (--emit-slurm).
  std::vector<std::string> to_args() const;
};

// Prints the llm agents' counters (calls, retries, failures by kind, cache) to stderr when any
// `llm:` agent is among `agent_specs`.
void print_llm_counters(const std::vector<std::string>& agent_specs);

}  // namespace collab::cli
