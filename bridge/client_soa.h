// Private to the client's SoA code (client_soa.cpp, remote_vector_env.cpp): where each field's
// block lies in a SoaBatch's storage.
#pragma once

#include <cstddef>

#include "bridge/client.h"

namespace collab::bridge::detail {

struct SoaOffsets {
  size_t ok, features, act_features, mask, turn, reward, terminated, truncated, seed, total;
};

// Lays out `out`'s storage for N rows (every block 8-byte aligned), points its spans at the
// blocks and returns their offsets.
SoaOffsets soa_layout(SoaBatch& out, size_t n);

}  // namespace collab::bridge::detail
