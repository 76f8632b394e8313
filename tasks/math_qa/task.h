// Math QA: the user has a word problem in mind and states it loosely; the agent asks for what is
// missing or blurred, confirms what is uncertain, and answers. When the statement is complete,
// answering at once is right. Spec: tasks/math_qa/README.md.
//
// The task is split the way every task is (DESIGN §4):
//   task.cpp       construction, declared options, sampling the problem, its opening and persona
//   problems.cpp   the scenario (units, templates, fixed problems, personas), validated on load
//   expr.cpp       the solver expression language        numbers.cpp  tokens, numbers, units
//   game.h         the Episode                            user_sim.cpp the simulated user
//   evaluator.cpp  the score                              features.cpp features, act features, mask
//   parser.cpp     free text -> act + number, act -> text expert.cpp   expert and passive
//   understand.cpp v1's reader of free text, on the shared quantity reader (env/quantity.h)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "env/quantity.h"
#include "env/task.h"
#include "tasks/math_qa/game.h"
#include "tasks/math_qa/problems.h"
#include "tasks/math_qa/understand.h"

namespace collab::tasks::math_qa {

inline constexpr const char* kName = "math_qa";
inline constexpr int kVersion = 1;  // v0: the first reader (README "Version history")
inline constexpr const char* kDefaultScenario = "math_qa/templates.json";

class MathQa final : public TaskBase<Game> {
 public:
  explicit MathQa(Setup setup, int version = kVersion);
  static std::shared_ptr<const Task> from_file(const std::string& path);
  static std::shared_ptr<const Task> from_file_v0(const std::string& path);
  static constexpr const char* kTaskName = kName;
  static constexpr int kTaskVersion = kVersion;
  static constexpr const char* kTaskDefaultScenario = kDefaultScenario;
  using TaskBase<Game>::expert;
  using TaskBase<Game>::passive;

  std::string name() const override { return kName; }
  int version() const override { return version_; }
  std::string description() const override;
  std::string instructions() const override;
  int default_max_turns() const override { return kMaxTurns; }
  std::unique_ptr<Episode> new_episode(Rng& rng, const nlohmann::json& options) const override;
  nlohmann::json scenario_info() const override;

  static constexpr int kMaxTurns = 10;
  // Act layout with N = setup().max_vars slots: [ask:var0 … ask:varN-1, confirm:var0 …, answer].
  size_t slots() const { return setup_.max_vars; }
  int32_t ask_act(size_t slot) const { return static_cast<int32_t>(slot); }
  int32_t confirm_act(size_t slot) const { return static_cast<int32_t>(slots() + slot); }
  int32_t answer_act() const { return static_cast<int32_t>(2 * slots()); }
  bool is_ask(int32_t a) const { return a >= 0 && a < static_cast<int32_t>(slots()); }
  bool is_confirm(int32_t a) const { return a >= confirm_act(0) && a < answer_act(); }
  size_t slot_of(int32_t a) const { return static_cast<size_t>(a) % slots(); }
  const Setup& setup() const { return setup_; }

  // How `kind` would present `truth` (nullopt when the problem cannot be presented so, e.g. no
  // blur is possible); `hidden` forces which variables are left out (fixed problems).
  std::optional<Opening> make_opening(const Problem& p, const std::vector<double>& truth,
                                      OpeningKind kind, Rng& rng,
                                      const std::vector<size_t>* hidden = nullptr) const;
  // A game on a given instance (tests, tools); new_episode samples these.
  std::unique_ptr<Game> make_game(const Problem& p, std::vector<double> truth, Opening opening,
                                  const Persona& persona, double slip, int opener = 0) const;

  // Text channel (parser.cpp): what `text` means for problem p given what the agent knows.
  Parsed parse_text(const Problem& p, const std::vector<Known>& known, std::string_view text) const;
  std::string render_act(const Problem& p, int32_t act, const Content& content) const;
  // Whether `text` reads as a question or request (parser.cpp), and whether it asks for the
  // problem's unknown itself.
  bool is_question(std::string_view text) const;
  bool asks_for_unknown(const Problem& p, std::string_view text) const;
  // v1's reading of `text` (understand.cpp), with what it could not read safely.
  Understanding understand(const Problem& p, const std::vector<Known>& known,
                           std::string_view text) const;

 protected:
  // expert.cpp
  Action expert(const Game& game, Rng& rng) const override;
  Action passive(const Game& game, Rng& rng) const override;

 private:
  struct V1Reading;  // understand.cpp
  // The scenario dimension a unit of the shared reader measures, and the factor from its base
  // unit to the scenario dimension's base unit.
  std::optional<std::pair<int, double>> shared_dimension(const collab::Unit& u) const;
  bool dimension_shared(int dimension) const;
  void map_shared_units();

  Setup setup_;
  int version_;
  std::vector<size_t> train_, test_, all_;  // problem indices eligible per split
  std::vector<std::tuple<int, collab::Unit, double>> shared_units_;  // (dimension, unit, factor)
};

// The eager reading of an opening: the solver on what is said, guesses for the rest.
double eager_answer(const Problem& p, const std::vector<Known>& known,
                    const std::vector<double>& said);
// 6 significant digits: the precision act mode answers with (and renders exactly).
double round_answer(double x);

}  // namespace collab::tasks::math_qa
