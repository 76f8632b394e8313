#pragma once

#include <string>

#include "env/env.h"
#include "tasks/doc_edit/task.h"
#include "tasks/register_all.h"

namespace collab::tasks::doc_edit::testing {

inline Env make_env(const nlohmann::json& options = nlohmann::json::object()) {
  return builtin_registry().make("doc_edit-v0", options);
}

inline const DocEdit& task() {
  static const auto t = builtin_registry().task("doc_edit-v0");
  return dynamic_cast<const DocEdit&>(*t);
}

inline size_t doc_index(const std::string& id) {
  const auto& docs = task().setup().docs;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].id == id) return i;
  }
  throw std::runtime_error("no document " + id);
}

inline std::string act_name(const Game& g, std::string_view text) {
  const Parsed p = g.parse(text);
  if (!p.act) return "-";
  std::string name = task().acts()[static_cast<size_t>(*p.act)];
  if (name.rfind("assume:", 0) == 0) name += "=" + p.content.body;
  return name;
}

}  // namespace collab::tasks::doc_edit::testing
