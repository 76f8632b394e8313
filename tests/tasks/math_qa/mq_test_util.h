#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>

#include "env/env.h"
#include "tasks/math_qa/task.h"
#include "tasks/register_all.h"

namespace collab::tasks::math_qa::testing {

inline Env make_env(const nlohmann::json& options = nlohmann::json::object()) {
  return builtin_registry().make("math_qa-v0", options);
}

inline const MathQa& task() {
  static const auto t = builtin_registry().task("math_qa-v0");
  return dynamic_cast<const MathQa&>(*t);
}

inline const MathQa& fixed_task() {
  static const auto t = builtin_registry().task(
      "math_qa-v0", builtin_registry().default_scenario_path("math_qa-v0").substr(
                        0, builtin_registry().default_scenario_path("math_qa-v0").rfind('/')) +
                        "/fixed.json");
  return dynamic_cast<const MathQa&>(*t);
}

inline const Game& game(const Env& env) { return dynamic_cast<const Game&>(env.episode()); }

inline const Problem& problem(const MathQa& t, const std::string& id) {
  for (const auto& p : t.setup().problems) {
    if (p.id == id) return p;
  }
  throw std::runtime_error("no problem " + id);
}

}  // namespace collab::tasks::math_qa::testing
