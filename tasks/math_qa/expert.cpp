// The math_qa built-in policies. Both read only the dialogue state (known(): what the user's words
// established), never the hidden values.
#include "tasks/math_qa/task.h"

namespace collab::tasks::math_qa {

Action MathQa::expert(const Game& g, Rng&) const {
  // Ask for what is missing or blurred, confirm what is unit-less or hedged, in slot order; answer
  // (act mode composes it from what was said) when everything is clear.
  for (size_t i = 0; i < g.known().size(); ++i) {
    switch (g.known()[i]) {
      case Known::kMissing:
      case Known::kVague:
      case Known::kRounded:
        return Action::from_act(ask_act(i));
      case Known::kNoUnit:
      case Known::kHedged:
        return Action::from_act(confirm_act(i));
      case Known::kClear:
        break;
    }
  }
  return Action::from_act(answer_act());
}

Action MathQa::passive(const Game&, Rng&) const {
  return Action::from_act(answer_act());  // answers at once, on the eager assumptions
}

}  // namespace collab::tasks::math_qa
