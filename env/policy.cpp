#include "env/policy.h"

#include "env/error.h"

namespace collab {

int32_t random_legal_act(std::span<const uint8_t> mask, Rng& rng) {
  size_t legal = 0;
  for (uint8_t m : mask) legal += m != 0;
  if (legal == 0) throw InvalidAction("no legal act: every entry of the action mask is 0");
  size_t k = rng.below(legal);
  for (size_t a = 0; a < mask.size(); ++a) {
    if (mask[a] && k-- == 0) return static_cast<int32_t>(a);
  }
  COLLAB_CHECK(false);
  return 0;
}

}  // namespace collab
