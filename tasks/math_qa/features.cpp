// What the math_qa agent sees besides the text: per-slot features, per-act features and the
// mask, all from what the dialogue established (known(), asked()), never from the hidden values.
#include "tasks/math_qa/task.h"

namespace collab::tasks::math_qa {

namespace {

constexpr size_t kSlotFeatures = 7;  // present clear missing blurred unit_unclear hedged asked
constexpr size_t kActFeatures = 11;

// present, clear, missing, blurred, unit_unclear, hedged, asked
void slot_row(const Game& g, size_t i, float* out) {
  const Known k = g.known()[i];
  out[0] = 1;
  out[1] = k == Known::kClear;
  out[2] = k == Known::kMissing;
  out[3] = k == Known::kVague || k == Known::kRounded;
  out[4] = k == Known::kNoUnit;
  out[5] = k == Known::kHedged;
  out[6] = g.asked()[i] != 0;
}

}  // namespace

void Game::features(std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const size_t n = p_->vars.size();
  for (size_t i = 0; i < n; ++i) slot_row(*this, i, &out[i * kSlotFeatures]);
  const size_t tail = task_->slots() * kSlotFeatures;
  out[tail] = static_cast<float>(unresolved()) / static_cast<float>(n);
  out[tail + 1] = static_cast<float>(turns_) / static_cast<float>(MathQa::kMaxTurns);
}

void Game::act_features(std::span<float> out) const {
  // Row-major [acts][11]: is_ask, is_confirm, is_answer, the slot's 7 features (zeros for a slot
  // the problem does not have), unknown_share (answer: share of quantities not clear; a question:
  // 1/unresolved when its quantity is unresolved, the share of what is missing it would settle).
  std::fill(out.begin(), out.end(), 0.0f);
  const size_t slots = task_->slots(), n = p_->vars.size();
  const int open = unresolved();
  for (size_t a = 0; a < 2 * slots; ++a) {
    float* row = &out[a * kActFeatures];
    row[a < slots ? 0 : 1] = 1;
    const size_t i = a % slots;
    if (i >= n) continue;
    slot_row(*this, i, row + 3);
    row[10] = known_[i] != Known::kClear && open > 0 ? 1.0f / static_cast<float>(open) : 0.0f;
  }
  float* row = &out[2 * slots * kActFeatures];
  row[2] = 1;
  row[10] = static_cast<float>(open) / static_cast<float>(n);
}

void Game::mask(std::span<uint8_t> out) const {
  // Every act is legal: asking about a slot the problem lacks is an irrelevant question the user
  // answers ("There are only 2 quantities…"), and the features say which slots exist. (A mask that
  // hid them would make a uniformly sampled act illegal at the first turn, which Gymnasium's
  // check_env and most samplers cannot handle.)
  std::fill(out.begin(), out.end(), uint8_t{1});
}

}  // namespace collab::tasks::math_qa
