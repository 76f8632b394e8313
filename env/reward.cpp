#include "env/reward.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "env/error.h"
#include "env/rollout_agent.h"
#include "env/text.h"
#include "env/types.h"

namespace collab {

std::string_view to_string(RewardMode mode) {
  switch (mode) {
    case RewardMode::kTerminal:
      return "terminal";
    case RewardMode::kMr:
      return "mr";
    case RewardMode::kMrDelta:
      return "mr_delta";
    case RewardMode::kImmediate:
      return "immediate";
  }
  return "?";
}

std::string_view to_string(Event e) {
  switch (e) {
    case Event::kInformative:
      return "informative";
    case Event::kRedundant:
      return "redundant";
    case Event::kIrrelevant:
      return "irrelevant";
    case Event::kIgnored:
      return "ignored";
  }
  return "?";
}

nlohmann::json RewardConfig::defaults() { return RewardConfig{}.to_json(); }

nlohmann::json RewardConfig::to_json() const {
  return {{"reward", std::string(to_string(mode))},
          {"mr_window", window},
          {"mr_samples", samples},
          {"w_task", w_task},
          {"w_itr", w_itr},
          {"token_cost", token_cost},
          {"rollout_policy", rollout_policy}};
}

const OptionSpecs& RewardConfig::option_specs() {
  static const OptionSpecs specs = {
      OptionSpec::choice("reward", "mr", {"terminal", "mr", "mr_delta", "immediate"},
                         "reward mode: R* at the end, MR each turn, MR differences, or w=0 MR"),
      OptionSpec::integer("mr_window", 2, 0, 20,
                          "w: agent/user exchanges each MR forward sample plays"),
      OptionSpec::integer("mr_samples", 3, 1, 64, "S: MR forward samples per turn"),
      OptionSpec::number("w_task", 1.0, 0, 100, "weight of the task score in R*"),
      OptionSpec::number("w_itr", 1.0, 0, 100, "weight of the interactivity judge in R*"),
      OptionSpec::number("token_cost", 5e-4, 0, 1,
                         "lambda: cost per agent token (capped at 1 per conversation)"),
      // Any string here; from_options() checks it names a built-in policy or an offered agent.
      OptionSpec::choice("rollout_policy", "expert", {},
                         "who plays MR futures: expert, random, passive, or a rollout agent the "
                         "runner offers (serve --rollout-agent NAME=SPEC; docs/reward.md)"),
  };
  return specs;
}

RewardConfig RewardConfig::from_options(const nlohmann::json& o) {
  RewardConfig c;
  for (const auto& s : option_specs()) {
    if (o.contains(s.name)) s.validate(o.at(s.name), "");
  }
  if (o.contains("reward")) {
    const std::string s = o.at("reward").get<std::string>();
    c.mode = s == "terminal"    ? RewardMode::kTerminal
             : s == "mr"        ? RewardMode::kMr
             : s == "mr_delta"  ? RewardMode::kMrDelta
                                : RewardMode::kImmediate;
  }
  c.window = o.value("mr_window", c.window);
  c.samples = o.value("mr_samples", c.samples);
  c.w_task = o.value("w_task", c.w_task);
  c.w_itr = o.value("w_itr", c.w_itr);
  c.token_cost = o.value("token_cost", c.token_cost);
  c.rollout_policy = o.value("rollout_policy", c.rollout_policy);
  if (!is_builtin_rollout_policy(c.rollout_policy) &&
      find_rollout_agent(c.rollout_policy) == nullptr) {
    std::vector<std::string> offered = {"\"expert\"", "\"random\"", "\"passive\""};
    for (const auto& n : rollout_agent_names()) offered.push_back(fmt::format("\"{}\"", n));
    throw InvalidOption(fmt::format(
        "option 'rollout_policy' = \"{}\": expected {}{}", c.rollout_policy,
        text::join_or(offered),
        rollout_agent_names().empty()
            ? " (no rollout agent is offered here: a runner offers one with --rollout-policy "
              "remote:ENDPOINT or llm:URL, a server with --rollout-agent NAME=SPEC)"
            : ""));
  }
  return c;
}

double interactivity(const EventCounts& events) {
  return (events[Event::kInformative] + 1.0) / (events.total() + 2.0);
}

double conversation_reward(const RewardConfig& cfg, double task_score, const EventCounts& events,
                           int agent_tokens, RewardInfo* out) {
  const double itr = interactivity(events);
  const double cost = std::min(cfg.token_cost * agent_tokens, 1.0);
  const double total = cfg.w_task * task_score + cfg.w_itr * itr - cost;
  if (out != nullptr) {
    out->task = task_score;
    out->interactivity = itr;
    out->token_cost = cost;
    out->total = total;
  }
  return total;
}

}  // namespace collab
