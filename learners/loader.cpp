// Finding and loading libcollabgym_learners.so (learners/module.h). Torch-free: linked into the
// collabgym program, which maps libtorch only when this loads the module.
#include <dlfcn.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "env/error.h"
#include "env/version.h"
#include "learners/module.h"

namespace collab::learners {

namespace {

namespace fs = std::filesystem;

// The candidates, in order (see load_module()).
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("COLLABGYM_LEARNERS"); env != nullptr && *env != '\0') {
    out.emplace_back(env);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / COLLAB_BINDIR_TO_LEARNERS).lexically_normal());
  out.emplace_back(COLLAB_LEARNERS_BUILD_PATH);
  return out;
}

const ModuleApi* open_module() {
  std::vector<std::string> failures;
  for (const auto& path : candidates()) {
    if (!fs::exists(path)) {
      failures.push_back(fmt::format("{}: no such file", path));
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      failures.push_back(fmt::format("{}: {}", path, dlerror()));
      continue;
    }
    using Entry = const ModuleApi* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "collabgym_learners_module"));
    if (entry == nullptr) {
      failures.push_back(fmt::format("{}: no collabgym_learners_module symbol", path));
      dlclose(handle);
      continue;
    }
    const ModuleApi* api = entry();
    if (api->abi != kModuleAbi || std::strcmp(api->version, kVersion) != 0) {
      failures.push_back(
          fmt::format("{}: built for collabgym {} (module abi {}); this program is "
                      "{} (abi {})",
                      path, api->version, api->abi, kVersion, kModuleAbi));
      dlclose(handle);
      continue;
    }
    return api;  // stays loaded for the life of the process
  }
  throw Error(fmt::format(
      "cannot load the learners module (libtorch), needed by train and ppo: agents; tried {}. "
      "Build with -DCOLLAB_WITH_TORCH=ON, or set COLLABGYM_LEARNERS to the module's path",
      fmt::join(failures, "; ")));
}

}  // namespace

const ModuleApi& load_module() {
  static const ModuleApi* api = open_module();  // thread-safe; a failure is retried next call
  return *api;
}

void register_lazy_agents() {
  agents::register_agent_loader("ppo", [](std::string_view arg) -> std::unique_ptr<agents::Agent> {
    static thread_local bool inside = false;
    if (inside) {
      throw Error(
          "the learners module did not register its 'ppo' agent loader with this program (is "
          "the program built with ENABLE_EXPORTS?)");
    }
    load_module().register_agents();  // replaces this loader with the module's
    struct Leave {
      ~Leave() { inside = false; }
    } leave;
    inside = true;
    return agents::make_agent(fmt::format("ppo:{}", arg));
  });
}

}  // namespace collab::learners
