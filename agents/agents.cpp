#include <fmt/format.h>

#include <map>
#include <mutex>

#include "agents/agent.h"
#include "env/error.h"
#include "env/policy.h"
#include "env/text.h"

namespace collab::agents {

namespace {

class RandomAgent final : public Agent {
 public:
  std::string name() const override { return "random"; }
  Action act(const Observation& obs, Rng& rng) override {
    return Action::from_act(random_legal_act(obs.action_mask, rng));
  }
};

class PassiveAgent final : public PrivilegedAgent {
 public:
  std::string name() const override { return "passive"; }
  Action act_with_state(const Task& task, const Episode& ep, const Observation&,
                        Rng& rng) override {
    return task.passive(ep, rng);
  }
};

class ExpertAgent final : public PrivilegedAgent {
 public:
  std::string name() const override { return "expert"; }
  Action act_with_state(const Task& task, const Episode& ep, const Observation&,
                        Rng& rng) override {
    return task.expert(ep, rng);
  }
};

}  // namespace

Action PrivilegedAgent::act(const Observation&, Rng&) {
  throw Error(fmt::format(
      "agent '{}' is a privileged baseline: it reads the task's dialogue state, so it can only be "
      "driven in-process (agents::decide), not from observations alone",
      name()));
}

Action decide(Agent& agent, const Env& env, const Observation& obs, Rng& rng) {
  if (auto* p = dynamic_cast<PrivilegedAgent*>(&agent)) {
    return p->act_with_state(env.task(), env.episode(), obs, rng);
  }
  return agent.act(obs, rng);
}

std::vector<std::string> builtin_agent_names() { return {"random", "passive", "expert"}; }

namespace {
std::mutex& loaders_mu() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, AgentLoader>& loaders() {
  static std::map<std::string, AgentLoader> m;
  return m;
}
}  // namespace

void register_agent_loader(const std::string& prefix, AgentLoader loader) {
  std::lock_guard lock(loaders_mu());
  loaders()[prefix] = std::move(loader);
}

std::unique_ptr<Agent> make_agent(std::string_view spec) {
  if (const auto colon = spec.find(':'); colon != std::string_view::npos) {
    const std::string prefix(spec.substr(0, colon));
    AgentLoader loader;
    std::vector<std::string> known;
    {
      std::lock_guard lock(loaders_mu());
      if (auto it = loaders().find(prefix); it != loaders().end()) loader = it->second;
      for (const auto& [p, l] : loaders()) known.push_back(p + ":…");
    }
    if (!loader) {
      throw UnknownAgent(
          fmt::format("unknown agent '{}': no loader for '{}:' in this build{}", spec, prefix,
                      known.empty() ? " (learned agents need COLLAB_WITH_TORCH=ON)"
                                    : "; known: " + fmt::format("{}", fmt::join(known, ", "))));
    }
    return loader(spec.substr(colon + 1));
  }
  if (spec == "random") return std::make_unique<RandomAgent>();
  if (spec == "passive") return std::make_unique<PassiveAgent>();
  if (spec == "expert") return std::make_unique<ExpertAgent>();
  const auto names = builtin_agent_names();
  const auto near = text::did_you_mean(spec, names);
  throw UnknownAgent(fmt::format("unknown agent '{}'{}; built-in agents: {}", spec,
                          near.empty() ? "" : "; did you mean " + text::join_or(near) + "?",
                          fmt::join(names, ", ")));
}

Rng policy_rng(const Env& env) {
  return Rng(derive_seed(env.episode_seed(), static_cast<uint64_t>(env.turn()), Stream::kPolicy));
}

}  // namespace collab::agents
