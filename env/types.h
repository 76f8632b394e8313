// Values exchanged across the environment contract (DESIGN §3).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace collab {

// Things the simulated user noticed about the agent's turn; the interactivity judge counts them.
enum class Event : uint8_t {
  kInformative,  // a question that drew out missing, goal-relevant information
  kRedundant,    // a question whose answer was already known or implied
  kIrrelevant,   // a question about something that does not bear on the goal
  kIgnored,      // an action that contradicts what the user already said
};
inline constexpr int kEventKinds = 4;

// What an act carries beyond its index: a draft to be scored as written, a number (a final
// answer, a quantity). Parsed from the agent's text, or composed by the task in act mode.
struct Content {
  std::string body;              // a draft or other free-form payload ("" = none)
  std::optional<double> number;  // an answer, a quantity (nullopt = none)
  bool empty() const { return body.empty() && !number.has_value(); }
  bool operator==(const Content&) const = default;
};

// What the agent does on its turn. At least one channel must be set.
//  - act only:   a dialogue act index (RL policies); the task composes its content (from what the
//                agent has learned plus the eager defaults) and renders it as text.
//  - text only:  free text (language agents); the task parses it into an act and its content, or
//                into nothing.
//  - both:       the act is what happens; the text is what the agent literally said (trace,
//                tokens). If the text parses to the same act, its content is used as written;
//                otherwise the task composes the content as in act mode.
struct Action {
  std::string text;
  std::optional<int32_t> act;

  static Action from_act(int32_t a) { return Action{{}, a}; }
  static Action from_text(std::string t) { return Action{std::move(t), std::nullopt}; }
};

struct Observation {
  std::string text;                  // the simulated user's latest message
  std::vector<float> features;       // task encoding, size == spec feature count F
  std::vector<float> act_features;   // row-major [A][K]: per-act features (K may be 0)
  std::vector<uint8_t> action_mask;  // 1 = act legal now, size == act count A
  int turn = 0;                      // agent turns taken so far in this episode
};

// Caller-owned buffers an observation's arrays are written into (VectorEnv rows, wire buffers):
// features.size() == F, act_features.size() == A*K, action_mask.size() == A.
struct ObservationView {
  std::span<float> features;
  std::span<float> act_features;
  std::span<uint8_t> action_mask;
};

// Breakdown of one turn's reward (DESIGN §5). All zero where the mode does not compute a part.
struct RewardInfo {
  double task = 0;           // evaluator score of the conversation as it stands, [0, 1]
  double interactivity = 0;  // rule-based judge, [0, 1]
  double token_cost = 0;     // min(lambda * agent_tokens, 1)
  double total = 0;          // R* = w_task*task + w_itr*interactivity - token_cost
  double mr = 0;             // mean R* over the forward samples (mr modes)
  double spread = 0;         // population std-dev of the samples' R*
  int samples = 0;           // forward samples played this turn
  // Only when a rollout agent plays the futures (env/rollout_agent.h):
  bool remote_rollouts = false;  // info.reward then carries the two counts below
  int rollout_calls = 0;         // futures' agent turns asked of it this turn
  int rollout_fallbacks = 0;     // futures the expert finished because a query failed
};

// An external user's part in one agent turn (docs/external-users.md); present in StepInfo only
// when the environment has one.
struct UserTurnInfo {
  std::string model;                   // the external user's name (option `user`)
  std::optional<int32_t> rule_act;     // the rule-based user's reading of the agent's text
  bool external_read = false;          // the external user gave a reading that was used
  std::optional<int32_t> external_act; // …and the act it read (nullopt: "means nothing")
  bool external_reading = false;       // the external reading differed and replaced the rule one
  bool external_reply = false;         // the reply text sent is the external user's phrasing
  std::string fallback;                // why the rule-based user stood in ("" = it did not)
  int calls = 0;                       // requests to the external user for this turn itself
  int turn_calls = 0;                  // …plus those of this turn's MR forward samples
  int turn_fallbacks = 0;              // fallbacks among turn_calls' turns
};

// What step() reports besides the observation, in typed form (see Env::info_json for the JSON).
struct StepInfo {
  std::optional<int32_t> act;  // the act that happened; empty when text parsed to nothing
  bool understood = true;      // false when free text parsed to no act
  std::string agent_text;      // what the agent said (its text, or the act's rendering)
  Content content;             // what the act carried (parsed from the text, or composed)
  int agent_tokens = 0;        // tokens of this turn's agent message
  std::optional<Event> event;  // what the user noticed about this turn (interactivity judge)
  double score = 0;            // evaluator score now, [0, 1]
  bool success = false;        // evaluator success now
  RewardInfo reward;
  std::optional<UserTurnInfo> user;  // only with an external user
};

struct ResetResult {
  Observation obs;
  uint64_t seed = 0;  // the episode seed actually used (replays the episode)
};

struct StepResult {
  Observation obs;
  double reward = 0;
  bool terminated = false;  // ended inside the task (solved, user gave up, final answer)
  bool truncated = false;   // cut from outside (turn limit)
  StepInfo info;
};

}  // namespace collab
