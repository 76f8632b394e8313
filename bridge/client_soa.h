// Private to the C++ client (client.cpp, client_soa.cpp, remote_vector_env.cpp): where each field's
// block lies in a SoaBatch's storage, and the items of a reset_many request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <msgpack.hpp>
#include <span>
#include <string>

#include "bridge/client.h"

namespace collab::bridge::detail {

struct SoaOffsets {
  size_t ok, features, act_features, mask, turn, reward, terminated, truncated, seed, total;
};

// Lays out `out`'s storage for N rows (every block 8-byte aligned), points its spans at the
// blocks and returns their offsets.
SoaOffsets soa_layout(SoaBatch& out, size_t n);

// The envelope every request starts with: a map of `3 + n_fields` entries, then v, id and op.
void pack_header(msgpack::packer<msgpack::sbuffer>& pk, uint64_t id, const char* op,
                 uint32_t n_fields);

// The items of a reset_many request, one {session, seed?} map each (seeds empty: no seeds), for
// both reply layouts; the caller packs the list's header.
void pack_reset_items(msgpack::packer<msgpack::sbuffer>& pk, std::span<const std::string> sessions,
                      std::span<const uint64_t> seeds);

}  // namespace collab::bridge::detail
