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

// ---- text (docs/protocol.md "Values": every string on the wire is UTF-8) ----

// The length of the longest prefix of `s` that is well-formed UTF-8 (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF); s.size() when all of it is.
size_t utf8_valid_prefix(std::string_view s);
// Throws RequestError(kMalformed) naming where the first string (or map key) of `o` that is not
// UTF-8 is ("options.persona", byte offset).
void check_utf8(const msgpack::object& o);
// Client text for an error message: quoted, at most `max_bytes` of it (cut on a character
// boundary, with the full size noted), bytes that are not UTF-8 written as \xNN.
std::string quote_client_text(std::string_view s, size_t max_bytes = 64);

// ---- request fields (each throws RequestError naming the field and what was expected) ----

const msgpack::object& require(const msgpack::object& req, std::string_view key);
std::string require_str(const msgpack::object& req, std::string_view key);
// Option names and string values longer than these are invalid_option (docs/protocol.md).
inline constexpr size_t kMaxOptionName = 64;
inline constexpr size_t kMaxOptionText = 256;
// An environment id longer than this is unknown_env without a search for near ids.
inline constexpr size_t kMaxEnvId = 128;
// `options`: absent or nil is {}; names and string values within the limits above; real numbers
// finite.
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
