#include "bridge/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <unordered_map>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bridge/codec.h"
#include "bridge/protocol.h"
#include "env/error.h"
#include "env/step_info.h"
#include "env/version.h"

namespace collab::bridge {

namespace asio = boost::asio;

namespace {

using Clock = std::chrono::steady_clock;
using Packer = msgpack::packer<msgpack::sbuffer>;

// A request-level failure: becomes an error reply.
struct RequestError {
  ErrorCode code;
  std::string message;
};
[[noreturn]] void fail(ErrorCode code, std::string message) {
  throw RequestError{code, std::move(message)};
}

// The error code for an exception thrown by the environment layer.
RequestError classify(const std::exception& e) {
  if (dynamic_cast<const InvalidAction*>(&e)) return {ErrorCode::kInvalidAction, e.what()};
  if (dynamic_cast<const ResetNeeded*>(&e)) return {ErrorCode::kResetNeeded, e.what()};
  if (dynamic_cast<const UnknownTask*>(&e)) return {ErrorCode::kUnknownEnv, e.what()};
  if (dynamic_cast<const InvalidOption*>(&e)) return {ErrorCode::kInvalidOption, e.what()};
  if (dynamic_cast<const ScenarioError*>(&e)) return {ErrorCode::kInvalidOption, e.what()};
  return {ErrorCode::kInternal, e.what()};
}

std::string new_session_id() {
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", static_cast<uint32_t>(rd()));
  return id;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// ---- decoding request fields --------------------------------------------------------------

const msgpack::object& require(const msgpack::object& req, std::string_view key) {
  const auto* v = find_key(req, key);
  if (v == nullptr) fail(ErrorCode::kMissingField, fmt::format("field '{}' is required", key));
  return *v;
}

std::string require_str(const msgpack::object& req, std::string_view key) {
  const auto& v = require(req, key);
  if (v.type != msgpack::type::STR) {
    fail(ErrorCode::kWrongType, fmt::format("field '{}': expected str, got {}", key, type_name(v)));
  }
  return std::string(v.via.str.ptr, v.via.str.size);
}

nlohmann::json optional_options(const msgpack::object& req) {
  const auto* v = find_key(req, "options");
  if (v == nullptr || v->type == msgpack::type::NIL) return nlohmann::json::object();
  if (v->type != msgpack::type::MAP) {
    fail(ErrorCode::kWrongType,
         fmt::format("field 'options': expected map, got {}", type_name(*v)));
  }
  try {
    return to_json(*v);
  } catch (const std::invalid_argument& e) {
    fail(ErrorCode::kWrongType, fmt::format("field 'options': {}", e.what()));
  }
}

// An optional boolean field: absent or nil is false.
bool optional_bool(const msgpack::object& req, std::string_view key) {
  const auto* v = find_key(req, key);
  if (v == nullptr || v->type == msgpack::type::NIL) return false;
  if (v->type != msgpack::type::BOOLEAN) {
    fail(ErrorCode::kWrongType,
         fmt::format("field '{}': expected bool, got {}", key, type_name(*v)));
  }
  return v->via.boolean;
}

Action decode_action(const msgpack::object& v, std::string_view where) {
  switch (v.type) {
    case msgpack::type::POSITIVE_INTEGER:
      if (v.via.u64 > static_cast<uint64_t>(INT32_MAX)) {
        fail(ErrorCode::kInvalidAction,
             fmt::format("{}: act {} is out of range", where, v.via.u64));
      }
      return Action::from_act(static_cast<int32_t>(v.via.u64));
    case msgpack::type::NEGATIVE_INTEGER:
      fail(ErrorCode::kInvalidAction,
           fmt::format("{}: act {} is out of range; expected an index >= 0", where, v.via.i64));
    case msgpack::type::STR:
      return Action::from_text(std::string(v.via.str.ptr, v.via.str.size));
    case msgpack::type::MAP: {
      Action a;
      const auto* act = find_key(v, "act");
      const auto* text = find_key(v, "text");
      if (act == nullptr && text == nullptr) {
        fail(ErrorCode::kInvalidAction,
             fmt::format("{}: empty action; a map action needs 'act' or 'text'", where));
      }
      if (act != nullptr) {
        if (act->type != msgpack::type::POSITIVE_INTEGER &&
            act->type != msgpack::type::NEGATIVE_INTEGER) {
          fail(ErrorCode::kWrongType,
               fmt::format("{}.act: expected int, got {}", where, type_name(*act)));
        }
        a.act = decode_action(*act, where).act;
      }
      if (text != nullptr) {
        if (text->type != msgpack::type::STR) {
          fail(ErrorCode::kWrongType,
               fmt::format("{}.text: expected str, got {}", where, type_name(*text)));
        }
        a.text.assign(text->via.str.ptr, text->via.str.size);
      }
      return a;
    }
    default:
      fail(ErrorCode::kWrongType,
           fmt::format("{}: expected int (act), str (text) or map {{act, text}}, got {}", where,
                       type_name(v)));
  }
}

// ---- encoding replies -----------------------------------------------------------------------

void put(Packer& pk, std::string_view key, double v) {
  pack_str(pk, key);
  pk.pack_double(v);
}
void put(Packer& pk, std::string_view key, uint64_t v) {
  pack_str(pk, key);
  pk.pack_uint64(v);
}

void pack_floats(Packer& pk, const std::vector<float>& v) {
  const auto bytes = static_cast<uint32_t>(v.size() * sizeof(float));
  pk.pack_bin(bytes);
  pk.pack_bin_body(reinterpret_cast<const char*>(v.data()), bytes);  // little-endian hosts
}

// The obs map: {text, features, action_mask, turn}, plus act_features (A*K float32, row-major)
// for sessions that asked for them.
void pack_obs(Packer& pk, const Observation& o, bool act_features) {
  pk.pack_map(act_features ? 5 : 4);
  pack_str(pk, "text");
  pack_str(pk, o.text);
  pack_str(pk, "features");
  pack_floats(pk, o.features);
  if (act_features) {
    pack_str(pk, "act_features");
    pack_floats(pk, o.act_features);
  }
  pack_str(pk, "action_mask");
  pk.pack_bin(static_cast<uint32_t>(o.action_mask.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(o.action_mask.data()),
                   static_cast<uint32_t>(o.action_mask.size()));
  pack_str(pk, "turn");
  pk.pack_int32(o.turn);
}

// Packs StepInfo as visit_step_info lists it (the list Env::info_json is built from, so the wire
// and in-process info cannot drift apart). Checks that every map holds as many fields as its
// declared size, so a field added without its count throws instead of corrupting the reply.
class InfoPacker {
 public:
  explicit InfoPacker(Packer& pk) : pk_(pk) {}

  void field(std::string_view key, std::optional<std::string_view> v) {
    begin(key);
    if (v)
      pack_str(pk_, *v);
    else
      pk_.pack_nil();
  }
  void field(std::string_view key, std::optional<int64_t> v) {
    begin(key);
    if (v)
      pk_.pack_int64(*v);
    else
      pk_.pack_nil();
  }
  void field(std::string_view key, std::optional<double> v) {
    begin(key);
    if (v)
      pk_.pack_double(*v);
    else
      pk_.pack_nil();
  }
  void field(std::string_view key, std::string_view v) {
    begin(key);
    pack_str(pk_, v);
  }
  void field(std::string_view key, int64_t v) {
    begin(key);
    pk_.pack_int64(v);
  }
  void field(std::string_view key, double v) {
    begin(key);
    pk_.pack_double(v);
  }
  void field(std::string_view key, bool v) {
    begin(key);
    v ? pk_.pack_true() : pk_.pack_false();
  }
  template <class F>
  void map(std::string_view key, int size, F&& body) {
    begin(key);
    pk_.pack_map(static_cast<uint32_t>(size));
    const int outer = count_;
    count_ = 0;
    body();
    expect(key, size);
    count_ = outer;
  }

  static void pack(Packer& pk, const Task& task, const StepInfo& info) {
    pk.pack_map(kStepInfoFields);
    InfoPacker w(pk);
    visit_step_info(task, info, w);
    w.expect("info", kStepInfoFields);
  }

 private:
  void begin(std::string_view key) {
    ++count_;
    pack_str(pk_, key);
  }
  void expect(std::string_view where, int size) const {
    if (count_ != size) {
      throw std::logic_error(
          fmt::format("{}: visit_step_info packed {} fields, declared {}", where, count_, size));
    }
  }

  Packer& pk_;
  int count_ = 0;
};

// obs, reward, terminated, truncated, info: 5 key/value pairs.
void pack_step_fields(Packer& pk, const Task& task, const StepResult& r, bool act_features) {
  pack_str(pk, "obs");
  pack_obs(pk, r.obs, act_features);
  pack_str(pk, "reward");
  pk.pack_double(r.reward);
  pack_str(pk, "terminated");
  r.terminated ? pk.pack_true() : pk.pack_false();
  pack_str(pk, "truncated");
  r.truncated ? pk.pack_true() : pk.pack_false();
  pack_str(pk, "info");
  InfoPacker::pack(pk, task, r.info);
}

void pack_error_map(Packer& pk, const RequestError& e) {
  pk.pack_map(2);
  pack_str(pk, "code");
  pack_str(pk, to_string(e.code));
  pack_str(pk, "message");
  pack_str(pk, e.message);
}

}  // namespace

bool is_loopback_endpoint(const std::string& endpoint) {
  if (endpoint.rfind("ipc://", 0) == 0 || endpoint.rfind("inproc://", 0) == 0) return true;
  if (endpoint.rfind("tcp://", 0) != 0) return false;
  std::string host = endpoint.substr(6);
  const auto colon = host.rfind(':');
  if (colon == std::string::npos) return false;
  host = host.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct Server::Impl {
  struct Session {
    std::string id;
    Env env;
    bool pooled;        // stepped on the pool (its strand), not on the I/O thread
    bool act_features;  // its obs maps carry act_features (asked for in `make`; forks inherit)
    std::optional<asio::strand<asio::thread_pool::executor_type>> strand;
    std::atomic<int64_t> last_used{now_ns()};
    std::atomic<int> in_flight{0};
    Session(std::string i, Env e, bool p, bool af)
        : id(std::move(i)), env(std::move(e)), pooled(p), act_features(af) {}
  };

  struct Endpoint {
    zmq::socket_t sock;
    std::unique_ptr<asio::posix::stream_descriptor> fd;
    std::string address;
  };

  // Where a reply goes: the endpoint, the peer's envelope frames, the request id.
  struct ReplyTo {
    Endpoint* ep = nullptr;
    std::vector<zmq::message_t> envelope;
    std::optional<uint64_t> id;
  };

  struct Batch {
    ReplyTo to;
    std::vector<std::string> items;  // packed result maps, in request order
    size_t remaining = 0;            // I/O thread only
  };

  Impl(const Registry& r, ServerOptions o)
      : registry(r),
        opt(std::move(o)),
        pool(static_cast<size_t>(opt.threads)),
        signals(io),
        reaper(io),
        started(Clock::now()) {}

  const Registry& registry;
  ServerOptions opt;
  zmq::context_t ctx{1};
  asio::io_context io;
  asio::thread_pool pool;
  asio::signal_set signals;
  asio::steady_timer reaper;
  std::vector<std::unique_ptr<Endpoint>> endpoints;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions;  // I/O thread only
  bool shutting_down = false;                                          // I/O thread only
  bool closed = false;                                                 // I/O thread only
  int64_t pending = 0;  // requests handed to the pool and not yet answered (I/O thread)
  Clock::time_point started;
  std::atomic<uint64_t> n_requests{0}, n_errors{0}, n_steps{0}, n_sessions{0};

  // ---- socket plumbing (I/O thread) ----

  void arm(Endpoint& ep) {
    ep.fd->async_wait(asio::posix::stream_descriptor::wait_read,
                      [this, &ep](const boost::system::error_code& ec) {
                        if (ec || closed) return;
                        drain(ep);
                        if (!closed) arm(ep);
                      });
  }

  // ZMQ_FD is edge-triggered: after any operation on the socket, read until ZMQ_EVENTS says no.
  void drain(Endpoint& ep) {
    while (!closed && (ep.sock.get(zmq::sockopt::events) & ZMQ_POLLIN)) {
      std::vector<zmq::message_t> frames;
      const auto n =
          zmq::recv_multipart(ep.sock, std::back_inserter(frames), zmq::recv_flags::dontwait);
      if (!n || frames.empty()) break;
      on_message(ep, std::move(frames));
    }
  }

  void send(ReplyTo& to, const msgpack::sbuffer& body) {
    if (closed) return;
    try {
      for (auto& f : to.envelope)
        to.ep->sock.send(f, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      if (!to.ep->sock.send(zmq::message_t(body.data(), body.size()), zmq::send_flags::dontwait)) {
        spdlog::warn("reply dropped: peer not reading (high-water mark)");
      }
    } catch (const zmq::error_t& e) {
      spdlog::warn("reply dropped: {}", e.what());
    }
  }

  // ---- replies ----

  static void begin_reply(Packer& pk, const std::optional<uint64_t>& id, bool ok, uint32_t fields) {
    pk.pack_map(3 + fields);
    pack_str(pk, "v");
    pk.pack_int32(kProtocolVersion);
    pack_str(pk, "id");
    if (id)
      pk.pack_uint64(*id);
    else
      pk.pack_nil();
    pack_str(pk, "ok");
    ok ? pk.pack_true() : pk.pack_false();
  }

  msgpack::sbuffer error_body(const std::optional<uint64_t>& id, const RequestError& e) {
    ++n_errors;
    msgpack::sbuffer buf;
    Packer pk(buf);
    begin_reply(pk, id, false, 1);
    pack_str(pk, "error");
    pack_error_map(pk, e);
    return buf;
  }

  // Runs `build` (which packs the reply's own fields into a fresh reply) and turns exceptions into
  // an error reply.
  template <class Build>
  msgpack::sbuffer guarded(const std::optional<uint64_t>& id, Build&& build) {
    try {
      return build();
    } catch (const RequestError& e) {
      return error_body(id, e);
    } catch (const std::exception& e) {
      const RequestError re = classify(e);
      if (re.code == ErrorCode::kInternal) spdlog::error("internal error: {}", e.what());
      return error_body(id, re);
    }
  }

  // ---- dispatch (I/O thread) ----

  void on_message(Endpoint& ep, std::vector<zmq::message_t> frames) {
    ++n_requests;
    ReplyTo to;
    to.ep = &ep;
    zmq::message_t body = std::move(frames.back());
    frames.pop_back();
    to.envelope = std::move(frames);
    try {
      if (body.size() > opt.max_message_bytes) {
        fail(ErrorCode::kTooLarge,
             fmt::format("request of {} bytes; the limit is {} (max_message_bytes)", body.size(),
                         opt.max_message_bytes));
      }
      msgpack::object_handle handle;
      size_t offset = 0;
      try {
        const msgpack::unpack_limit limits(1u << 20, 1u << 16, opt.max_message_bytes,
                                           opt.max_message_bytes, 1u << 16, kMaxDepth);
        handle = msgpack::unpack(static_cast<const char*>(body.data()), body.size(), offset,
                                 nullptr, nullptr, limits);
      } catch (const std::exception& e) {
        fail(ErrorCode::kMalformed,
             fmt::format("body is not a MessagePack value within limits: {}", e.what()));
      }
      if (offset != body.size()) {
        fail(ErrorCode::kMalformed,
             fmt::format("{} trailing bytes after the request map", body.size() - offset));
      }
      const msgpack::object& req = handle.get();
      if (req.type != msgpack::type::MAP) {
        fail(ErrorCode::kMalformed, fmt::format("body must be a map, got {}", type_name(req)));
      }
      const auto* id = find_key(req, "id");
      if (id != nullptr && id->type == msgpack::type::POSITIVE_INTEGER) to.id = id->via.u64;
      const auto* v = find_key(req, "v");
      if (v == nullptr) fail(ErrorCode::kBadVersion, "field 'v' is required; expected 1");
      if (v->type != msgpack::type::POSITIVE_INTEGER || v->via.u64 != kProtocolVersion) {
        fail(ErrorCode::kBadVersion,
             fmt::format("protocol version {}: this server speaks 1",
                         v->type == msgpack::type::POSITIVE_INTEGER ? std::to_string(v->via.u64)
                                                                    : std::string(type_name(*v))));
      }
      if (id == nullptr) fail(ErrorCode::kMissingField, "field 'id' is required");
      if (!to.id) {
        fail(ErrorCode::kWrongType,
             fmt::format("field 'id': expected an unsigned integer, got {}", type_name(*id)));
      }
      const std::string op = require_str(req, "op");
      if (shutting_down) fail(ErrorCode::kShuttingDown, "the server is shutting down");
      dispatch(op, req, to);
    } catch (const RequestError& e) {
      send(to, error_body(to.id, e));
    } catch (const std::exception& e) {
      const RequestError re = classify(e);
      if (re.code == ErrorCode::kInternal) spdlog::error("internal error: {}", e.what());
      send(to, error_body(to.id, re));
    }
  }

  std::shared_ptr<Session> find_session(const msgpack::object& req) {
    const std::string id = require_str(req, "session");
    auto it = sessions.find(id);
    if (it == sessions.end()) {
      fail(
          ErrorCode::kUnknownSession,
          fmt::format("session '{}' does not exist (never made, closed, or reaped after {} s idle)",
                      id, opt.idle_timeout_s));
    }
    it->second->last_used = now_ns();
    return it->second;
  }

  // Steps costing more than one plain exchange (MR lookahead) go to the pool; a cheap step takes
  // about a microsecond, less than a thread hop.
  static bool runs_on_pool(const Env& env) { return env.step_cost() > 1; }

  std::shared_ptr<Session> add_session(Env env, bool act_features) {
    if (sessions.size() >= opt.max_sessions) {
      fail(ErrorCode::kTooManySessions,
           fmt::format("{} sessions are open; the limit is {} (max_sessions)", sessions.size(),
                       opt.max_sessions));
    }
    const bool on_pool = runs_on_pool(env);
    auto s = std::make_shared<Session>(new_session_id(), std::move(env), on_pool, act_features);
    if (on_pool) s->strand.emplace(asio::make_strand(pool.get_executor()));
    sessions.emplace(s->id, s);
    n_sessions = sessions.size();
    return s;
  }

  // Runs `work(Session&) -> sbuffer` in the session's order: inline for cheap sessions, on the
  // session's strand for MR sessions; then `done(sbuffer&)` on the I/O thread sends it.
  template <class Work>
  void on_session(std::shared_ptr<Session> s, ReplyTo to, Work work) {
    if (!s->pooled) {
      msgpack::sbuffer body = guarded(to.id, [&] { return work(*s); });
      send(to, body);
      return;
    }
    ++s->in_flight;
    ++pending;
    asio::post(*s->strand, [this, s, to = std::move(to), work = std::move(work)]() mutable {
      auto body = std::make_shared<msgpack::sbuffer>(guarded(to.id, [&] { return work(*s); }));
      asio::post(io, [this, s, to = std::move(to), body]() mutable {
        --s->in_flight;
        --pending;
        s->last_used = now_ns();
        send(to, *body);
        drain(*to.ep);
        maybe_finish();
      });
    });
  }

  // ---- operations (I/O thread) ----
  //
  // One handler per op. `to` is moved from only by the final hand-off, so that a failure before
  // it can still reply.
  using Handler = void (Impl::*)(const msgpack::object& req, ReplyTo& to);
  struct Operation {
    std::string_view name;
    Handler handler;
  };

  static const Operation* find_operation(std::string_view op) {
    static constexpr std::array<Operation, kOperations.size()> kTable{{
        {"hello", &Impl::op_hello},
        {"list", &Impl::op_list},
        {"spec", &Impl::op_spec},
        {"make", &Impl::op_make},
        {"reset", &Impl::op_reset},
        {"step", &Impl::op_step},
        {"step_many", &Impl::op_step_many},
        {"fork", &Impl::op_fork},
        {"close", &Impl::op_close},
        {"ping", &Impl::op_ping},
        {"stats", &Impl::op_stats},
    }};
    static_assert(
        [] {
          for (size_t i = 0; i < kTable.size(); ++i) {
            if (kTable[i].name != kOperations[i]) return false;
          }
          return true;
        }(),
        "the dispatch table must list the ops of kOperations (bridge/protocol.h), in order");
    for (const auto& o : kTable) {
      if (o.name == op) return &o;
    }
    return nullptr;
  }

  void dispatch(const std::string& op, const msgpack::object& req, ReplyTo& to) {
    const Operation* o = find_operation(op);
    if (o == nullptr) {
      fail(ErrorCode::kUnknownOp,
           fmt::format("unknown op '{}'; expected one of: {}", op, fmt::join(kOperations, ", ")));
    }
    (this->*(o->handler))(req, to);
  }

  void op_ping(const msgpack::object&, ReplyTo& to) {
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 1);
    pack_str(pk, "pong");
    pk.pack_true();
    send(to, b);
  }

  void op_hello(const msgpack::object&, ReplyTo& to) {
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 6);
    pack_str(pk, "protocol");
    pk.pack_int32(kProtocolVersion);
    pack_str(pk, "protocol_minor");
    pk.pack_int32(kProtocolMinor);
    pack_str(pk, "server");
    pack_str(pk, fmt::format("collabgym {}", kVersion));
    pack_str(pk, "ops");
    pk.pack_array(static_cast<uint32_t>(kOperations.size()));
    for (const auto name : kOperations) pack_str(pk, name);
    pack_str(pk, "limits");
    pack_json(pk, {{"max_message_bytes", opt.max_message_bytes},
                   {"max_sessions", opt.max_sessions},
                   {"idle_timeout_s", opt.idle_timeout_s},
                   {"max_batch", opt.max_batch}});
    pack_str(pk, "capabilities");
    pk.pack_array(static_cast<uint32_t>(kCapabilities.size()));
    for (const auto name : kCapabilities) pack_str(pk, name);
    send(to, b);
  }

  void op_list(const msgpack::object&, ReplyTo& to) {
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 1);
    pack_str(pk, "ids");
    pack_json(pk, registry.ids());
    send(to, b);
  }

  void op_stats(const msgpack::object&, ReplyTo& to) {
    const ServerStats st = snapshot();
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 5);
    put(pk, "sessions", st.sessions);
    put(pk, "requests", st.requests);
    put(pk, "errors", st.errors);
    put(pk, "steps", st.steps);
    put(pk, "uptime_s", st.uptime_s);
    send(to, b);
  }

  void op_spec(const msgpack::object& req, ReplyTo& to) {
    const Env env = registry.make(require_str(req, "env_id"), optional_options(req));
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 1);
    pack_str(pk, "spec");
    pack_json(pk, env.spec());
    send(to, b);
  }

  void op_make(const msgpack::object& req, ReplyTo& to) {
    const std::string env_id = require_str(req, "env_id");
    const nlohmann::json options = optional_options(req);
    const bool act_features = optional_bool(req, "act_features");
    auto s = add_session(registry.make(env_id, options), act_features);
    spdlog::debug("session {} made ({})", s->id, env_id);
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 2);
    pack_str(pk, "session");
    pack_str(pk, s->id);
    pack_str(pk, "spec");
    pack_json(pk, s->env.spec());  // nothing is in flight on a session just made
    send(to, b);
  }

  void op_reset(const msgpack::object& req, ReplyTo& to) {
    auto s = find_session(req);
    std::optional<uint64_t> seed;
    if (const auto* sv = find_key(req, "seed"); sv != nullptr && sv->type != msgpack::type::NIL) {
      if (sv->type != msgpack::type::POSITIVE_INTEGER) {
        fail(ErrorCode::kWrongType,
             fmt::format("field 'seed': expected an unsigned integer, got {}", type_name(*sv)));
      }
      seed = sv->via.u64;
    }
    nlohmann::json options = optional_options(req);
    const auto id = to.id;
    on_session(s, std::move(to), [seed, options = std::move(options), id](Session& sess) {
      const ResetResult r = sess.env.reset(seed, options);
      msgpack::sbuffer b;
      Packer pk(b);
      begin_reply(pk, id, true, 3);
      pack_str(pk, "obs");
      pack_obs(pk, r.obs, sess.act_features);
      pack_str(pk, "seed");
      pk.pack_uint64(r.seed);
      pack_str(pk, "info");
      pk.pack_map(0);
      return b;
    });
  }

  void op_step(const msgpack::object& req, ReplyTo& to) {
    auto s = find_session(req);
    Action action = decode_action(require(req, "action"), "field 'action'");
    const auto id = to.id;
    on_session(s, std::move(to), [this, action = std::move(action), id](Session& sess) {
      const StepResult r = sess.env.step(action);
      ++n_steps;
      msgpack::sbuffer b;
      Packer pk(b);
      begin_reply(pk, id, true, 5);
      pack_step_fields(pk, sess.env.task(), r, sess.act_features);
      return b;
    });
  }

  void op_fork(const msgpack::object& req, ReplyTo& to) {
    auto s = find_session(req);
    if (sessions.size() >= opt.max_sessions) {
      fail(ErrorCode::kTooManySessions,
           fmt::format("{} sessions are open; the limit is {} (max_sessions)", sessions.size(),
                       opt.max_sessions));
    }
    if (!s->pooled) {
      auto copy = add_session(s->env.clone(), s->act_features);
      send(to, session_reply(to.id, copy->id));
      return;
    }
    ++s->in_flight;
    ++pending;
    asio::post(*s->strand, [this, s, to = std::move(to)]() mutable {
      auto env = std::make_shared<Env>(s->env.clone());
      asio::post(io, [this, s, env, to = std::move(to)]() mutable {
        --s->in_flight;
        --pending;
        send(to, guarded(to.id, [&] {
               return session_reply(to.id, add_session(std::move(*env), s->act_features)->id);
             }));
        drain(*to.ep);
        maybe_finish();
      });
    });
  }

  void op_close(const msgpack::object& req, ReplyTo& to) {
    auto s = find_session(req);
    const auto id = to.id;
    on_session(s, std::move(to), [id](Session&) {
      msgpack::sbuffer b;
      Packer pk(b);
      begin_reply(pk, id, true, 0);
      return b;
    });
    sessions.erase(s->id);  // requests already queued on its strand still complete
    n_sessions = sessions.size();
  }

  static msgpack::sbuffer session_reply(const std::optional<uint64_t>& id,
                                        const std::string& session) {
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, id, true, 1);
    pack_str(pk, "session");
    pack_str(pk, session);
    return b;
  }

  // One step_many item, packed: {ok, obs, reward, terminated, truncated, info} or {ok, error}.
  std::string step_item(Session& s, const Action& action) {
    msgpack::sbuffer b;
    Packer pk(b);
    try {
      const StepResult r = s.env.step(action);
      ++n_steps;
      pk.pack_map(6);
      pack_str(pk, "ok");
      pk.pack_true();
      pack_step_fields(pk, s.env.task(), r, s.act_features);
    } catch (const std::exception& e) {
      b.clear();
      error_item(pk, classify(e));
    }
    return std::string(b.data(), b.size());
  }

  void error_item(Packer& pk, const RequestError& e) {
    ++n_errors;
    pk.pack_map(2);
    pack_str(pk, "ok");
    pk.pack_false();
    pack_str(pk, "error");
    pack_error_map(pk, e);
  }

  void op_step_many(const msgpack::object& req, ReplyTo& to) {
    const auto& steps = require(req, "steps");
    if (steps.type != msgpack::type::ARRAY) {
      fail(ErrorCode::kWrongType,
           fmt::format("field 'steps': expected array, got {}", type_name(steps)));
    }
    if (steps.via.array.size > opt.max_batch) {
      fail(ErrorCode::kTooLarge, fmt::format("'steps' has {} items; the limit is {} (max_batch)",
                                             steps.via.array.size, opt.max_batch));
    }
    const size_t n = steps.via.array.size;
    auto batch = std::make_shared<Batch>();
    batch->items.resize(n);
    batch->remaining = 1;  // released after the loop
    for (size_t i = 0; i < n; ++i) {
      const auto& item = steps.via.array.ptr[i];
      std::shared_ptr<Session> s;
      Action action;
      try {
        if (item.type != msgpack::type::MAP) {
          fail(ErrorCode::kWrongType,
               fmt::format("steps[{}]: expected map {{session, action}}, got {}", i,
                           type_name(item)));
        }
        s = find_session(item);
        action = decode_action(require(item, "action"), fmt::format("steps[{}].action", i));
      } catch (const RequestError& e) {
        msgpack::sbuffer b;
        Packer pk(b);
        error_item(pk, e);
        batch->items[i].assign(b.data(), b.size());
        continue;
      }
      if (!s->pooled) {
        batch->items[i] = step_item(*s, action);
        continue;
      }
      ++batch->remaining;
      ++s->in_flight;
      ++pending;
      asio::post(*s->strand, [this, s, batch, i, action = std::move(action)]() {
        batch->items[i] = step_item(*s, action);  // distinct slot per item: no race
        asio::post(io, [this, s, batch]() {
          --s->in_flight;
          --pending;
          s->last_used = now_ns();
          if (--batch->remaining == 0) finish_batch(*batch);
          maybe_finish();
        });
      });
    }
    batch->to = std::move(to);
    if (--batch->remaining == 0) finish_batch(*batch);
  }

  void finish_batch(Batch& batch) {
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, batch.to.id, true, 1);
    pack_str(pk, "results");
    pk.pack_array(static_cast<uint32_t>(batch.items.size()));
    for (const auto& item : batch.items) b.write(item.data(), item.size());
    send(batch.to, b);
    drain(*batch.to.ep);
  }

  // ---- lifetime ----

  void reap() {
    const int64_t limit = static_cast<int64_t>(opt.idle_timeout_s * 1e9);
    const int64_t now = now_ns();
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (it->second->in_flight == 0 && now - it->second->last_used > limit) {
        spdlog::debug("session {} reaped after {:.0f} s idle", it->first, opt.idle_timeout_s);
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
    n_sessions = sessions.size();
  }

  void schedule_reaper() {
    const double period = std::clamp(opt.idle_timeout_s / 4, 0.05, 1.0);
    reaper.expires_after(std::chrono::microseconds(static_cast<int64_t>(period * 1e6)));
    reaper.async_wait([this](const boost::system::error_code& ec) {
      if (ec || shutting_down) return;
      reap();
      schedule_reaper();
    });
  }

  void begin_shutdown() {
    if (shutting_down) return;
    spdlog::info("shutting down: answering {} request(s) in flight", pending);
    shutting_down = true;
    reaper.cancel();
    signals.cancel();
    maybe_finish();
  }

  void maybe_finish() {
    if (!shutting_down || pending > 0 || closed) return;
    closed = true;
    for (auto& ep : endpoints) {
      ep->fd->cancel();
      ep->fd->release();  // the descriptor belongs to ZeroMQ
      ep->sock.set(zmq::sockopt::linger, 1000);
      ep->sock.close();
    }
  }

  ServerStats snapshot() const {
    ServerStats s;
    s.sessions = n_sessions;
    s.requests = n_requests;
    s.errors = n_errors;
    s.steps = n_steps;
    s.uptime_s = std::chrono::duration<double>(Clock::now() - started).count();
    return s;
  }
};

Server::Server(const Registry& registry, ServerOptions o) {
  if (o.binds.empty()) throw InvalidOption("server: at least one --bind endpoint is required");
  if (o.threads < 1 || o.threads > 256) {
    throw InvalidOption(fmt::format("--threads {}: expected an integer in [1, 256]", o.threads));
  }
  if (o.max_sessions < 1) throw InvalidOption("--max-sessions 0: expected at least 1");
  if (!(o.idle_timeout_s > 0)) {
    throw InvalidOption(
        fmt::format("--idle-timeout {}: expected a number of seconds > 0", o.idle_timeout_s));
  }
  if (o.max_message_bytes < 1024) {
    throw InvalidOption(
        fmt::format("--max-message-bytes {}: expected at least 1024", o.max_message_bytes));
  }
  if (o.max_batch < 1) throw InvalidOption("max_batch 0: expected at least 1");
  for (const auto& b : o.binds) {
    const bool known_transport = b.rfind("tcp://", 0) == 0 || b.rfind("ipc://", 0) == 0 ||
                                 b.rfind("inproc://", 0) == 0;
    if (!known_transport || (b.rfind("tcp://", 0) == 0 && b.find(':', 6) == std::string::npos)) {
      throw InvalidOption(fmt::format(
          "--bind '{}': expected an endpoint tcp://HOST:PORT (e.g. tcp://127.0.0.1:5555) or "
          "ipc://PATH",
          b));
    }
    if (!o.allow_remote && !is_loopback_endpoint(b)) {
      throw InvalidOption(fmt::format(
          "--bind {}: not a loopback address; pass --allow-remote to serve other machines "
          "(there is no authentication yet: anyone who reaches the port can use the server)",
          b));
    }
  }
  impl_ = std::make_unique<Impl>(registry, std::move(o));
  const int64_t hard_cap =
      std::max<int64_t>(16 << 20, 4 * static_cast<int64_t>(impl_->opt.max_message_bytes));
  for (const auto& b : impl_->opt.binds) {
    auto ep = std::make_unique<Impl::Endpoint>();
    ep->sock = zmq::socket_t(impl_->ctx, zmq::socket_type::router);
    ep->sock.set(zmq::sockopt::maxmsgsize, hard_cap);
    ep->sock.set(zmq::sockopt::linger, 0);
    try {
      ep->sock.bind(b);
    } catch (const zmq::error_t& e) {
      throw Error(fmt::format("cannot bind '{}': {}", b, e.what()));
    }
    ep->address = ep->sock.get(zmq::sockopt::last_endpoint);
    ep->fd =
        std::make_unique<asio::posix::stream_descriptor>(impl_->io, ep->sock.get(zmq::sockopt::fd));
    impl_->endpoints.push_back(std::move(ep));
  }
}

Server::~Server() {
  if (impl_ && !impl_->closed) {
    for (auto& ep : impl_->endpoints) {
      if (ep->fd) ep->fd->release();
    }
  }
}

void Server::run() {
  Impl& m = *impl_;
  for (auto& ep : m.endpoints) {
    spdlog::info("listening on {}", ep->address);
    m.arm(*ep);
    m.drain(*ep);
  }
  if (m.opt.handle_signals) {
    m.signals.add(SIGINT);
    m.signals.add(SIGTERM);
    m.signals.async_wait([&m](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      spdlog::info("signal {} received", sig);
      m.begin_shutdown();
    });
  }
  m.schedule_reaper();
  m.io.run();
  m.pool.join();
  spdlog::info("stopped after {} requests", m.n_requests.load());
}

void Server::stop() {
  asio::post(impl_->io, [m = impl_.get()] { m->begin_shutdown(); });
}

std::vector<std::string> Server::endpoints() const {
  std::vector<std::string> out;
  for (const auto& ep : impl_->endpoints) out.push_back(ep->address);
  return out;
}

ServerStats Server::stats() const { return impl_->snapshot(); }

}  // namespace collab::bridge
