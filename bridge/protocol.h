// The wire protocol's constants and value types (docs/protocol.md is normative). Client code
// depends on this header and nothing else of CollabGym's.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace collab::bridge {

// `v` on every message: the major version, bumped only by incompatible changes.
inline constexpr int kProtocolVersion = 1;
// Backward-compatible additions on top of the major version, reported by `hello` (docs/protocol.md,
// "Versions"). 1: per-act features (capability "act_features"). 2: delivery guarantee with
// per-client limits (error "overloaded", hello.limits.max_in_flight / max_queued_bytes).
// 3: scenarios offered by name and hash (list/spec `scenarios`), floats always float64, strict
// UTF-8, the envelope limit. 4: structure-of-arrays batch replies (capability "soa":
// `layout: "soa"` on step_many and reset_many) and the op reset_many. 5: spec.observation_space
// bounds (`low`, `high`) and the documented decoder limits. 6: spec.instructions (the task's
// agent-facing instructions, docs/llm-agents.md).
inline constexpr int kProtocolMinor = 7;
inline constexpr const char* kDefaultEndpoint = "tcp://127.0.0.1:5555";
inline constexpr int kMaxDepth = 32;  // nesting limit for request bodies
// Container limits of the request decoder (docs/protocol.md "Limits"): a body holding a longer
// array, a bigger map or a longer ext value is `malformed`. Strings and bins are bounded only by
// max_message_bytes. No legitimate request comes near them: `steps` is capped by max_batch.
inline constexpr uint32_t kMaxArrayItems = 1u << 20;  // elements of one array
inline constexpr uint32_t kMaxMapEntries = 1u << 16;  // key/value pairs of one map
inline constexpr uint32_t kMaxExtBytes = 1u << 16;    // bytes of one ext value
// Limits on a request's envelope: the frames between the routing id a ROUTER adds and the body
// (docs/protocol.md "Transport"). A request beyond either is answered `too_large`, unread, and its
// reply carries only the routing id and the empty delimiter (when the client sent one).
inline constexpr size_t kMaxEnvelopeFrames = 8;
inline constexpr size_t kMaxEnvelopeBytes = 1024;

// Error codes, as sent in error.code.
enum class ErrorCode {
  kMalformed,
  kBadVersion,
  kMissingField,
  kWrongType,
  kUnknownOp,
  kUnknownEnv,
  kInvalidOption,
  kUnknownSession,
  kInvalidAction,
  kResetNeeded,
  kTooLarge,
  kTooManySessions,
  kShuttingDown,
  kOverloaded,
  kInternal,
};

constexpr std::string_view to_string(ErrorCode c) {
  switch (c) {
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kBadVersion:
      return "bad_version";
    case ErrorCode::kMissingField:
      return "missing_field";
    case ErrorCode::kWrongType:
      return "wrong_type";
    case ErrorCode::kUnknownOp:
      return "unknown_op";
    case ErrorCode::kUnknownEnv:
      return "unknown_env";
    case ErrorCode::kInvalidOption:
      return "invalid_option";
    case ErrorCode::kUnknownSession:
      return "unknown_session";
    case ErrorCode::kInvalidAction:
      return "invalid_action";
    case ErrorCode::kResetNeeded:
      return "reset_needed";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kTooManySessions:
      return "too_many_sessions";
    case ErrorCode::kShuttingDown:
      return "shutting_down";
    case ErrorCode::kOverloaded:
      return "overloaded";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

// Every operation, in the order `hello` lists them. The server's dispatch table is checked against
// this list at compile time.
inline constexpr std::array<std::string_view, 12> kOperations{
    "hello",     "list", "spec",  "make", "reset", "step",
    "step_many", "fork", "close", "ping", "stats", "reset_many"};

inline const std::vector<std::string>& operation_names() {
  static const std::vector<std::string> ops(kOperations.begin(), kOperations.end());
  return ops;
}

// What `hello` lists under `capabilities`. "act_features" (minor 1): `make` accepts
// `act_features: true` and that session's observations carry them. "soa" (minor 4): step_many and
// reset_many accept `layout: "soa"` and then reply in structure-of-arrays form
// (docs/throughput.md).
inline constexpr std::array<std::string_view, 6> kCapabilities{"act",       "text",         "fork",
                                                               "step_many", "act_features", "soa"};

// An error reply from the server (code as in the table), or a client-side failure.
class RemoteError : public std::runtime_error {
 public:
  RemoteError(std::string code, const std::string& message)
      : std::runtime_error(code + ": " + message), code_(std::move(code)), message_(message) {}
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  std::string code_, message_;
};

// No reply within the client's timeout (code "timeout"): the server is dead, stuck or unreachable.
class Timeout : public RemoteError {
 public:
  explicit Timeout(const std::string& message) : RemoteError("timeout", message) {}
};

struct WireAction {
  std::optional<int32_t> act;
  std::string text;
  static WireAction of_act(int32_t a) { return {a, {}}; }
  static WireAction of_text(std::string t) { return {std::nullopt, std::move(t)}; }
};

struct WireObservation {
  std::string text;
  std::vector<float> features;
  // Per-act features, row-major [A][K] with A = action_mask.size(): only in sessions made with
  // act_features (then has_act_features, even when K = 0); otherwise empty.
  std::vector<float> act_features;
  bool has_act_features = false;
  std::vector<uint8_t> action_mask;
  int turn = 0;

  // K, the number of features per act (0 when absent).
  size_t num_act_features() const {
    return action_mask.empty() ? 0 : act_features.size() / action_mask.size();
  }
};

struct WireStep {
  WireObservation obs;
  double reward = 0;
  bool terminated = false;
  bool truncated = false;
  // The step's info map (docs/protocol.md "Values"), decoded to JSON on first use: decoding it is
  // a good part of a small step's client-side cost, and many training loops never read it.
  const nlohmann::json& info() const;

  // Where info() decodes from: the reply (kept alive here) and the info object inside it.
  std::shared_ptr<const msgpack::object_handle> reply;
  const msgpack::object* info_object = nullptr;
  mutable std::optional<nlohmann::json> info_cache;
};

struct WireReset {
  WireObservation obs;
  uint64_t seed = 0;
};

}  // namespace collab::bridge
