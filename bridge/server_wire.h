// The server's side of the wire format (docs/protocol.md "Values"): reading request fields and
// packing replies. Internal to bridge/server*.cpp.
#pragma once

#include <cstdint>
#include <exception>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "bridge/protocol.h"
#include "env/env.h"
#include "env/task.h"
#include "env/types.h"

namespace collab::bridge::detail {

using Packer = msgpack::packer<msgpack::sbuffer>;

// A request-level failure: becomes an error reply.
struct RequestError {
  ErrorCode code;
  std::string message;
};
[[noreturn]] void fail(ErrorCode code, std::string message);

// The error code for an exception thrown by the environment layer (kInternal for anything else).
RequestError classify(const std::exception& e);

// ---- request fields (each throws RequestError naming the field and what was expected) ----

const msgpack::object& require(const msgpack::object& req, std::string_view key);
std::string require_str(const msgpack::object& req, std::string_view key);
// `options`: absent or nil is {}.
nlohmann::json optional_options(const msgpack::object& req);
// An optional boolean field: absent or nil is false.
bool optional_bool(const msgpack::object& req, std::string_view key);
// An action (int act, str text or map {act?, text?}); `where` names it in errors.
Action decode_action(const msgpack::object& v, std::string_view where);

// ---- replies ----

// Starts a reply map {v, id, ok, …} with room for `fields` more key/value pairs.
void begin_reply(Packer& pk, const std::optional<uint64_t>& id, bool ok, uint32_t fields);
// A whole error reply {v, id, ok: false, error: {code, message}}.
msgpack::sbuffer error_reply(const std::optional<uint64_t>& id, const RequestError& e);
void pack_error_map(Packer& pk, const RequestError& e);
void put(Packer& pk, std::string_view key, double v);
void put(Packer& pk, std::string_view key, uint64_t v);
// The obs map; act_features adds the per-act features.
void pack_obs(Packer& pk, const Observation& o, bool act_features);
// obs, reward, terminated, truncated, info: 5 key/value pairs.
void pack_step_fields(Packer& pk, const Task& task, const StepResult& r, bool act_features);

}  // namespace collab::bridge::detail
