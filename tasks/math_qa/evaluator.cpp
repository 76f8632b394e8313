// The math_qa evaluator: accuracy of the final answer (1 within the template's tolerance, else 0);
// 0 while no answer has been given.
#include <fmt/format.h>

#include "tasks/math_qa/task.h"

namespace collab::tasks::math_qa {

Score Game::score() const { return {correct_ ? 1.0 : 0.0, correct_}; }

nlohmann::json Game::score_components() const {
  nlohmann::json j = {{"problem", p_->id},
                      {"opening", kOpeningNames[static_cast<int>(kind_)]},
                      {"answered", answered_},
                      {"correct", correct_},
                      {"answer", answer_},
                      {"turns_used", turns_},
                      {"questions", questions_},
                      {"confirmations", confirms_},
                      {"gave_up", gave_up_}};
  if (answered_ && std::isfinite(given_)) j["given"] = given_;
  return j;
}

}  // namespace collab::tasks::math_qa
