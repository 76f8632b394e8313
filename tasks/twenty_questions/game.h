// One game of 20 Questions: all mutable state of one conversation (the Episode). The user
// simulator (user_sim.cpp), the evaluator (evaluator.cpp) and the parser (parser.cpp) are its
// parts; the expert (expert.cpp) reads its dialogue state — what was asked and answered — but
// never target().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "env/task.h"
#include "tasks/twenty_questions/catalog.h"

namespace collab::tasks::twenty_questions {

class TwentyQuestions;

// What the user said about one attribute (as said: noise included).
enum class Answer : int8_t { kUnasked = -1, kNo = 0, kYes = 1, kUnsure = 2 };

class Game final : public EpisodeBase<Game> {
 public:
  Game(const TwentyQuestions* task, size_t target, const Persona* persona, double noise,
       int opening_variant);

  // User simulator (user_sim.cpp).
  std::string opening() const override;
  UserReply respond(const AgentTurn& turn, Rng& rng) override;
  // Evaluator (evaluator.cpp).
  Score score() const override;
  nlohmann::json score_components() const override;
  // Encodings (user_sim.cpp).
  void features(std::span<float> out) const override;
  void mask(std::span<uint8_t> out) const override;
  void act_features(std::span<float> out) const override;  // v1 (features.cpp)
  // Text channel (parser.cpp).
  Parsed parse(std::string_view text) const override;
  std::string render(int32_t act, const Content& content) const override;

  std::string goal() const override;
  std::string persona_name() const override { return persona_->name; }

  // The dialogue so far (what the expert and the passive policy may read).
  const std::vector<Answer>& answers() const { return answers_; }
  const std::vector<uint8_t>& guessed() const { return guessed_; }
  // Bit set over objects: consistent with every answer as given (noise not modelled), not guessed.
  const std::vector<uint64_t>& consistent() const { return consistent_; }
  int questions() const { return questions_; }

 private:
  UserReply ask(size_t attribute, Rng& rng);
  UserReply guess(size_t object);
  // The reply to a question: v0/v1 "Yes." / "No."; v2 says what was understood, in the persona's
  // voice ("Yes — it is a mammal.").
  std::string answer_reply(size_t attribute, Answer a) const;

  const TwentyQuestions* task_;
  size_t target_;  // the hidden goal: read by the user simulator and the evaluator only
  const Persona* persona_;
  double noise_;
  int opening_variant_;
  std::vector<Answer> answers_;
  std::vector<uint8_t> guessed_;
  std::vector<uint64_t> consistent_;  // bit set: consistent with every answer, not guessed
  int candidates_;
  int questions_ = 0;
  int wrong_ = 0;
  bool solved_ = false;
  bool gave_up_ = false;
};

// "a dog" / "an owl".
std::string with_article(const std::string& noun);

}  // namespace collab::tasks::twenty_questions
