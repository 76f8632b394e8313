#pragma once

#include <stdexcept>
#include <string>

#include "env/env.h"
#include "tasks/grocery/task.h"
#include "tasks/register_all.h"

namespace collab::tasks::grocery::testing {

inline Env make_env(const nlohmann::json& options = nlohmann::json::object()) {
  return builtin_registry().make("grocery-v0", options);
}

inline const Grocery& task() {
  static const auto t = builtin_registry().task("grocery-v0");
  return dynamic_cast<const Grocery&>(*t);
}

inline const Game& game(const Env& env) { return dynamic_cast<const Game&>(env.episode()); }

inline int32_t act(const std::string& name) {
  const auto& acts = task().acts();
  for (size_t i = 0; i < acts.size(); ++i) {
    if (acts[i] == name) return static_cast<int32_t>(i);
  }
  throw std::runtime_error("no act " + name);
}

inline const Profile& profile(const std::string& id) {
  for (const auto& p : task().setup().profiles) {
    if (p.id == id) return p;
  }
  throw std::runtime_error("no profile " + id);
}

inline const Persona& persona(const std::string& name) {
  for (const auto& p : task().setup().personas) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no persona " + name);
}

}  // namespace collab::tasks::grocery::testing
