// The grocery built-in policies. Both read only the dialogue state (state(): what the user's
// words established and what the agent did), never the hidden profile.
#include "tasks/grocery/task.h"

namespace collab::tasks::grocery {

Action Grocery::expert(const Game& g, Rng&) const {
  // Ask for every slot still unknown (the list comes with quantities and brands), choose the
  // stated chain's store in the stated city, add exactly the stated products and quantities, drop
  // anything else, check out.
  const DialogueState& st = g.state();
  for (size_t i = 0; i < kSlots; ++i) {
    if (!st.known[i]) return Action::from_act(ask_act(static_cast<Slot>(i)));
  }
  const size_t store =
      resolve_store(st, static_cast<size_t>(st.chain), static_cast<size_t>(st.city));
  if (st.store != static_cast<int>(store)) return Action::from_act(store_act(store));
  for (size_t p = 0; p < products(); ++p) {
    const size_t type = setup_.products[p].type;
    const bool wanted = st.named[type] && st.preferred[type] == static_cast<int>(p);
    if (st.cart[p] > 0 && (!wanted || st.cart[p] != st.quantity[type]))
      return Action::from_act(remove_act(p));
  }
  for (size_t p = 0; p < products(); ++p) {
    const size_t type = setup_.products[p].type;
    if (st.named[type] && st.preferred[type] == static_cast<int>(p) && st.cart[p] == 0) {
      return Action::from_act(add_act(p));  // compose() adds the stated quantity
    }
  }
  return Action::from_act(checkout_act());
}

Action Grocery::passive(const Game& g, Rng&) const {
  // Orders at once on guesses: the first product of each type the user named (or the catalog's
  // first product), quantity from the words or 1, from whatever store the app picks; then checks
  // out.
  const DialogueState& st = g.state();
  bool any = false;
  for (size_t t = 0; t < st.named.size(); ++t) {
    if (!st.named[t]) continue;
    any = true;
    const size_t p = resolve_product(st, t, std::nullopt, std::nullopt);
    const bool stocked =
        st.store < 0 || (setup_.stores[static_cast<size_t>(st.store)].carries(p) &&
                         setup_.stores[static_cast<size_t>(st.store)].items[p]->available);
    if (st.cart[p] == 0 && stocked) {
      bool have_type = false;
      for (size_t q = 0; q < products(); ++q)
        have_type |= st.cart[q] > 0 && setup_.products[q].type == t;
      if (!have_type) return Action::from_act(add_act(p));
    }
  }
  if (!any && st.store < 0) return Action::from_act(add_act(0));
  return Action::from_act(checkout_act());
}

}  // namespace collab::tasks::grocery
