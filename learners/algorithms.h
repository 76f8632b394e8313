// The table of learners behind train(). A new learner is one file (e.g. learners/a2c.cpp) defining
// its train function, plus one line in kAlgorithms (learners.cpp) and one in
// learners/CMakeLists.txt.
#pragma once

#include <functional>
#include <string_view>

#include "learners/learners.h"

namespace collab::learners::detail {

using ProgressFn = std::function<void(const TrainProgress&)>;
// `cfg` has passed the common checks of train(); the learner checks its own arguments.
using TrainFn = TrainResult (*)(const Registry& registry, const TrainConfig& cfg,
                                const ProgressFn& progress);

struct Algorithm {
  std::string_view name;
  TrainFn train;
};

TrainResult train_ppo(const Registry& registry, const TrainConfig& cfg, const ProgressFn& progress);

}  // namespace collab::learners::detail
