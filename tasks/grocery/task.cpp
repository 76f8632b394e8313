// Grocery: construction, declared options, sampling the household profile and the persona.
#include "tasks/grocery/task.h"

#include <fmt/format.h>

#include <algorithm>

#include "env/error.h"

namespace collab::tasks::grocery {

Grocery::Grocery(Setup setup) : setup_(std::move(setup)) {
  for (const char* s : kSlotNames) acts_.push_back(fmt::format("ask:{}", s));
  for (const auto& s : setup_.stores) acts_.push_back("choose_store:" + s.id);
  for (const auto& p : setup_.products) acts_.push_back("add:" + p.id);
  for (const auto& p : setup_.products) acts_.push_back("remove:" + p.id);
  acts_.push_back("checkout");
  for (const char* s : kSlotNames) features_.push_back(fmt::format("known_{}", s));
  for (const char* s : kSlotNames) features_.push_back(fmt::format("asked_{}", s));
  features_.insert(features_.end(), {"store_chosen", "store_matches_stated", "named_items",
                                     "named_in_cart_share", "cart_lines", "cart_over_budget",
                                     "budget_used", "questions", "objections", "turns_used"});
  act_features_ = {"is_ask",        "is_store",      "is_add",           "is_remove",
                   "is_checkout",   "slot_known",    "store_city_match", "store_chain_match",
                   "store_current", "named",         "brand_match",      "size_match",
                   "exact_match",   "diet_conflict", "carried",          "price_share",
                   "over_budget",   "in_cart",       "quantity_match",   "named_missing_share"};
  // Flags and shares in [0, 1]; cart_lines, budget_used, questions and objections are clipped
  // to 2 (features.cpp), as is price_share among the act features.
  feature_ranges_.assign(features_.size(), FeatureRange::unit());
  for (const char* two : {"cart_lines", "budget_used", "questions", "objections"}) {
    const auto at = std::find(features_.begin(), features_.end(), two) - features_.begin();
    feature_ranges_[static_cast<size_t>(at)] = {0.0f, 2.0f};
  }
  act_feature_ranges_.assign(act_features_.size(), FeatureRange::unit());
  act_feature_ranges_[static_cast<size_t>(
      std::find(act_features_.begin(), act_features_.end(), "price_share") - act_features_.begin())] =
      {0.0f, 2.0f};
  for (size_t i = 0; i < setup_.profiles.size(); ++i) {
    (setup_.profiles[i].split == Profile::Split::kTest ? test_ : train_).push_back(i);
    all_.push_back(i);
  }
  std::vector<std::string> personas;
  for (const auto& p : setup_.personas) personas.push_back(p.name);
  options_ = {
      OptionSpec::choice("split", "train", {"train", "test", "all"}, "which household profiles"),
      OptionSpec::choice("persona", "", personas, "the user persona (null: sampled by weight)")
          .or_null(),
  };
  options_[1].default_value = nullptr;
  build_lexicon();
}

std::shared_ptr<const Task> Grocery::from_file(const std::string& path) {
  return std::make_shared<const Grocery>(Setup::load(load_scenario_file(path)));
}

// What an agent is told (env/instructions.h); a scenario's "instructions" replace it.
std::string Grocery::instructions() const {
  static constexpr const char* kDefault =
      R"(You are the assistant of a grocery delivery app, ordering for the user. The user wants an order but has not said what, where, or how; ordering on guesses buys the wrong things, at the wrong store.
- Ask what you need to know, one thing per message: the delivery address, which store they shop at, what is on their list, how many of each, which brand or size, any diet, the budget, the delivery time. Example: "Which store do you usually shop at?"
- Choose the store by its chain (and city if needed): "Let's use the <chain> store in <city>."
- Add to the cart by naming the product, with brand, size and quantity when you know them: "Add 2 <product>." Remove with "Remove the <product>."
- When the cart is right, say "Please check out." This ends the conversation and the order is judged: the right items and quantities, the right store and address, within the budget.
- You have {max_turns} messages at most; the user leaves after too many questions or too many mistakes.
How your messages are read: each message is read as one request (a question, a store, an item to add or remove, or the checkout). The user answers only what was asked, says so when a message makes no sense to them, and objects to wrong items.)";
  return setup_.instructions.empty() ? std::string(kDefault) : setup_.instructions;
}

std::string Grocery::description() const {
  return fmt::format(
      "Order groceries on a delivery app ({} stores in {} cities, {} products, {} households): ask "
      "for the address, store, list, quantities, brands, diet, budget and delivery window, then "
      "fill the cart and check out. {}",
      setup_.stores.size(), setup_.cities.size(), setup_.products.size(), setup_.profiles.size(),
      setup_.description);
}

nlohmann::json Grocery::scenario_info() const {
  return {{"path", setup_.path},
          {"hash", setup_.hash},
          {"stores", setup_.stores.size()},
          {"products", setup_.products.size()},
          {"profiles", setup_.profiles.size()},
          {"train", train_.size()},
          {"test", test_.size()}};
}

std::unique_ptr<Game> Grocery::make_game(const Profile& p, const Persona& persona) const {
  return std::make_unique<Game>(this, &p, &persona);
}

std::unique_ptr<Episode> Grocery::new_episode(Rng& rng, const nlohmann::json& o) const {
  const std::string split = o.at("split").get<std::string>();
  const auto& pool = split == "train" ? train_ : split == "test" ? test_ : all_;
  COLLAB_CHECK(!pool.empty());
  const Profile& p = setup_.profiles[pool[rng.below(pool.size())]];
  return make_game(p, pick_persona(setup_.personas, o.at("persona"), rng));
}

size_t Grocery::resolve_product(const DialogueState& st, size_t type, std::optional<size_t> brand,
                                std::optional<size_t> size) const {
  std::vector<size_t> cands;
  for (size_t p = 0; p < products(); ++p) {
    if (setup_.products[p].type == type) cands.push_back(p);
  }
  COLLAB_CHECK(!cands.empty());
  auto narrow = [&](auto keep) {
    std::vector<size_t> out;
    for (size_t p : cands) {
      if (keep(p)) out.push_back(p);
    }
    if (!out.empty()) cands = std::move(out);
  };
  if (brand) narrow([&](size_t p) { return brand_of_[p] == *brand; });
  if (size) narrow([&](size_t p) { return size_of_[p] == *size; });
  if (cands.size() == 1) return cands[0];
  const int pref = st.preferred[type];
  for (size_t p : cands) {
    if (static_cast<int>(p) == pref) return p;
  }
  if (st.store >= 0) {
    const Store& s = setup_.stores[static_cast<size_t>(st.store)];
    for (size_t p : cands) {
      if (s.carries(p) && s.items[p]->available) return p;
    }
  }
  return cands[0];
}

size_t Grocery::resolve_store(const DialogueState& st, size_t chain,
                              std::optional<size_t> city) const {
  std::optional<size_t> first;
  for (size_t s = 0; s < stores(); ++s) {
    const Store& x = setup_.stores[s];
    if (x.chain_index != chain) continue;
    if (!first) first = s;
    if (city && x.city_index == *city) return s;
    if (!city && st.city >= 0 && x.city_index == static_cast<size_t>(st.city)) return s;
  }
  COLLAB_CHECK(first.has_value());
  return *first;
}

}  // namespace collab::tasks::grocery
