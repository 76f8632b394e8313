#include "cli/user_args.h"

#include <fmt/format.h>

#include "bridge/external_user.h"
#include "bridge/llm_agent.h"
#include "bridge/req_channel.h"
#include "env/error.h"

namespace collab::cli {

void UserArgs::add_to(CLI::App* app, bool several) {
  auto* u = app->add_option(
      "--user", users,
      several ? "Offer an external user simulator to clients as [NAME=]ENDPOINT[?timeout=S] "
                "(repeatable; clients pick it with option user=NAME, NAME defaulting to the "
                "endpoint; docs/external-users.md)"
              : "External user simulator at [NAME=]ENDPOINT[?timeout=S] (default timeout 30 s): "
                "it may reword the user's replies and read the agent's text; the task's rule-based "
                "user keeps the goal, the state and the score (docs/external-users.md)");
  if (!several) u->expected(1);
  app->add_option("--user-cache", cache,
                  "JSON Lines file of the external user's answers, keyed by request: record a run "
                  "once, replay it without the user process");
  app->add_option("--user-cache-mode", cache_mode,
                  "record (call the user for entries the cache lacks, and add them), replay (never "
                  "call; a missing entry is an error) or off; default: record with --user-cache, "
                  "else off")
      ->check(CLI::IsMember({"record", "replay", "off"}));
}

std::vector<std::string> UserArgs::apply(bool replay_default) const {
  if (users.empty()) {
    if (!cache.empty() || !cache_mode.empty()) {
      throw InvalidOption("--user-cache and --user-cache-mode need --user [NAME=]ENDPOINT");
    }
    return {};
  }
  if (users.size() > 1 && !cache.empty()) {
    throw InvalidOption("--user-cache serves one --user: give each user its own server");
  }
  std::vector<std::string> names;
  for (const std::string& arg : users) {
    std::string name, endpoint = arg;
    // NAME=ENDPOINT: a name never holds "://", an endpoint always does before any '='.
    const auto eq = arg.find('='), scheme = arg.find("://");
    if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
      name = arg.substr(0, eq);
      endpoint = arg.substr(eq + 1);
      if (name.empty()) {
        throw InvalidOption(fmt::format("--user '{}': expected NAME=ENDPOINT with a NAME", arg));
      }
    }
    const std::string mode = cache_mode.empty() && replay_default && !cache.empty() ? "replay"
                                                                                    : cache_mode;
    names.push_back(bridge::register_external_user(endpoint, cache, mode, name)->name());
  }
  return names;
}

void AgentCacheArgs::add_to(CLI::App* app) {
  app->add_option("--agent-cache", cache,
                  "JSON Lines file of llm: agents' replies, keyed by a hash of the request: record "
                  "a run once, replay it byte for byte without the model (docs/llm-agents.md)");
  app->add_option("--agent-cache-mode", cache_mode,
                  "record (call the model for requests the cache lacks, and add them), replay "
                  "(never call; a missing entry is an error naming it) or off; default: record "
                  "with --agent-cache, else off")
      ->check(CLI::IsMember({"record", "replay", "off"}));
}

void AgentCacheArgs::apply() const { bridge::configure_agent_cache(cache, cache_mode); }

std::vector<std::string> AgentCacheArgs::to_args() const {
  std::vector<std::string> out;
  if (!cache.empty()) out.insert(out.end(), {"--agent-cache", cache});
  if (!cache_mode.empty()) out.insert(out.end(), {"--agent-cache-mode", cache_mode});
  return out;
}

void print_llm_counters(const std::vector<std::string>& agent_specs) {
  for (const auto& spec : agent_specs) {
    if (spec.rfind("llm:", 0) == 0) {
      fmt::print(stderr, "llm agents: {}\n", bridge::llm_agent_counters().dump());
      return;
    }
  }
}

}  // namespace collab::cli
