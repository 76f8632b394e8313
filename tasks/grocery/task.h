// Grocery ordering on a delivery app: the user wants groceries delivered; the agent asks where
// they live, which store they use, what they need (quantities, brands and sizes), their diet,
// budget and delivery window, then fills the cart and checks out. An eager agent orders on guesses
// from the wrong store. Spec: tasks/grocery/README.md.
//
//   task.cpp       construction, declared options, sampling the profile and persona
//   catalog.cpp    the scenario (products, stores, personas, profiles), validated on load
//   game.h         the Episode                  user_sim.cpp  the simulated user
//   evaluator.cpp  the score                    features.cpp  features, act features, mask
//   parser.cpp     free text -> act + quantity, act -> text      expert.cpp  expert and passive
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "env/task.h"
#include "env/text.h"
#include "tasks/grocery/catalog.h"
#include "tasks/grocery/game.h"

namespace collab::tasks::grocery {

inline constexpr const char* kName = "grocery";
inline constexpr int kVersion = 0;
inline constexpr const char* kDefaultScenario = "grocery/base.json";

// Parser lexicons built once per task (parser.cpp).
struct Lexicon {
  text::PhraseMatcher types, brands, sizes, chains, cities;
  std::vector<std::string> vocabulary;  // domain words typos are corrected to
};

class Grocery final : public TaskBase<Game> {
 public:
  explicit Grocery(Setup setup);
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
  int default_max_turns() const override { return kMaxTurns; }
  std::unique_ptr<Episode> new_episode(Rng& rng, const nlohmann::json& options) const override;
  nlohmann::json scenario_info() const override;

  static constexpr int kMaxTurns = 30;
  // Act layout: [ask:<slot> ×8, choose_store:<id> ×S, add:<product> ×P, remove:<product> ×P,
  // checkout].
  size_t stores() const { return setup_.stores.size(); }
  size_t products() const { return setup_.products.size(); }
  int32_t ask_act(Slot s) const { return static_cast<int32_t>(s); }
  int32_t store_act(size_t s) const { return static_cast<int32_t>(kSlots + s); }
  int32_t add_act(size_t p) const { return static_cast<int32_t>(kSlots + stores() + p); }
  int32_t remove_act(size_t p) const {
    return static_cast<int32_t>(kSlots + stores() + products() + p);
  }
  int32_t checkout_act() const { return static_cast<int32_t>(kSlots + stores() + 2 * products()); }
  bool is_ask(int32_t a) const { return a >= 0 && a < static_cast<int32_t>(kSlots); }
  bool is_store(int32_t a) const { return a >= store_act(0) && a < add_act(0); }
  bool is_add(int32_t a) const { return a >= add_act(0) && a < remove_act(0); }
  bool is_remove(int32_t a) const { return a >= remove_act(0) && a < checkout_act(); }
  size_t store_of(int32_t a) const { return static_cast<size_t>(a - store_act(0)); }
  size_t product_of(int32_t a) const {
    return static_cast<size_t>(is_add(a) ? a - add_act(0) : a - remove_act(0));
  }
  const Setup& setup() const { return setup_; }
  const Lexicon& lexicon() const { return lex_; }
  size_t brand_label(size_t p) const { return brand_of_[p]; }
  size_t size_label(size_t p) const { return size_of_[p]; }

  // A game on a given profile (tests, tools); new_episode samples these.
  std::unique_ptr<Game> make_game(const Profile& p, const Persona& persona) const;
  // The product a mention of `type` means given the dialogue (the stated product; else one the
  // cart's store carries and has; else the type's first product). brand/size filter when given.
  size_t resolve_product(const DialogueState& st, size_t type, std::optional<size_t> brand,
                         std::optional<size_t> size) const;
  // The store "<chain>" means given the dialogue (its store in the stated city, else the first).
  size_t resolve_store(const DialogueState& st, size_t chain, std::optional<size_t> city) const;

 protected:
  Action expert(const Game& game, Rng& rng) const override;
  Action passive(const Game& game, Rng& rng) const override;

 private:
  void build_lexicon();

  Setup setup_;
  Lexicon lex_;
  std::vector<size_t> train_, test_, all_;
  std::vector<size_t> brand_of_, size_of_;  // per product: its brand / size label in lex_
};

// The text channel (parser.cpp): what `text` means given the dialogue so far.
Parsed parse_text(const Grocery& t, const DialogueState& st, std::string_view text);
std::string render_act(const Grocery& t, int32_t act, const Content& content);

}  // namespace collab::tasks::grocery
