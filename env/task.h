// What a task author implements (DESIGN §4): a Task (immutable, shared, thread-safe) that starts
// Episodes (all mutable state of one conversation, cheap to copy). The framework (env/env.h) owns
// turn limits, action validation, rewards, traces and RNG streams; a task never sees them.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "env/rng.h"
#include "env/types.h"

namespace collab {

// The simulated user's reaction to one agent turn.
struct UserReply {
  std::string text;
  bool ended = false;          // the conversation is over inside the task
  std::optional<Event> event;  // at most one event per turn
};

// Evaluator output on the conversation as it stands (finished or not).
struct Score {
  double task = 0;  // task metric in [0, 1]
  bool success = false;
};

class Episode {
 public:
  virtual ~Episode() = default;
  virtual std::unique_ptr<Episode> clone() const = 0;

  // The user's first message: vague on purpose, it withholds most of the goal.
  virtual std::string opening() const = 0;
  // React to the agent's act (nullopt: its text parsed to nothing). `rng` is this turn's user
  // stream.
  virtual UserReply respond(std::optional<int32_t> act, Rng& rng) = 0;
  // Evaluate the conversation so far. Must work on unfinished conversations.
  virtual Score score() const = 0;
  // Task-specific figures behind the score (questions used…), for reports and traces.
  virtual nlohmann::json score_components() const { return nlohmann::json::object(); }
  // Write the task's features (size = feature count) and legal-act mask (size = act count).
  virtual void features(std::span<float> out) const = 0;
  virtual void mask(std::span<uint8_t> out) const = 0;
  // Human-readable hidden goal, for summaries after the episode (never shown to agents).
  virtual std::string goal() const = 0;
};

class Task {
 public:
  virtual ~Task() = default;

  virtual std::string name() const = 0;  // "twenty_questions"
  virtual int version() const = 0;       // the N of name-vN
  std::string id() const { return name() + "-v" + std::to_string(version()); }
  virtual std::string description() const = 0;

  virtual const std::vector<std::string>& acts() const = 0;  // "ask:alive", "guess:dog"…
  virtual const std::vector<std::string>& feature_names() const = 0;
  virtual int default_max_turns() const = 0;

  // Task-specific episode options (split, noise…) with their defaults, e.g. {"split": "train"}.
  virtual nlohmann::json option_defaults() const = 0;
  // Throws InvalidOption naming the key and the expected values.
  virtual void validate_options(const nlohmann::json& options) const = 0;
  // Sample the hidden goal and persona. `options` holds every key of option_defaults().
  virtual std::unique_ptr<Episode> new_episode(Rng& rng, const nlohmann::json& options) const = 0;

  // Text channel: parse free text into an act (nullopt if it means nothing here); render an act.
  virtual std::optional<int32_t> parse(std::string_view text, const Episode& ep) const = 0;
  virtual std::string render(int32_t act) const = 0;

  // Built-in policies the framework needs for rollouts and baselines.
  virtual int32_t expert_act(const Episode& ep, Rng& rng) const = 0;   // a strong collaborator
  virtual int32_t passive_act(const Episode& ep, Rng& rng) const = 0;  // never asks: acts at once

  // Scenario metadata for specs and trace headers: the file and its content hash.
  virtual nlohmann::json scenario_info() const = 0;
};

}  // namespace collab
