// Reward configuration and the conversation-level reward R* (DESIGN §5, docs/reward.md).
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "env/task.h"

namespace collab {

enum class RewardMode {
  kTerminal,   // R* of the whole conversation, once, at the end
  kMr,         // multiturn-aware reward: mean R* over S forward samples of w exchanges, each turn
  kMrDelta,    // potential-based: MR(a_t) - MR(a_{t-1}), with MR(a_0) := R*(opening)
  kImmediate,  // single-turn baseline: R* of the conversation right after the turn (w = 0)
};

std::string_view to_string(RewardMode mode);

struct RewardConfig {
  RewardMode mode = RewardMode::kMr;
  int window = 2;            // mr_window w: agent/user exchanges each forward sample plays, [0, 20]
  int samples = 3;           // mr_samples S: forward samples per turn, [1, 64]
  double w_task = 1.0;       // weight of the task score, [0, 100]
  double w_itr = 1.0;        // weight of the interactivity judge, [0, 100]
  double token_cost = 5e-4;  // lambda: cost per agent token (capped at 1 per conversation), [0, 1]
  std::string rollout_policy = "expert";  // expert | random | passive (in-process: any callable)

  // The reward options, declared once (names, defaults, ranges, help).
  static const OptionSpecs& option_specs();
  // Option names this config reads, and their defaults as JSON.
  static nlohmann::json defaults();
  // Reads the reward keys of `options` (others are ignored); throws InvalidOption naming the key,
  // the value and what is allowed.
  static RewardConfig from_options(const nlohmann::json& options);
  nlohmann::json to_json() const;
};

// Counts of interactivity events in a conversation.
struct EventCounts {
  std::array<int, kEventKinds> n{};
  void add(Event e) { ++n[static_cast<size_t>(e)]; }
  int operator[](Event e) const { return n[static_cast<size_t>(e)]; }
  int total() const { return n[0] + n[1] + n[2] + n[3]; }
  friend bool operator==(const EventCounts&, const EventCounts&) = default;
};

std::string_view to_string(Event e);

// The interactivity judge, in [0, 1]: the Laplace-smoothed share of the agent's moves that
// were good collaboration, (informative + 1) / (events + 2), where events counts informative,
// redundant, irrelevant and ignored alike. No events at all is neutral (0.5).
double interactivity(const EventCounts& events);

// R*(c) = w_task * score + w_itr * interactivity - min(lambda * agent_tokens, 1); fills `out`'s
// task, interactivity, token_cost and total.
double conversation_reward(const RewardConfig& cfg, double task_score, const EventCounts& events,
                           int agent_tokens, RewardInfo* out = nullptr);

}  // namespace collab
