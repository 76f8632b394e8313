// The grocery evaluator: order F1 over the wanted items with partial credit per matched line
// (type 0.4, brand 0.2, size 0.2, quantity 0.2 × min/max), times gates: the right store (else 0),
// the delivery address given (else 0), within budget (else 0.5); an unknown delivery window costs
// 10%. A user who gave up gets nothing. Works on unfinished conversations (the cart as it stands).
#include <fmt/format.h>

#include <algorithm>

#include "tasks/grocery/task.h"

namespace collab::tasks::grocery {

namespace {

struct Eval {
  double precision = 0, recall = 0, f1 = 0, total = 0;
  bool store_ok = false, address_ok = false, budget_ok = true, delivery_ok = false, exact = false;
  double score = 0;
};

Eval evaluate(const Setup& s, const Profile& prof, const DialogueState& st, bool gave_up) {
  Eval e;
  double credit = 0;
  bool exact = true;
  for (const auto& w : prof.items) {
    const Product& wp = s.products[w.product];
    double best = 0;
    for (size_t p = 0; p < st.cart.size(); ++p) {
      if (st.cart[p] <= 0 || s.products[p].type != wp.type) continue;
      const Product& cp = s.products[p];
      const double q = static_cast<double>(std::min(st.cart[p], w.quantity)) /
                       static_cast<double>(std::max(st.cart[p], w.quantity));
      best =
          std::max(best, 0.4 + 0.2 * (cp.brand == wp.brand) + 0.2 * (cp.size == wp.size) + 0.2 * q);
    }
    exact &= best >= 1 - 1e-9;
    credit += best;
  }
  const int lines = st.cart_lines();
  exact &= lines == static_cast<int>(prof.items.size());
  e.precision = lines > 0 ? credit / lines : 0;
  e.recall = prof.items.empty() ? 0 : credit / static_cast<double>(prof.items.size());
  e.f1 = e.precision + e.recall > 0 ? 2 * e.precision * e.recall / (e.precision + e.recall) : 0;
  e.total = st.cart_total(s);
  e.store_ok = st.store >= 0 && static_cast<size_t>(st.store) == prof.store;
  e.address_ok = st.known[static_cast<size_t>(Slot::kAddress)] != 0;
  e.budget_ok = e.total <= prof.budget + 1e-9;
  e.delivery_ok = st.known[static_cast<size_t>(Slot::kDelivery)] != 0;
  e.score = gave_up ? 0
                    : e.f1 * (e.store_ok ? 1 : 0) * (e.address_ok ? 1 : 0) *
                          (e.budget_ok ? 1 : 0.5) * (e.delivery_ok ? 1 : 0.9);
  e.exact = exact && !gave_up && e.store_ok && e.address_ok && e.budget_ok && e.delivery_ok;
  return e;
}

}  // namespace

Score Game::score() const {
  const Eval e = evaluate(task_->setup(), *profile_, st_, gave_up_);
  return {e.score, e.exact && st_.checked_out};
}

nlohmann::json Game::score_components() const {
  const Eval e = evaluate(task_->setup(), *profile_, st_, gave_up_);
  return {{"profile", profile_->id},
          {"persona", persona_->name},
          {"f1", e.f1},
          {"precision", e.precision},
          {"recall", e.recall},
          {"store_ok", e.store_ok},
          {"address_ok", e.address_ok},
          {"budget_ok", e.budget_ok},
          {"delivery_ok", e.delivery_ok},
          {"cart_total", e.total},
          {"cart_lines", st_.cart_lines()},
          {"wanted_items", profile_->items.size()},
          {"checked_out", st_.checked_out},
          {"gave_up", gave_up_},
          {"questions", st_.questions},
          {"objections", st_.objections},
          {"turns_used", st_.turns}};
}

}  // namespace collab::tasks::grocery
