// Document editing: the user shows a short document and asks, vaguely, for it to be polished; the
// version they have in mind depends on hidden preferences (tone, length, audience, structure, a
// point that must be mentioned, title style). The agent asks, assumes, or drafts; the latest draft
// is scored by BLEU-4 against the user's target. Spec: tasks/doc_edit/README.md.
//
//   task.cpp      construction, options, sampling, evaluator, features, act features, mask
//   docs.cpp      the scenario (documents as sentence units) and the renderer
//   user_sim.cpp  the simulated user             parser.cpp  free text -> act + draft, act -> text
//   expert.cpp    expert and passive
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "env/task.h"
#include "tasks/doc_edit/docs.h"
#include "tasks/doc_edit/understand.h"

namespace collab::tasks::doc_edit {

inline constexpr const char* kName = "doc_edit";
inline constexpr int kVersion = 1;  // v0: the first reader (README "Version history")
inline constexpr const char* kDefaultScenario = "doc_edit/base.json";

class DocEdit;

// What the dialogue has established about a dimension.
enum class Known : uint8_t { kOpen, kAssumed, kKnown };

// Where a draft stands in a free-text message: the document without the chatter around it.
std::optional<std::string> extract_draft(std::string_view text);

class Game final : public EpisodeBase<Game> {
 public:
  // v1's users answer in one of three voices (drawn per episode after the goal).
  enum class Voice { kBrisk, kFriendly, kChatty };
  Game(const DocEdit* task, const Document* doc, Choice goal, int opener, int patience,
       Voice voice = Voice::kFriendly);

  std::string opening() const override;
  UserReply respond(const AgentTurn& turn, Rng& rng) override;  // user_sim.cpp
  Score score() const override;
  nlohmann::json score_components() const override;
  void features(std::span<float> out) const override;
  void act_features(std::span<float> out) const override;
  void mask(std::span<uint8_t> out) const override;
  Parsed parse(std::string_view text) const override;  // parser.cpp
  Content compose(int32_t act) const override;
  std::string render(int32_t act, const Content& content) const override;
  std::string goal() const override;

  // Dialogue state (what policies may read).
  const Document& doc() const { return *doc_; }
  Known known(size_t dim) const { return known_[dim]; }
  // The value the agent works with on `dim`: stated, else assumed, else the default.
  int working(size_t dim) const { return value_[dim]; }
  int open_dims() const;
  int drafts() const { return drafts_; }
  bool last_draft_accepted() const { return satisfied_; }
  int turns() const { return turns_; }
  // The draft act mode writes: the document under the working choices.
  std::string eager_draft() const;

  // Hidden (evaluator and tests only).
  std::string target() const { return render_doc(*doc_, goal_); }
  const Choice& hidden_choice() const { return goal_; }

 private:
  UserReply answer(size_t dim);
  UserReply not_acted_on(std::string_view text) const;  // v1: says what it could not read
  Parsed parse_v0(std::string_view text) const;
  UserReply assume(size_t dim, const Content& content, Rng& rng);
  UserReply react(const std::string& draft);
  std::string say_value(size_t dim, int v) const;

  const DocEdit* task_;
  const Document* doc_;
  Choice goal_;  // hidden
  int opener_, patience_;
  Voice voice_;
  std::array<Known, kDims> known_{};
  Choice value_{};
  std::string draft_;  // the latest draft as written
  double bleu_ = 0;    // BLEU-4 of draft_ vs the target
  int drafts_ = 0, questions_ = 0, assumptions_ = 0, turns_ = 0;
  bool satisfied_ = false, gave_up_ = false, finished_ = false;
};

class DocEdit final : public TaskBase<Game> {
 public:
  explicit DocEdit(Setup setup, int version = kVersion);
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

  static constexpr int kMaxTurns = 12;
  // BLEU-4 at or above this counts as matching every preference (success).
  static constexpr double kSuccessBleu = 0.99;
  // Act layout: [ask:<dim> ×6, assume:<dim> ×6, draft, finish].
  static constexpr int32_t ask_act(size_t dim) { return static_cast<int32_t>(dim); }
  static constexpr int32_t assume_act(size_t dim) { return static_cast<int32_t>(kDims + dim); }
  static constexpr int32_t kDraft = 2 * kDims;
  static constexpr int32_t kFinish = 2 * kDims + 1;

  const Setup& setup() const { return setup_; }
  // A game on a given document and choice (tests, tools).
  std::unique_ptr<Game> make_game(size_t doc, Choice goal, int opener = 0,
                                  Game::Voice voice = Game::Voice::kFriendly) const;

 protected:
  Action expert(const Game& game, Rng& rng) const override;
  Action passive(const Game& game, Rng& rng) const override;

 private:
  Setup setup_;
  int version_;
};

}  // namespace collab::tasks::doc_edit
