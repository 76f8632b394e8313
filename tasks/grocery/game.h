// One grocery conversation (the Episode): the hidden household profile and persona, and what the
// dialogue has established (DialogueState: only the user's words). The user simulator
// (user_sim.cpp), the evaluator (evaluator.cpp), the encodings (features.cpp) and the text channel
// (parser.cpp) are its parts; the expert (expert.cpp) reads state() and never profile().
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "env/task.h"
#include "tasks/grocery/catalog.h"

namespace collab::tasks::grocery {

class Grocery;

// What the agent has learned from the user's words, and what it has done. Policies and features
// read only this.
struct DialogueState {
  std::array<uint8_t, kSlots> known{};  // the user answered (or volunteered) this slot
  std::array<uint8_t, kSlots> asked{};
  int city = -1, chain = -1;           // stated city / store chain (indices into Setup)
  std::vector<uint8_t> named;          // per type: the user named it as wanted
  std::vector<int> quantity;           // per type: stated quantity (0 = not stated)
  std::vector<int> preferred;          // per type: the product the user stated (-1 = none)
  std::array<uint8_t, kDiets> diet{};  // stated constraints
  double budget = std::nan("");        // stated budget
  int store = -1;                      // the store the cart belongs to (-1: none yet)
  std::vector<int> cart;               // per product: quantity in the cart
  int questions = 0, objections = 0, turns = 0;
  bool checked_out = false, ended = false;

  double cart_total(const Setup& s) const;  // at the cart's store (0 with no store)
  int cart_lines() const;
};

class Game final : public EpisodeBase<Game> {
 public:
  Game(const Grocery* task, const Profile* profile, const Persona* persona);

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

  const DialogueState& state() const { return st_; }
  const Grocery& task() const { return *task_; }
  // Hidden (the evaluator, the user and tests only).
  const Profile& profile() const { return *profile_; }
  const Persona& persona() const { return *persona_; }
  bool gave_up() const { return gave_up_; }

 private:
  UserReply answer(Slot slot);
  UserReply add(size_t product, int quantity);
  UserReply remove(size_t product);
  UserReply choose_store(size_t store);
  UserReply checkout();
  // The list / quantities / brands as the user says them; marks what it reveals.
  std::string say_items(bool quantities, bool brands);
  void reveal_list();
  bool wanted_type(size_t type) const;

  const Grocery* task_;
  const Profile* profile_;
  const Persona* persona_;
  std::string opening_;
  DialogueState st_;
  bool gave_up_ = false;
};

}  // namespace collab::tasks::grocery
