// Built-in policies: they read the dialogue state (what is known, assumed or open) and the public
// document data (how much each dimension changes the text), never the hidden choice.
#include "tasks/doc_edit/task.h"

namespace collab::tasks::doc_edit {

// Below this text change a dimension is not worth a question.
constexpr double kWorthAsking = 0.03;

Action DocEdit::expert(const Game& g, Rng&) const {
  // Ask about the open dimensions that change the text most, in that order; then draft (feedback
  // on a draft fixes a dimension; draft again).
  std::optional<size_t> best;
  for (size_t d = 0; d < kDims; ++d) {
    if (g.known(d) != Known::kOpen || g.doc().change[d] < kWorthAsking) continue;
    if (!best || g.doc().change[d] > g.doc().change[*best]) best = d;
  }
  if (best) return Action::from_act(ask_act(*best));
  return Action::from_act(kDraft);
}

Action DocEdit::passive(const Game& g, Rng&) const {
  // Never asks: drafts at once with the defaults, then stops.
  return Action::from_act(g.drafts() == 0 ? kDraft : kFinish);
}

}  // namespace collab::tasks::doc_edit
