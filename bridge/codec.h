// MessagePack helpers shared by the server and the C++ client: JSON <-> MessagePack, and the
// encodings of actions and observations (docs/protocol.md, "Values").
#pragma once

#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "bridge/protocol.h"

namespace collab::bridge {

// Packs any JSON value (maps keep their keys; numbers keep integer vs float: floats as float64).
void pack_json(msgpack::packer<msgpack::sbuffer>& pk, const nlohmann::json& j);
// Converts a MessagePack object to JSON; bin becomes an array of byte values. Throws
// std::invalid_argument beyond `depth_left` levels.
nlohmann::json to_json(const msgpack::object& o, int depth_left = kMaxDepth);

void pack_str(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s);
// A MessagePack float64, also for whole numbers (msgpack-c's pack_double packs 2.0 as the integer
// 2): floats are always float64 on the wire (docs/protocol.md "Values").
void pack_float64(msgpack::packer<msgpack::sbuffer>& pk, double v);
void pack_action(msgpack::packer<msgpack::sbuffer>& pk, const WireAction& a);
// Decodes obs {text, features(bin f32 LE), action_mask(bin), turn, act_features?(bin f32 LE)};
// throws std::invalid_argument.
WireObservation decode_observation(const msgpack::object& o);

// Map lookup by string key; nullptr if absent (or `o` is not a map).
const msgpack::object* find_key(const msgpack::object& o, std::string_view key);
std::string_view type_name(const msgpack::object& o);

}  // namespace collab::bridge
