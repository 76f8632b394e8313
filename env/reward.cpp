#include "env/reward.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "env/error.h"
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

namespace {

int int_option(const nlohmann::json& o, const char* key, int lo, int hi, int fallback) {
  if (!o.contains(key)) return fallback;
  const auto& v = o.at(key);
  if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
    throw InvalidOption(
        fmt::format("option '{}' = {}: expected an integer in [{}, {}]", key, v.dump(), lo, hi));
  }
  return v.get<int>();
}

double real_option(const nlohmann::json& o, const char* key, double lo, double hi,
                   double fallback) {
  if (!o.contains(key)) return fallback;
  const auto& v = o.at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo ||
      v.get<double>() > hi) {
    throw InvalidOption(
        fmt::format("option '{}' = {}: expected a number in [{}, {}]", key, v.dump(), lo, hi));
  }
  return v.get<double>();
}

}  // namespace

RewardConfig RewardConfig::from_options(const nlohmann::json& o) {
  RewardConfig c;
  if (o.contains("reward")) {
    const auto& v = o.at("reward");
    const std::string s = v.is_string() ? v.get<std::string>() : "";
    if (s == "terminal")
      c.mode = RewardMode::kTerminal;
    else if (s == "mr")
      c.mode = RewardMode::kMr;
    else if (s == "mr_delta")
      c.mode = RewardMode::kMrDelta;
    else if (s == "immediate")
      c.mode = RewardMode::kImmediate;
    else
      throw InvalidOption(fmt::format(
          "option 'reward' = {}: expected one of \"terminal\", \"mr\", \"mr_delta\", \"immediate\"",
          v.dump()));
  }
  c.window = int_option(o, "mr_window", 0, 20, c.window);
  c.samples = int_option(o, "mr_samples", 1, 64, c.samples);
  c.w_task = real_option(o, "w_task", 0, 100, c.w_task);
  c.w_itr = real_option(o, "w_itr", 0, 100, c.w_itr);
  c.token_cost = real_option(o, "token_cost", 0, 1, c.token_cost);
  if (o.contains("rollout_policy")) {
    const auto& v = o.at("rollout_policy");
    const std::string s = v.is_string() ? v.get<std::string>() : "";
    if (s != "expert" && s != "random" && s != "passive") {
      throw InvalidOption(fmt::format(
          "option 'rollout_policy' = {}: expected \"expert\", \"random\" or \"passive\" "
          "(in-process code may also pass a callable to Env::set_rollout_policy)",
          v.dump()));
    }
    c.rollout_policy = s;
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
