#include "env/rollout_agent.h"

#include <fmt/format.h>

#include <map>
#include <mutex>

#include "env/error.h"

namespace collab {

namespace {

struct Directory {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<RolloutAgent>, std::less<>> agents;
  RolloutAgentResolver resolver;
};

Directory& directory() {
  static Directory d;
  return d;
}

}  // namespace

bool is_builtin_rollout_policy(std::string_view name) {
  return name == "expert" || name == "random" || name == "passive";
}

void register_rollout_agent(std::shared_ptr<RolloutAgent> agent) {
  COLLAB_CHECK(agent != nullptr);
  const std::string name = agent->name();
  if (name.empty() || is_builtin_rollout_policy(name)) {
    throw InvalidOption(fmt::format(
        "rollout agent name \"{}\": expected a non-empty name other than expert, random and "
        "passive (the built-in policies)",
        name));
  }
  Directory& d = directory();
  std::lock_guard lock(d.mu);
  d.agents[name] = std::move(agent);
}

std::shared_ptr<RolloutAgent> find_rollout_agent(std::string_view name) {
  Directory& d = directory();
  RolloutAgentResolver resolver;
  {
    std::lock_guard lock(d.mu);
    auto it = d.agents.find(name);
    if (it != d.agents.end()) return it->second;
    resolver = d.resolver;
  }
  if (!resolver || is_builtin_rollout_policy(name)) return nullptr;
  std::shared_ptr<RolloutAgent> made = resolver(name);  // outside the lock: it may connect
  if (made == nullptr) return nullptr;
  std::lock_guard lock(d.mu);
  auto [it, inserted] = d.agents.emplace(std::string(name), std::move(made));
  return it->second;
}

void set_rollout_agent_resolver(RolloutAgentResolver resolver) {
  Directory& d = directory();
  std::lock_guard lock(d.mu);
  d.resolver = std::move(resolver);
}

std::vector<std::string> rollout_agent_names() {
  Directory& d = directory();
  std::lock_guard lock(d.mu);
  std::vector<std::string> names;
  for (const auto& [name, agent] : d.agents) names.push_back(name);
  return names;
}

}  // namespace collab
