// Fuzzes one raw request frame as the server decodes and validates it, without sockets: the
// server's own decode_request (bridge/server_wire.h: size and unpack limits, a map, UTF-8, v, id,
// op), then bridge/server_wire.h's field readers, then what each op does with the fields on an
// environment (make with the client's options; reset with its seed and options; step and
// step_many with its actions on a live episode). The transport's envelope checks are covered by
// tests/bridge.
//
// Findings: an exception that the server would answer `internal` (classify() gives kInternal),
// an error reply whose message is not UTF-8, a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <map>
#include <msgpack.hpp>
#include <string>

#include "bridge/codec.h"
#include "bridge/protocol.h"
#include "bridge/server_wire.h"
#include "env/env.h"
#include "fuzz/fuzz_util.h"
#include "tasks/register_all.h"

namespace {

using namespace collab;
using namespace collab::bridge;
using namespace collab::bridge::detail;

constexpr size_t kMaxMessageBytes = 4 << 20;  // ServerOptions' default

const Registry& registry() { return tasks::builtin_registry(); }

// A live episode for ops that name a session: one per registered id, picked by the session
// string, made and reset afresh for every input so that runs replay exactly.
Env session_env(std::string_view session) {
  const auto ids = registry().ids();
  const size_t pick = std::hash<std::string_view>{}(session) % ids.size();
  Env env = registry().make(ids[pick], {{"reward", "terminal"}});
  env.reset(1);
  return env;
}

void step(Env& env, const Action& a) {
  if (env.done()) env.reset(2);
  env.step(a);
}

// What make_env does with the client's fields, except option `scenario`, which the server maps
// to one of its offered files (never a client path): dropped here.
Env make_env(const msgpack::object& req) {
  const std::string env_id = require_str(req, "env_id");
  if (env_id.size() > kMaxEnvId) fail(ErrorCode::kUnknownEnv, "env_id too long");
  nlohmann::json options = optional_options(req);
  options.erase("scenario");
  return registry().make(env_id, options);
}

void handle(const uint8_t* data, size_t size) {
  const Request request =
      decode_request({reinterpret_cast<const char*>(data), size}, kMaxMessageBytes);
  const msgpack::object& req = request.body();
  const std::string& op = request.op;

  if (op == "make" || op == "spec") {
    optional_bool(req, "act_features");
    Env env = make_env(req);
    if (op == "spec") {
      (void)env.spec().dump();
    } else {
      env.reset(3);
    }
  } else if (op == "reset") {
    Env env = session_env(require_str(req, "session"));
    std::optional<uint64_t> seed;
    if (const auto* sv = find_key(req, "seed"); sv != nullptr && sv->type != msgpack::type::NIL) {
      if (sv->type != msgpack::type::POSITIVE_INTEGER) fail(ErrorCode::kWrongType, "seed");
      seed = sv->via.u64;
    }
    env.reset(seed, optional_options(req));
  } else if (op == "step") {
    Env env = session_env(require_str(req, "session"));
    step(env, decode_action(require(req, "action"), "field 'action'"));
  } else if (op == "step_many") {
    const auto& steps = require(req, "steps");
    if (steps.type != msgpack::type::ARRAY) fail(ErrorCode::kWrongType, "steps");
    std::map<std::string, Env> envs;  // step_many may name a session more than once
    for (uint32_t i = 0; i < steps.via.array.size && i < 64; ++i) {
      const auto& item = steps.via.array.ptr[i];
      try {
        if (item.type != msgpack::type::MAP) fail(ErrorCode::kWrongType, "item");
        const std::string session = require_str(item, "session");
        const Action action = decode_action(require(item, "action"), "steps[i].action");
        auto it = envs.find(session);
        if (it == envs.end()) it = envs.emplace(session, session_env(session)).first;
        fuzz::expect_input_errors_only("step_many item", [&] { step(it->second, action); });
      } catch (const RequestError&) {
        // an error item; the batch goes on
      }
    }
  } else if (op == "fork" || op == "close") {
    Env env = session_env(require_str(req, "session"));
    if (op == "fork") (void)env.clone();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    handle(data, size);
  } catch (const RequestError& e) {
    // An error reply: its message must be UTF-8 once packed (pack_error_map), like every reply.
    const msgpack::sbuffer reply = error_reply(1, e);
    msgpack::object_handle h = msgpack::unpack(reply.data(), reply.size());
    const auto* err = find_key(h.get(), "error");
    const auto* msg = err != nullptr ? find_key(*err, "message") : nullptr;
    if (msg == nullptr || msg->type != msgpack::type::STR ||
        utf8_valid_prefix({msg->via.str.ptr, msg->via.str.size}) != msg->via.str.size) {
      fuzz::report_finding("error reply", "message missing or not UTF-8");
    }
  } catch (const std::exception& e) {
    if (classify(e).code == ErrorCode::kInternal) {
      fuzz::report_finding("request (the server would answer `internal`)", e.what());
    }
  }
  return 0;
}
