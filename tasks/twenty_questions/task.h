// 20 Questions: the user thinks of an everyday object; the agent asks yes/no questions and guesses.
// The spec (acts, features, user, evaluator, expert) is tasks/twenty_questions/README.md.
//
// The task is split the way every task is (DESIGN §4):
//   task.cpp       construction, declared options, sampling the goal and persona
//   game.h         the Episode: one conversation's state
//   user_sim.cpp   the simulated user (opening, answers, noise, patience) and the encodings
//   evaluator.cpp  the score
//   parser.cpp     free text -> act, act -> text (v0/v1: the legacy matcher)
//   understand.cpp how the v2 user reads a message: asking clause, head noun, guess shapes
//   expert.cpp     the Bayesian expert and the passive baseline (dialogue state only)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "env/task.h"
#include "env/text.h"
#include "tasks/twenty_questions/catalog.h"
#include "tasks/twenty_questions/game.h"
#include "tasks/twenty_questions/understand.h"

namespace collab::tasks::twenty_questions {

inline constexpr const char* kName = "twenty_questions";
// v2 reads questions as people ask them (understand.h), answers unknown questions honestly, says
// what it understood, and plays the larger v2 catalog. v1 adds act features to v0. v0 and v1 stay
// registered, with their own scenario and the legacy parser, so that earlier traces, checkpoints
// and figures still replay and compare.
inline constexpr int kVersion = 2;
inline constexpr const char* kDefaultScenario = "twenty_questions/common-v2.json";
inline constexpr const char* kLegacyScenario = "twenty_questions/common.json";  // v0, v1
// v2's act for a question about something the catalog does not record ("I'm not sure").
inline constexpr const char* kAskOther = "ask_other";
inline constexpr const char* kAskOtherText = "Is there anything else you can tell me about it?";

class TwentyQuestions final : public TaskBase<Game> {
 public:
  explicit TwentyQuestions(Catalog catalog, int version = kVersion);
  static std::shared_ptr<const Task> from_file(const std::string& path);
  static std::shared_ptr<const Task> from_file_v0(const std::string& path);
  static std::shared_ptr<const Task> from_file_v1(const std::string& path);
  static constexpr const char* kTaskName = kName;
  static constexpr int kTaskVersion = kVersion;
  static constexpr const char* kTaskDefaultScenario = kDefaultScenario;
  using TaskBase<Game>::expert;
  using TaskBase<Game>::passive;

  std::string name() const override { return kName; }
  int version() const override { return version_; }
  std::string description() const override;
  std::string instructions() const override;
  int default_max_turns() const override { return catalog_.patience; }
  std::unique_ptr<Episode> new_episode(Rng& rng, const nlohmann::json& options) const override;
  nlohmann::json scenario_info() const override;

  // Parser (parser.cpp): the act a message means, if any (v0/v1: the legacy matcher; v2: the
  // Reader of understand.h).
  std::optional<int32_t> parse_text(std::string_view text) const;
  std::string render_act(int32_t act) const;
  // v2: how the user reads a message (kind, attribute or object, the clause read).
  Reading read(std::string_view text) const { return reader_->read(text); }

  // Act layout: [ask:<attribute>…, guess:<object>…] and, from v2, ask_other last.
  int32_t ask_act(size_t attribute) const { return static_cast<int32_t>(attribute); }
  int32_t guess_act(size_t object) const {
    return static_cast<int32_t>(catalog_.attributes.size() + object);
  }
  bool is_ask(int32_t act) const { return act < static_cast<int32_t>(catalog_.attributes.size()); }
  bool is_guess(int32_t act) const { return !is_ask(act) && !is_ask_other(act); }
  std::optional<int32_t> ask_other_act() const {
    if (version_ < 2) return std::nullopt;
    return static_cast<int32_t>(catalog_.attributes.size() + catalog_.objects.size());
  }
  bool is_ask_other(int32_t act) const { return version_ >= 2 && act == *ask_other_act(); }
  const Catalog& catalog() const { return catalog_; }

  // The noise level the expert (and the act features) assume when weighing answers; the persona's
  // real noise is never seen.
  static constexpr double kExpertAssumedNoise = 0.05;
  // P(object | dialogue) under that noise model, over objects not guessed yet (expert.cpp);
  // `post` gets one value per object, summing to 1.
  void posterior(const Game& game, std::span<double> post) const;
  // Act features of v1 (features.cpp), row-major [acts][kActFeatures].
  static constexpr size_t kActFeatures = 8;
  void write_act_features(const Game& game, std::span<float> out) const;

 protected:
  // expert.cpp
  Action expert(const Game& game, Rng& rng) const override;
  Action passive(const Game& game, Rng& rng) const override;

 private:
  int32_t expert_act(const Game& game) const;

  Catalog catalog_;
  int version_;
  std::vector<size_t> train_, test_, all_;  // object indices by split
  text::PhraseMatcher attribute_phrases_;   // label = attribute index (legacy parser)
  text::PhraseMatcher object_names_;        // label = object index (legacy parser)
  std::shared_ptr<const Reader> reader_;    // v2 parser
  std::vector<double> yes_ind_, some_ind_;  // [attribute * objects + object]: 1 if the value holds
};

}  // namespace collab::tasks::twenty_questions
