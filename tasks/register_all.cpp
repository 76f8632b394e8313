#include "tasks/register_all.h"

#include "tasks/twenty_questions/task.h"

namespace collab::tasks {

void register_all(Registry& r) {
  r.add(twenty_questions::kName, twenty_questions::kVersion, twenty_questions::kDefaultScenario,
        &twenty_questions::TwentyQuestions::from_file);
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
