// Guess the number: the tutorial task of docs/authoring.md. The user picks an integer in
// [low, high]; the agent asks "Is it above T?" for thresholds T from the scenario, and guesses a
// number. A wrong guess is only told "no", and the user gives up after a few: guessing blindly
// rarely wins, asking first does. Spec: tasks/guess_number/README.md.
//
// It shows every part of the v2 contract in one small file pair:
//   * declared options (split), validated by the framework;
//   * an act that carries content: `guess` carries the number. In act mode the task composes it
//     (the middle of what is still possible: the eager assumption); in text mode the number is
//     read from the agent's words ("I think it's 37") and judged as written;
//   * act features: for each act, how it would split what is still possible — computed from the
//     dialogue only, never from the hidden number;
//   * a privileged expert that reads the dialogue state (the known interval), never the goal.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "env/scenario.h"
#include "env/task.h"

namespace collab::tasks::guess_number {

inline constexpr const char* kName = "guess_number";
inline constexpr int kVersion = 0;
inline constexpr const char* kDefaultScenario = "guess_number/default.json";

// The scenario (scenarios/guess_number/*.json): the range, the thresholds the user answers
// about, and the user's patience. Goals split by parity: even numbers train, odd numbers test.
struct Setup {
  std::string path, hash;
  std::string instructions;  // the scenario's own agent instructions ("": the task's)
  int low = 1, high = 100;
  std::vector<int> thresholds;  // strictly increasing, each in [low, high)
  int patience = 12;            // agent turns before the user stops the game
  int max_wrong_guesses = 5;    // wrong guesses before the user gives up
  // Reads and validates; throws ScenarioError listing every problem with its JSON path.
  static Setup load(const ScenarioFile& file);
};

class GuessNumber;

// One game. Dialogue state: the interval [lo_, hi_] the answers so far allow, and the turns used.
class Game final : public EpisodeBase<Game> {
 public:
  Game(const GuessNumber* task, int target);

  std::string opening() const override;
  UserReply respond(const AgentTurn& turn, Rng& rng) override;
  Score score() const override;
  nlohmann::json score_components() const override;
  void features(std::span<float> out) const override;
  void act_features(std::span<float> out) const override;
  void mask(std::span<uint8_t> out) const override;
  Parsed parse(std::string_view text) const override;
  Content compose(int32_t act) const override;
  std::string render(int32_t act, const Content& content) const override;
  std::string goal() const override { return std::to_string(target_); }

  // What the expert may read: the interval the answers allow, and the numbers already guessed.
  int lo() const { return lo_; }
  int hi() const { return hi_; }
  // Numbers in [lo, hi] not guessed yet, and the middle one of them (the eager guess).
  int open_count() const;
  int middle_open() const;

 private:
  const GuessNumber* task_;
  int target_;  // the hidden goal: read by respond() and score() only
  int lo_, hi_;
  std::vector<int> guessed_;  // wrong guesses so far
  int turns_ = 0;
  bool solved_ = false;
  bool gave_up_ = false;
};

class GuessNumber final : public TaskBase<Game> {
 public:
  explicit GuessNumber(Setup setup);
  static std::shared_ptr<const Task> from_file(const std::string& path);
  static constexpr const char* kTaskName = kName;
  static constexpr int kTaskVersion = kVersion;
  static constexpr const char* kTaskDefaultScenario = kDefaultScenario;
  using TaskBase<Game>::expert;
  using TaskBase<Game>::passive;

  std::string name() const override { return kName; }
  int version() const override { return kVersion; }
  std::string description() const override;
  std::string instructions() const override;
  int default_max_turns() const override { return setup_.patience; }
  std::unique_ptr<Episode> new_episode(Rng& rng, const nlohmann::json& options) const override;
  nlohmann::json scenario_info() const override;

  const Setup& setup() const { return setup_; }
  // Act layout: [ask:above:<T> for each threshold…, guess].
  int32_t guess_act() const { return static_cast<int32_t>(setup_.thresholds.size()); }

 protected:
  Action expert(const Game& game, Rng& rng) const override;
  Action passive(const Game& game, Rng& rng) const override;

 private:
  Setup setup_;
};

}  // namespace collab::tasks::guess_number
