// The server's side of the wire format (docs/protocol.md "Values"): reading request fields and
// packing replies. Internal to bridge/server*.cpp.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

// ---- requests ----

// A request body that decode_request accepted.
struct Request {
  msgpack::object_handle handle;  // owns the decoded map
  std::optional<uint64_t> id;     // field `id`, once it is an unsigned integer
  std::string op;                 // field `op` (dispatch checks that the op exists)
  const msgpack::object& body() const { return handle.get(); }
};

// Turns a request's raw bytes into a validated request, as the server does before it dispatches
// one (docs/protocol.md "Requests"), each check in turn: at most `max_message_bytes` (too_large);
// one MessagePack value within the unpack limits (kMaxDepth deep), with no trailing bytes, that is
// a map (malformed); all its text UTF-8 (malformed); `v` the protocol version (bad_version); `id`
// an unsigned integer (missing_field, wrong_type); `op` a string. Throws RequestError for the
// first that fails. `on_map`, when given, runs as soon as the body is a map, before its fields are
// checked, with `id` set when it is already valid: the server addresses its error replies with it
// and keeps the reply's place among those about the sessions the request names.
Request decode_request(std::string_view bytes, size_t max_message_bytes,
                       const std::function<void(const Request&)>& on_map = {});

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
// obs, seed, info ({}): 3 key/value pairs.
void pack_reset_fields(Packer& pk, const ResetResult& r, bool act_features);
// obs, reward, terminated, truncated, info: 5 key/value pairs.
void pack_step_fields(Packer& pk, const Task& task, const StepResult& r, bool act_features);

// ---- structure-of-arrays batches (capability "soa"; docs/throughput.md) ----------------------

// StepInfo as columns: one per leaf of visit_step_info (so the columns cannot drift from the
// per-session info), each a bin block (float64 / int64 / uint8, little-endian; NaN and -1 stand
// for nil numbers) or a list (strings, nil where absent). Rows are added in item order; a field
// that only some rows have (e.g. info.user) gets missing values in the others.
class InfoColumns {
 public:
  void add(const Task& task, const StepInfo& info);
  void add_missing();  // the row of a failed item: nil, NaN, -1, 0
  // The nested map of columns ({act: [...], reward: {task: bin, ...}, ...}); {} without columns.
  void pack(Packer& pk) const;
  // {path: "float64" | "int64" | "bool" | "list"} for every column ("reward.total": "float64").
  void pack_types(Packer& pk) const;
  size_t rows() const { return rows_; }

  enum class Kind : uint8_t { kList, kF64, kI64, kU8 };
  struct Column {
    std::string path;  // "reward.total"
    Kind kind;
    msgpack::sbuffer data;  // list: the packed items; block: the raw little-endian values
    size_t rows = 0;
  };

 private:
  friend struct InfoColumnWriter;
  std::vector<Column> columns_;
  size_t rows_ = 0;
};

// The shape every row of an SoA batch shares: F features, A acts, K features per act (the
// act_features block is sent only when `act_features`, i.e. the sessions asked for them).
struct SoaShape {
  uint32_t features = 0, acts = 0, act_features_per_act = 0;
  bool act_features = false;
  bool operator==(const SoaShape&) const = default;
};

// One SoA reply being built. The fixed-size blocks are laid out in `body` when it is made, so that
// each item's arrays are written straight into the reply (ObservationView over its row; item
// rows are distinct memory, so pool threads may fill rows concurrently). The variable parts
// (text, info, errors) are appended in item order. Layout: docs/throughput.md.
class SoaReply {
 public:
  enum class Kind { kStep, kReset };
  SoaReply(Kind kind, const std::optional<uint64_t>& id, size_t n, const SoaShape& shape);
  size_t size() const { return n_; }
  const SoaShape& shape() const { return shape_; }
  // Where item i's observation arrays go. act_features is empty unless shape().act_features.
  // Copies row i's features and act features in (the blocks sit at any offset of the MessagePack
  // body, so rows are written with memcpy, never through float pointers).
  void store_floats(size_t i, std::span<const float> features, std::span<const float> act_features);
  std::span<uint8_t> action_mask(size_t i);
  void set_ok(size_t i);
  void set_turn(size_t i, int turn);
  void set_step(size_t i, double reward, bool terminated, bool truncated);  // kStep
  void set_seed(size_t i, uint64_t seed);                                   // kReset
  // The variable part of the next item, in order: a result (info for kStep only) or an error.
  void add_result(std::string_view text, const Task* task, const StepInfo* info);
  void add_error(size_t i, const RequestError& e);
  size_t added() const { return added_; }
  // The finished reply (call once, after every item was added).
  msgpack::sbuffer finish();

 private:
  char* block(size_t offset) { return body_.data() + offset; }
  Kind kind_;
  size_t n_;
  SoaShape shape_;
  msgpack::sbuffer body_;
  size_t ok_ = 0, features_ = 0, act_features_ = 0, mask_ = 0, turn_ = 0, reward_ = 0,
         terminated_ = 0, truncated_ = 0, seed_ = 0;  // offsets of the blocks in body_
  msgpack::sbuffer texts_, errors_;
  size_t added_ = 0, n_errors_ = 0;
  InfoColumns info_;
};

}  // namespace collab::bridge::detail
