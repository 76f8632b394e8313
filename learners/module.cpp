// The entry point of libcollabgym_learners.so (learners/module.h). Built into the module only.
#include "learners/module.h"

#include "env/version.h"
#include "learners/output.h"

namespace {

collab::learners::TrainResult train(
    const collab::Registry& registry, const collab::learners::TrainConfig& cfg,
    const std::function<void(const collab::learners::TrainProgress&)>& progress) {
  return collab::learners::train(registry, cfg, progress);
}

nlohmann::json checkpoint_info(const std::string& arg) {
  namespace d = collab::learners::detail;
  return d::read_json(d::sidecar_path(d::resolve_checkpoint(arg)));
}

}  // namespace

extern "C" const collab::learners::ModuleApi* collabgym_learners_module() {
  static const collab::learners::ModuleApi api{
      collab::learners::kModuleAbi,
      collab::kVersion,
      &train,
      &collab::learners::PpoArgs::from_json,
      &collab::learners::register_agents,
      &checkpoint_info,
  };
  return &api;
}
