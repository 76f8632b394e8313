// What the grocery agent sees besides the text: features, per-act features and the mask, all from
// the dialogue state (what the user said, what the agent did) and public catalog data, never from
// the hidden profile.
#include <algorithm>
#include <cmath>

#include "tasks/grocery/task.h"

namespace collab::tasks::grocery {

namespace {

constexpr size_t kActFeatures = 20;

float clip(double x, double hi) { return static_cast<float>(std::clamp(x, 0.0, hi)); }

double named_missing_share(const Setup& s, const DialogueState& st) {
  int named = 0, missing = 0;
  for (size_t t = 0; t < st.named.size(); ++t) {
    if (!st.named[t]) continue;
    ++named;
    bool have = false;
    for (size_t p = 0; p < st.cart.size(); ++p) have |= st.cart[p] > 0 && s.products[p].type == t;
    missing += !have;
  }
  return named > 0 ? static_cast<double>(missing) / named : 1.0;
}

}  // namespace

void Game::features(std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const Setup& s = task_->setup();
  for (size_t i = 0; i < kSlots; ++i) {
    out[i] = st_.known[i];
    out[kSlots + i] = st_.asked[i];
  }
  float* f = &out[2 * kSlots];
  f[0] = st_.store >= 0;
  if (st_.store >= 0) {
    const Store& x = s.stores[static_cast<size_t>(st_.store)];
    f[1] = st_.city >= 0 && st_.chain >= 0 && x.city_index == static_cast<size_t>(st_.city) &&
           x.chain_index == static_cast<size_t>(st_.chain);
  }
  const int named = static_cast<int>(std::count(st_.named.begin(), st_.named.end(), 1));
  f[2] = clip(named / 10.0, 1);
  f[3] = named > 0 ? static_cast<float>(1 - named_missing_share(s, st_)) : 0.0f;
  f[4] = clip(st_.cart_lines() / 10.0, 2);
  const double total = st_.cart_total(s);
  f[5] = !std::isnan(st_.budget) && total > st_.budget;
  f[6] = std::isnan(st_.budget) ? 0.0f : clip(total / st_.budget, 2);
  f[7] = clip(st_.questions / 12.0, 2);
  f[8] = clip(st_.objections / 4.0, 2);
  f[9] = clip(st_.turns / static_cast<double>(Grocery::kMaxTurns), 1);
}

void Game::act_features(std::span<float> out) const {
  // Row-major [acts][20]; see act_feature_names() and README.md "Act features".
  std::fill(out.begin(), out.end(), 0.0f);
  const Grocery& t = *task_;
  const Setup& s = t.setup();
  const double total = st_.cart_total(s);
  const double remaining = std::isnan(st_.budget) ? std::nan("") : st_.budget - total;
  for (size_t i = 0; i < kSlots; ++i) {
    float* row = &out[i * kActFeatures];
    row[0] = 1;
    row[5] = st_.known[i];
  }
  for (size_t k = 0; k < t.stores(); ++k) {
    float* row = &out[static_cast<size_t>(t.store_act(k)) * kActFeatures];
    const Store& x = s.stores[k];
    row[1] = 1;
    row[6] = st_.city >= 0 && x.city_index == static_cast<size_t>(st_.city);
    row[7] = st_.chain >= 0 && x.chain_index == static_cast<size_t>(st_.chain);
    row[8] = st_.store == static_cast<int>(k);
  }
  const Store* cur = st_.store >= 0 ? &s.stores[static_cast<size_t>(st_.store)] : nullptr;
  for (size_t p = 0; p < t.products(); ++p) {
    const Product& prod = s.products[p];
    const int pref = st_.preferred[prod.type];
    const int qty = std::max(1, st_.quantity[prod.type]);
    for (int kind = 0; kind < 2; ++kind) {
      float* row =
          &out[static_cast<size_t>(kind == 0 ? t.add_act(p) : t.remove_act(p)) * kActFeatures];
      row[kind == 0 ? 2 : 3] = 1;
      row[9] = st_.named[prod.type];
      if (pref >= 0) {
        const Product& want = s.products[static_cast<size_t>(pref)];
        row[10] = want.brand == prod.brand;
        row[11] = want.size == prod.size;
        row[12] = pref == static_cast<int>(p);
      }
      for (size_t d = 0; d < kDiets; ++d)
        row[13] = std::max(row[13], static_cast<float>(st_.diet[d] && !prod.tags[d]));
      if (cur != nullptr && cur->carries(p)) {
        row[14] = cur->items[p]->available;
        if (!std::isnan(remaining)) {
          const double cost = cur->items[p]->price * qty;
          row[15] = remaining > 0 ? clip(cost / remaining, 2) : 2.0f;
          row[16] = kind == 0 && cost > remaining;
        }
      }
      row[17] = st_.cart[p] > 0;
      row[18] =
          st_.cart[p] > 0 && st_.quantity[prod.type] > 0 && st_.cart[p] == st_.quantity[prod.type];
    }
  }
  float* row = &out[static_cast<size_t>(t.checkout_act()) * kActFeatures];
  row[4] = 1;
  row[19] = static_cast<float>(named_missing_share(s, st_));
}

void Game::mask(std::span<uint8_t> out) const {
  // Every act is legal, except adding a product the cart's store does not carry once a store is
  // chosen (so at the first turn every act is legal, as Gymnasium's samplers need).
  std::fill(out.begin(), out.end(), uint8_t{1});
  if (st_.store < 0) return;
  const Store& x = task_->setup().stores[static_cast<size_t>(st_.store)];
  for (size_t p = 0; p < task_->products(); ++p) {
    if (!x.carries(p)) out[static_cast<size_t>(task_->add_act(p))] = 0;
  }
}

}  // namespace collab::tasks::grocery
