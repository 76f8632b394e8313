// The explicit list of built-in tasks (no static initialisers: they vanish from static libraries).
#pragma once

#include "env/registry.h"

namespace collab::tasks {

void register_all(Registry& registry);
// A process-wide registry holding every built-in task (created on first use, thread-safe).
const Registry& builtin_registry();

}  // namespace collab::tasks
