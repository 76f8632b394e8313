// One math_qa conversation (the Episode): the hidden problem instance, what the user has said
// about each quantity, and the final answer. The user simulator (user_sim.cpp), the evaluator
// (evaluator.cpp), the encodings (features.cpp) and the text channel (parser.cpp) are its parts;
// the expert (expert.cpp) reads known() and problem() but never truth() or answer().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "env/task.h"
#include "tasks/math_qa/problems.h"

namespace collab::tasks::math_qa {

class MathQa;

// What the dialogue has established about one quantity (from the user's words only).
enum class Known : uint8_t {
  kClear,    // stated with its unit, or answered without hedging, or confirmed
  kMissing,  // not mentioned ("some distance")
  kVague,    // words instead of a number ("a few hours")
  kRounded,  // "about 100 km"
  kNoUnit,   // a number without its unit ("90"), in fact in another unit than the canonical one
  kHedged,   // answered with "I think …" (possibly a slip), not confirmed yet
};

// How an opening presents the problem: per variable, what is shown and the number said (in the
// variable's canonical unit as an eager reader takes it: the stated number for kNoUnit, the
// rounded number for kRounded; NaN where no number is said).
struct Opening {
  OpeningKind kind = OpeningKind::kComplete;
  std::vector<Known> shown;
  std::vector<double> said;
  std::vector<double> shown_number;  // the number as written (kNoUnit: in the blur unit)
};

class Game final : public EpisodeBase<Game> {
 public:
  Game(const MathQa* task, const Problem* problem, std::vector<double> truth, Opening opening,
       const Persona* persona, double slip, int opener);

  // User simulator (user_sim.cpp).
  std::string opening() const override { return opening_; }
  UserReply respond(const AgentTurn& turn, Rng& rng) override;
  // Evaluator (evaluator.cpp).
  Score score() const override;
  nlohmann::json score_components() const override;
  // Encodings (features.cpp).
  void features(std::span<float> out) const override;
  void act_features(std::span<float> out) const override;
  void mask(std::span<uint8_t> out) const override;
  // Text channel (parser.cpp).
  Parsed parse(std::string_view text) const override;
  Content compose(int32_t act) const override;
  std::string render(int32_t act, const Content& content) const override;
  std::string goal() const override;
  std::string persona_name() const override { return persona_->name; }

  // The dialogue state (what policies may read).
  const Problem& problem() const { return *p_; }
  const std::vector<Known>& known() const { return known_; }
  const std::vector<uint8_t>& asked() const { return asked_; }
  OpeningKind opening_kind() const { return kind_; }
  int turns() const { return turns_; }
  // The value the agent works with for variable i: what the user said (canonical unit, read
  // eagerly), else the template's guess.
  double assumed(size_t i) const;
  // The solver on assumed values, rounded to 6 significant digits (what act mode answers).
  double eager_answer() const;
  // Variables not kClear.
  int unresolved() const;

  // Hidden (the evaluator and tests only).
  double answer() const { return answer_; }
  const std::vector<double>& truth() const { return truth_; }

 private:
  enum class Voice { kPrecise, kCasual, kScattered };  // v1's replies, by persona name
  Voice voice() const;
  UserReply not_acted_on(std::string_view text) const;
  UserReply ask(size_t i, Rng& rng);
  UserReply confirm(size_t i, Rng& rng);
  std::string say_value(size_t i, double value, Rng* rng) const;

  const MathQa* task_;
  const Problem* p_;
  std::vector<double> truth_;  // hidden: the problem's values
  double answer_;              // hidden: the exact answer
  const Persona* persona_;
  double slip_;
  OpeningKind kind_;
  std::string opening_;
  std::vector<double> blur_number_;  // kNoUnit: the number as stated (in the blur unit)
  std::vector<uint8_t> slipped_;     // hidden: the number said for it was a slip, uncorrected
  std::vector<Known> known_;
  std::vector<double> said_;
  std::vector<uint8_t> asked_;
  int turns_ = 0;
  int questions_ = 0;
  int confirms_ = 0;
  bool answered_ = false;
  bool correct_ = false;
  bool gave_up_ = false;
  double given_ = 0;
};

}  // namespace collab::tasks::math_qa
