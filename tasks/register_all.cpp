#include "tasks/register_all.h"

#include "tasks/doc_edit/task.h"
#include "tasks/grocery/task.h"
#include "tasks/guess_number/task.h"
#include "tasks/math_qa/task.h"
#include "tasks/twenty_questions/task.h"

namespace collab::tasks {

// One line per task.
void register_all(Registry& r) {
  r.add<twenty_questions::TwentyQuestions>();
  r.add(twenty_questions::kName, 0, twenty_questions::kLegacyScenario,  // v0: no act features
        &twenty_questions::TwentyQuestions::from_file_v0);
  r.add(twenty_questions::kName, 1, twenty_questions::kLegacyScenario,  // v1: legacy parser
        &twenty_questions::TwentyQuestions::from_file_v1);
  r.add<guess_number::GuessNumber>();
  r.add<math_qa::MathQa>();
  r.add(math_qa::kName, 0, math_qa::kDefaultScenario, &math_qa::MathQa::from_file_v0);  // v0 reader
  r.add<grocery::Grocery>();
  r.add<doc_edit::DocEdit>();
  r.add(doc_edit::kName, 0, doc_edit::kDefaultScenario, &doc_edit::DocEdit::from_file_v0);  // v0 reader
}

const Registry& builtin_registry() {
  static const Registry* registry = [] {
    auto* r = new Registry();  // never destroyed: tasks may outlive static destruction order
    register_all(*r);
    return r;
  }();
  return *registry;
}

}  // namespace collab::tasks
