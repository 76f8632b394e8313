// Small policy helpers shared by the framework, the built-in agents, learners and tests.
#pragma once

#include <cstdint>
#include <span>

#include "env/rng.h"

namespace collab {

// A legal act drawn uniformly from `mask` (1 = legal) with `rng`. Throws InvalidAction when no act
// is legal (a task bug: a live episode must always leave at least one).
int32_t random_legal_act(std::span<const uint8_t> mask, Rng& rng);

}  // namespace collab
