// The learners as a shared module (libcollabgym_learners.so), loaded on demand with dlopen by the
// commands that need torch (`collabgym train`, a `ppo:` agent), so that every other program and
// command — `collabgym serve` above all — never maps libtorch (docs/learners.md).
//
//   collab::learners::register_lazy_agents();        // at start-up: "ppo:" agents load it later
//   const auto& m = collab::learners::load_module();  // train: loads it now (or throws)
//   m.train(registry, cfg, progress);
//
// This header is torch-free and fmt-free. The module is built from the same sources by the same
// compiler as the program that loads it, so the table below passes CollabGym's own C++ types;
// its abi and version are checked on load. The program must export its symbols (CMake
// ENABLE_EXPORTS): the module then uses the program's copy of env/, tasks/ and agents/ (one agent
// registry, one task registry), not its own.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "learners/learners.h"

namespace collab::learners {

inline constexpr int kModuleAbi = 1;  // bumped when ModuleApi changes

struct ModuleApi {
  int abi;              // kModuleAbi of the module's build
  const char* version;  // collab::kVersion of the module's build
  TrainResult (*train)(const Registry& registry, const TrainConfig& cfg,
                       const std::function<void(const TrainProgress&)>& progress);
  PpoArgs (*ppo_args_from_json)(const nlohmann::json& j);
  // Registers the real "ppo" agent loader (learners::register_agents) with agents::make_agent.
  void (*register_agents)();
  // The sidecar JSON of the checkpoint that "ppo:ARG" names (ARG: a run folder or a .pt file);
  // throws collab::Error naming the path.
  nlohmann::json (*checkpoint_info)(const std::string& arg);
};

// Loads the module once (thread-safe) and returns its table. Tries, in order: the file named by
// $COLLABGYM_LEARNERS; <program dir>/<bindir-to-libdir>/collabgym/libcollabgym_learners.so (an
// installed tree); the module's path in the build tree. Throws collab::Error naming each path
// tried and why it failed.
const ModuleApi& load_module();

// Registers a "ppo" agent loader that loads the module on first use and then hands the spec to
// the module's own loader. Idempotent.
void register_lazy_agents();

}  // namespace collab::learners

// The module's one exported entry point.
extern "C" const collab::learners::ModuleApi* collabgym_learners_module();
