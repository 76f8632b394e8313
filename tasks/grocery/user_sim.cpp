// The simulated user of grocery: the vague opening (detail by persona), answers to questions about
// each slot, objections to wrong items, stores and overspending, patience, and the verdict at
// checkout. Spec: README.md "User".
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "tasks/grocery/task.h"

namespace collab::tasks::grocery {

namespace {

std::string join_and(const std::vector<std::string>& xs) {
  if (xs.empty()) return "";
  if (xs.size() == 1) return xs[0];
  return fmt::format("{} and {}", fmt::join(xs.begin(), xs.end() - 1, ", "), xs.back());
}

std::string diet_words(const std::array<uint8_t, kDiets>& d) {
  std::vector<std::string> xs;
  for (size_t i = 0; i < kDiets; ++i) {
    if (d[i]) xs.push_back(kTags[i]);
  }
  return join_and(xs);
}

}  // namespace

double DialogueState::cart_total(const Setup& s) const {
  if (store < 0) return 0;
  const Store& x = s.stores[static_cast<size_t>(store)];
  double total = 0;
  for (size_t p = 0; p < cart.size(); ++p) {
    if (cart[p] > 0 && x.carries(p)) total += x.items[p]->price * cart[p];
  }
  return total;
}

int DialogueState::cart_lines() const {
  return static_cast<int>(std::count_if(cart.begin(), cart.end(), [](int q) { return q > 0; }));
}

Game::Game(const Grocery* task, const Profile* profile, const Persona* persona)
    : task_(task), profile_(profile), persona_(persona) {
  const Setup& s = task_->setup();
  st_.named.assign(s.types.size(), 0);
  st_.quantity.assign(s.types.size(), 0);
  st_.preferred.assign(s.types.size(), -1);
  st_.cart.assign(s.products.size(), 0);
  opening_ = "Help me buy groceries on the delivery app.";
  if (persona_->opening_detail >= 2) {
    st_.chain = static_cast<int>(s.stores[profile_->store].chain_index);
    st_.known[static_cast<size_t>(Slot::kStore)] = 1;
    opening_ += fmt::format(" I shop at {}.", s.stores[profile_->store].chain);
  }
  if (persona_->opening_detail >= 1) {
    opening_ += fmt::format(" I need {}.", say_items(persona_->volunteers_quantities, false));
  }
}

bool Game::wanted_type(size_t type) const {
  const Setup& s = task_->setup();
  return std::any_of(profile_->items.begin(), profile_->items.end(),
                     [&](const WantedItem& w) { return s.products[w.product].type == type; });
}

void Game::reveal_list() {
  const Setup& s = task_->setup();
  for (const auto& w : profile_->items) st_.named[s.products[w.product].type] = 1;
  st_.known[static_cast<size_t>(Slot::kList)] = 1;
}

std::string Game::say_items(bool quantities, bool brands) {
  const Setup& s = task_->setup();
  reveal_list();
  std::vector<std::string> parts;
  for (const auto& w : profile_->items) {
    const Product& p = s.products[w.product];
    std::string x = brands ? fmt::format("{} {} ({})", p.brand, p.name, p.size) : p.name;
    if (quantities) {
      x = fmt::format("{} {}", w.quantity, x);
      st_.quantity[p.type] = w.quantity;
    }
    if (brands) st_.preferred[p.type] = static_cast<int>(w.product);
    parts.push_back(std::move(x));
  }
  if (quantities) st_.known[static_cast<size_t>(Slot::kQuantity)] = 1;
  if (brands) st_.known[static_cast<size_t>(Slot::kBrand)] = 1;
  return join_and(parts);
}

UserReply Game::answer(Slot slot) {
  const Setup& s = task_->setup();
  const size_t i = static_cast<size_t>(slot);
  UserReply r;
  const bool known = st_.known[i] != 0;
  r.event = known ? Event::kRedundant : Event::kInformative;
  const char* again = known ? "As I said, " : "";
  switch (slot) {
    case Slot::kAddress:
      st_.city = static_cast<int>(profile_->city);
      r.text = fmt::format("{}{}, {}.", known ? "As I said: " : "Deliver to ", profile_->address,
                           s.cities[profile_->city]);
      break;
    case Slot::kStore:
      st_.chain = static_cast<int>(s.stores[profile_->store].chain_index);
      r.text = fmt::format("{}I usually shop at {}.", again, s.stores[profile_->store].chain);
      break;
    case Slot::kList:
      r.text = fmt::format("{}I need {}.", again,
                           say_items(persona_->volunteers_quantities || st_.known[3] != 0, false));
      break;
    case Slot::kQuantity:
      r.text = fmt::format("{}{}.", known ? "As I said: " : "I need ", say_items(true, false));
      break;
    case Slot::kBrand:
      r.text = fmt::format("{}{}.", known ? "As I said: " : "I'd like ",
                           say_items(st_.known[3] != 0, true));
      break;
    case Slot::kDiet: {
      std::copy(profile_->diet.begin(), profile_->diet.end(), st_.diet.begin());
      const std::string d = diet_words(st_.diet);
      r.text = d.empty() ? fmt::format("{}no dietary restrictions.", known ? "As I said, " : "No, ")
                         : fmt::format("{}I'm {}.", again, d);
      if (!known && !d.empty()) r.text[0] = 'I';
      break;
    }
    case Slot::kBudget:
      st_.budget = profile_->budget;
      r.text = fmt::format("{}I'd like to keep it under {}.", again, money(profile_->budget));
      break;
    case Slot::kDelivery:
      r.text = fmt::format("{}{}, please.", known ? "As I said: " : "", profile_->delivery);
      if (!known)
        r.text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(r.text[0])));
      break;
  }
  st_.known[i] = 1;
  return r;
}

UserReply Game::add(size_t product, int quantity) {
  const Setup& s = task_->setup();
  const Product& p = s.products[product];
  UserReply r;
  std::vector<std::string> say;
  if (st_.store < 0) {
    st_.store = 0;  // the app's default store
    say.push_back(
        fmt::format("(The app put it in the {} {} cart.)", s.stores[0].chain, s.stores[0].city));
  }
  const Store& store = s.stores[static_cast<size_t>(st_.store)];
  if (!store.carries(product)) {
    ++st_.objections;
    say.push_back(
        fmt::format("{} in {} doesn't carry {} {}.", store.chain, store.city, p.brand, p.name));
    r.text = fmt::format("{}", fmt::join(say, " "));
    return r;
  }
  if (!store.items[product]->available) {
    say.push_back(fmt::format("The app says {} {} is out of stock.", p.brand, p.name));
    r.text = fmt::format("{}", fmt::join(say, " "));
    return r;
  }
  st_.cart[product] += std::max(1, quantity);
  bool wrong = false, contradicts = false;
  if (static_cast<size_t>(st_.store) != profile_->store) {
    wrong = true;
    contradicts |= st_.city >= 0 || st_.chain >= 0;
    say.push_back("That's not the store I use.");
  }
  const auto want =
      std::find_if(profile_->items.begin(), profile_->items.end(),
                   [&](const WantedItem& w) { return s.products[w.product].type == p.type; });
  if (want == profile_->items.end()) {
    wrong = true;
    contradicts |= st_.known[static_cast<size_t>(Slot::kList)] != 0;
    std::string x = fmt::format("I didn't ask for {}", p.name);
    for (size_t d = 0; d < kDiets; ++d) {
      if (profile_->diet[d] && !p.tags[d]) {
        x += fmt::format(" — and I'm {}", kTags[d]);
        break;
      }
    }
    say.push_back(x + ".");
  } else if (want->product != product) {
    wrong = true;
    contradicts |= st_.preferred[p.type] >= 0;
    say.push_back(fmt::format("That's not the {} I want.", p.name));
  } else if (st_.cart[product] != want->quantity) {
    if (st_.quantity[p.type] > 0) wrong = contradicts = true;
    st_.quantity[p.type] = want->quantity;
    say.push_back(fmt::format("I need {} of those, not {}.", want->quantity, st_.cart[product]));
  }
  const double total = st_.cart_total(s);
  if (total > profile_->budget + 1e-9) {
    wrong = true;
    contradicts |= !std::isnan(st_.budget);
    st_.budget = profile_->budget;
    st_.known[static_cast<size_t>(Slot::kBudget)] = 1;
    say.push_back(fmt::format("That puts the cart at {}, over my budget of {}.", money(total),
                              money(profile_->budget)));
  }
  if (wrong) {
    ++st_.objections;
    if (contradicts) r.event = Event::kIgnored;
  } else if (say.empty() || say.back().front() == '(') {
    say.push_back("Great, thanks.");
  }
  r.text = fmt::format("{}", fmt::join(say, " "));
  return r;
}

UserReply Game::remove(size_t product) {
  const Setup& s = task_->setup();
  const Product& p = s.products[product];
  UserReply r;
  if (st_.cart[product] == 0) {
    r.event = Event::kIrrelevant;
    r.text = fmt::format("There's no {} {} in the cart.", p.brand, p.name);
    return r;
  }
  st_.cart[product] = 0;
  const bool wanted = std::any_of(profile_->items.begin(), profile_->items.end(),
                                  [&](const WantedItem& w) { return w.product == product; });
  if (wanted) {
    ++st_.objections;
    r.event = Event::kIgnored;
    r.text = fmt::format("Hey, I wanted the {}!", p.name);
  } else {
    r.text = "OK, good.";
  }
  return r;
}

UserReply Game::choose_store(size_t store) {
  const Setup& s = task_->setup();
  const Store& x = s.stores[store];
  UserReply r;
  std::vector<std::string> say;
  int dropped = 0;
  for (size_t p = 0; p < st_.cart.size(); ++p) {
    if (st_.cart[p] > 0 && !x.carries(p)) st_.cart[p] = 0, ++dropped;
  }
  st_.store = static_cast<int>(store);
  if (dropped > 0)
    say.push_back(fmt::format("({} item{} that store doesn't carry left the cart.)", dropped,
                              dropped == 1 ? "" : "s"));
  if (store == profile_->store) {
    say.push_back("Yes, that's my store.");
  } else {
    ++st_.objections;
    const bool contradicts = (st_.city >= 0 && static_cast<size_t>(st_.city) != x.city_index) ||
                             (st_.chain >= 0 && static_cast<size_t>(st_.chain) != x.chain_index);
    if (contradicts) r.event = Event::kIgnored;
    if (x.city_index != profile_->city) {
      st_.city = static_cast<int>(profile_->city);
      say.push_back(
          fmt::format("That store is in {}, but I live in {}.", x.city, s.cities[profile_->city]));
    } else {
      say.push_back("That's not the store I use.");
    }
  }
  r.text = fmt::format("{}", fmt::join(say, " "));
  return r;
}

UserReply Game::checkout() {
  UserReply r;
  st_.checked_out = true;
  r.ended = true;
  if (st_.cart_lines() == 0) {
    r.text = "There's nothing in the cart! Never mind.";
    return r;
  }
  const Score sc = score();
  r.text = sc.success       ? "Perfect, that's exactly my order. Thanks!"
           : sc.task >= 0.5 ? "It's not quite right, but I'll take it."
                            : "No, this isn't my order. Please cancel it.";
  return r;
}

UserReply Game::respond(const AgentTurn& turn, Rng& rng) {
  (void)rng;  // the user is deterministic given the profile and persona
  const Grocery& t = *task_;
  ++st_.turns;
  UserReply r;
  if (!turn.act) {
    const bool question = turn.text.find('?') != std::string_view::npos;
    if (question) r.event = Event::kIrrelevant;
    r.text = question ? "I'm not sure what you mean. I just want my groceries ordered."
                      : "Sorry, I don't follow. You can ask me about my address, store, list, "
                        "quantities, brands, diet, budget or delivery time, or fill the cart.";
  } else if (t.is_ask(*turn.act)) {
    ++st_.questions;
    st_.asked[static_cast<size_t>(*turn.act)] = 1;
    r = answer(static_cast<Slot>(*turn.act));
  } else if (t.is_store(*turn.act)) {
    r = choose_store(t.store_of(*turn.act));
  } else if (t.is_add(*turn.act)) {
    const double q = turn.content.number.value_or(1);
    r = add(t.product_of(*turn.act), static_cast<int>(std::clamp(q, 1.0, 99.0)));
  } else if (t.is_remove(*turn.act)) {
    r = remove(t.product_of(*turn.act));
  } else {
    r = checkout();
  }
  if (!r.ended && st_.questions > persona_->patience) {
    gave_up_ = r.ended = true;
    r.text += " That's enough questions — I'll do it myself.";
  } else if (!r.ended && st_.objections > persona_->tolerance) {
    gave_up_ = r.ended = true;
    r.text += " Forget it, I'll order myself.";
  }
  st_.ended = r.ended;
  return r;
}

std::string Game::goal() const {
  const Setup& s = task_->setup();
  std::vector<std::string> items;
  for (const auto& w : profile_->items)
    items.push_back(fmt::format("{}x{}", w.quantity, s.products[w.product].id));
  return fmt::format("{} ({}, {}, {}): {} | diet [{}] budget {} delivery {} (persona {})",
                     profile_->id, profile_->address, s.cities[profile_->city],
                     s.stores[profile_->store].id, fmt::join(items, ", "), diet_words([&] {
                       std::array<uint8_t, kDiets> d{};
                       std::copy(profile_->diet.begin(), profile_->diet.end(), d.begin());
                       return d;
                     }()),
                     money(profile_->budget), profile_->delivery, persona_->name);
}

}  // namespace collab::tasks::grocery
