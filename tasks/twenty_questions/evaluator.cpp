// The 20 Questions evaluator: success (a correct guess), discounted by the questions used.
#include <algorithm>

#include "tasks/twenty_questions/task.h"

namespace collab::tasks::twenty_questions {

Score Game::score() const {
  const int patience = task_->catalog().patience;
  Score s;
  s.success = solved_;
  // Success, discounted by questions used: 1.0 on the first question, 0.5 on the last.
  s.task = solved_ ? 1.0 - 0.5 * (questions_ - 1) / std::max(1, patience - 1) : 0.0;
  return s;
}

nlohmann::json Game::score_components() const {
  return {{"questions_used", questions_},
          {"wrong_guesses", wrong_},
          {"solved", solved_},
          {"gave_up", gave_up_}};
}

}  // namespace collab::tasks::twenty_questions
