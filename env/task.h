// What a task author implements (DESIGN §4, contract v2): a Task (immutable, shared, thread-safe)
// that starts Episodes (all mutable state of one conversation, cheap to copy). The framework
// (env/env.h) owns turn limits, action validation, option validation, rewards, traces and RNG
// streams; a task never sees them.
//
// Write a task by deriving `TaskBase<MyEpisode>` and `EpisodeBase<MyEpisode>` (below): they do the
// cloning and the one downcast, so a task's code only ever sees its own episode type. The tutorial
// is docs/authoring.md with tasks/guess_number/.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "env/error.h"
#include "env/options.h"
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

// The closed interval [low, high] every value of one feature lies in, whatever the options and
// the agent do; ±infinity where the task cannot bound it. Declared per feature (size F) and per
// act-feature column (size K, the same for every act row); spec() publishes them as the bounds of
// the observation's Boxes, and the conformance suite checks every observation against them.
struct FeatureRange {
  float low = -std::numeric_limits<float>::infinity();
  float high = std::numeric_limits<float>::infinity();
  static FeatureRange unit() { return {0.0f, 1.0f}; }  // shares, flags, used/allowed ratios
  bool bounded() const { return low > -std::numeric_limits<float>::infinity() &&
                                high < std::numeric_limits<float>::infinity(); }
};

// Text parsed into an act and what it carries (act == nullopt: the text means nothing here).
struct Parsed {
  std::optional<int32_t> act;
  Content content;
};

// One agent turn as the episode receives it.
struct AgentTurn {
  std::optional<int32_t> act;  // what happens (nullopt: the agent's text parsed to nothing)
  const Content& content;      // parsed from the agent's text, or composed by the task (act mode)
  std::string_view text;       // what the agent literally said (in act mode: the rendering)
  bool from_text = false;      // the agent wrote text (rather than only picking an act)
};

class Episode {
 public:
  virtual ~Episode() = default;
  virtual std::unique_ptr<Episode> clone() const = 0;

  // The user's first message: vague on purpose, it withholds most of the goal.
  virtual std::string opening() const = 0;
  // React to the agent's turn. `rng` is this turn's user stream.
  virtual UserReply respond(const AgentTurn& turn, Rng& rng) = 0;
  // Evaluate the conversation so far. Must work on unfinished conversations.
  virtual Score score() const = 0;
  // Task-specific figures behind the score (questions used…), for reports and traces.
  virtual nlohmann::json score_components() const { return nlohmann::json::object(); }

  // Written in place into the caller's buffers: features (size F), act features (row-major A×K,
  // from the dialogue and public scenario data only, never the hidden goal), mask (size A).
  virtual void features(std::span<float> out) const = 0;
  virtual void act_features(std::span<float> out) const { (void)out; }
  virtual void mask(std::span<uint8_t> out) const = 0;

  // Text channel. parse: free text -> act + content (may read the dialogue so far). compose: the
  // content of `act` in act mode (what the agent knows plus the eager defaults; default: none).
  // render: the text form of an act with its content; parse(render(a, c)) must give back a.
  virtual Parsed parse(std::string_view text) const = 0;
  virtual Content compose(int32_t act) const {
    (void)act;
    return {};
  }
  virtual std::string render(int32_t act, const Content& content) const = 0;

  // Human-readable hidden goal, for summaries after the episode (never shown to agents) and for
  // external users (env/user.h), who play the user that holds it.
  virtual std::string goal() const = 0;
  // The persona's name, as the scenario calls it ("" when the task has none); for external users.
  virtual std::string persona_name() const { return {}; }
};

class Task {
 public:
  virtual ~Task() = default;

  virtual std::string name() const = 0;  // "twenty_questions"
  virtual int version() const = 0;       // the N of name-vN
  std::string id() const { return name() + "-v" + std::to_string(version()); }
  virtual std::string description() const = 0;
  // What an agent is told before the user's opening (env/instructions.h): its role, how to ask,
  // act and finish in words, the limits, how its messages are read. A template ({max_turns});
  // the same for every goal of the scenario and naming none of them (the conformance suite checks
  // both). The scenario's "instructions" when it has them, else the task's own text.
  virtual std::string instructions() const = 0;

  virtual const std::vector<std::string>& acts() const = 0;  // "ask:alive", "guess:dog"…
  virtual const std::vector<std::string>& feature_names() const = 0;
  // Names of the K per-act features (empty: the task has none).
  virtual const std::vector<std::string>& act_feature_names() const {
    static const std::vector<std::string> kNone;
    return kNone;
  }
  // The range of each feature (size F) and of each act-feature column (size K). Default:
  // unbounded, which Gymnasium's checker warns about; the built-in tasks declare all of theirs.
  virtual std::vector<FeatureRange> feature_ranges() const {
    return std::vector<FeatureRange>(feature_names().size());
  }
  virtual std::vector<FeatureRange> act_feature_ranges() const {
    return std::vector<FeatureRange>(act_feature_names().size());
  }
  virtual int default_max_turns() const = 0;

  // The task's own episode options (split, noise…), declared once: the framework validates them,
  // fills defaults, and lists them in spec() and --help.
  virtual const OptionSpecs& options() const = 0;
  // Sample the hidden goal and persona. `options` holds every declared option, validated.
  virtual std::unique_ptr<Episode> new_episode(Rng& rng, const nlohmann::json& options) const = 0;

  // Built-in policies (rollouts and baselines). Both are privileged: they read the dialogue state
  // through the episode, and must never read its hidden goal (the conformance suite checks that two
  // episodes with different goals and the same dialogue get the same decision).
  virtual Action expert(const Episode& ep, Rng& rng) const = 0;   // a strong collaborator
  virtual Action passive(const Episode& ep, Rng& rng) const = 0;  // never asks: acts at once

  // Scenario metadata for specs and trace headers: at least "path" and "hash".
  virtual nlohmann::json scenario_info() const = 0;
};

// A task helper: the persona named by an option value (a string; the option's declared choices
// guarantee it exists), or one drawn in proportion to `weight` with one rng.uniform() (null).
// `personas` is any range of objects with `name` and `weight` members.
template <class Range>
const auto& pick_persona(const Range& personas, const nlohmann::json& value, Rng& rng) {
  using Persona = std::remove_cvref_t<decltype(*std::begin(personas))>;
  const Persona* chosen = nullptr;
  if (value.is_string()) {
    for (const auto& p : personas) {
      if (p.name == value.get<std::string>()) chosen = &p;
    }
  } else {
    double total = 0;
    for (const auto& p : personas) total += p.weight;
    double x = rng.uniform() * total;
    for (const auto& p : personas) {
      chosen = &p;
      if ((x -= p.weight) < 0) break;
    }
  }
  COLLAB_CHECK(chosen != nullptr);
  return *chosen;
}

// Cloning for an episode type: `class Game final : public EpisodeBase<Game>`.
template <class Derived>
class EpisodeBase : public Episode {
 public:
  std::unique_ptr<Episode> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// The base of the built-in tasks: the one downcast (a task's policies receive its own episode
// type) and the declared names and options, which the task's constructor fills in.
template <class EpisodeT>
class TaskBase : public Task {
 public:
  Action expert(const Episode& ep, Rng& rng) const final { return expert(own(ep), rng); }
  Action passive(const Episode& ep, Rng& rng) const final { return passive(own(ep), rng); }

  const std::vector<std::string>& acts() const final { return acts_; }
  const std::vector<std::string>& feature_names() const final { return features_; }
  const std::vector<std::string>& act_feature_names() const final { return act_features_; }
  const OptionSpecs& options() const final { return options_; }
  // The declared ranges; a task that declares none is unbounded (Task's default).
  std::vector<FeatureRange> feature_ranges() const final {
    return declared(feature_ranges_, features_.size(), "feature");
  }
  std::vector<FeatureRange> act_feature_ranges() const final {
    return declared(act_feature_ranges_, act_features_.size(), "act feature");
  }

 protected:
  std::vector<std::string> acts_, features_, act_features_;  // act_features_ empty: K = 0
  // Parallel to features_ and act_features_ (or empty: unbounded).
  std::vector<FeatureRange> feature_ranges_, act_feature_ranges_;
  OptionSpecs options_;

  virtual Action expert(const EpisodeT& ep, Rng& rng) const = 0;
  virtual Action passive(const EpisodeT& ep, Rng& rng) const = 0;

  const EpisodeT& own(const Episode& ep) const {
    const auto* e = dynamic_cast<const EpisodeT*>(&ep);
    if (e == nullptr) {
      throw Error(id() + ": an episode of another task was passed to this task's policy (" +
                  typeid(ep).name() + ")");
    }
    return *e;
  }

 private:
  std::vector<FeatureRange> declared(const std::vector<FeatureRange>& r, size_t n,
                                     const char* what) const {
    if (r.empty()) return std::vector<FeatureRange>(n);
    if (r.size() != n) {
      throw Error(id() + ": " + std::to_string(r.size()) + " " + what + " ranges declared for " +
                  std::to_string(n) + " " + what + "s");
    }
    return r;
  }
};

}  // namespace collab
