#pragma once

#include <algorithm>
#include <string>

#include "env/env.h"
#include "tasks/register_all.h"
#include "tasks/twenty_questions/task.h"

namespace collab::tasks::twenty_questions::testing {

inline Env make_env(const nlohmann::json& options = nlohmann::json::object()) {
  return builtin_registry().make("twenty_questions-v0", options);
}

inline const TwentyQuestions& tq(const Env& env) {
  return dynamic_cast<const TwentyQuestions&>(env.task());
}

inline int32_t act_index(const Env& env, const std::string& name) {
  const auto& acts = env.task().acts();
  auto it = std::find(acts.begin(), acts.end(), name);
  return it == acts.end() ? -1 : static_cast<int32_t>(it - acts.begin());
}

inline const Object& target(const Env& env) {
  for (const auto& o : tq(env).catalog().objects) {
    if (o.name == env.episode().goal()) return o;
  }
  throw std::runtime_error("goal not in catalog");
}

}  // namespace collab::tasks::twenty_questions::testing
