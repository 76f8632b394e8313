#include "bridge/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <zmq.hpp>

#include "bridge/codec.h"
#include "bridge/protocol.h"
#include "bridge/server_transport.h"
#include "bridge/server_wire.h"
#include "env/error.h"
#include "env/scenario.h"
#include "env/version.h"

namespace collab::bridge {

namespace asio = boost::asio;
using namespace detail;  // NOLINT(google-build-using-namespace): the server's own internals

namespace {

using Clock = std::chrono::steady_clock;

// 128 bits from the OS's random source. One device per server (opening one costs more than a
// whole cheap `make`), used on the I/O thread only.
std::string new_session_id(std::random_device& rd) {
  std::string id;
  for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", static_cast<uint32_t>(rd()));
  return id;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// A scenario clients may pick (docs/protocol.md "Scenarios"): by name or by content hash.
struct OfferedScenario {
  std::string task;  // the task's name ("twenty_questions"), from its folder or the file's "task"
  std::string name;  // the file's stem ("small-v2")
  std::string hash;  // content hash of the file as read at startup (ScenarioFile::hash)
  std::string path;  // on the server; never sent
  bool is_default = false;
};

// The *.json regular files directly in `dir`, sorted.
std::vector<std::filesystem::path> json_files(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json" && it->is_regular_file(ec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The scenarios shipped in scenario_dir()/<task>/ for every registered task, then the operator's
// (--scenario FILE, --scenario-dir DIR). Throws collab::InvalidOption or ScenarioError naming a
// bad operator file or folder, or a name offered twice with different content.
std::vector<OfferedScenario> offered_scenarios(const Registry& registry, const ServerOptions& o) {
  namespace fs = std::filesystem;
  std::set<std::string> tasks, defaults;
  for (const auto& id : registry.ids()) {
    tasks.insert(registry.task_name(id));
    defaults.insert(fs::path(registry.default_scenario_path(id)).lexically_normal().string());
  }
  std::vector<OfferedScenario> out;
  for (const auto& task : tasks) {
    for (const auto& p : json_files(fs::path(scenario_dir()) / task)) {
      const std::string path = p.lexically_normal().string();
      if (auto hash = scenario_file_hash(path)) {
        out.push_back({task, p.stem().string(), *hash, path, defaults.contains(path)});
      }
    }
  }
  std::vector<fs::path> files(o.scenario_files.begin(), o.scenario_files.end());
  for (const auto& dir : o.scenario_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      throw InvalidOption(fmt::format(
          "--scenario-dir {}: not a folder; expected a folder of scenario JSON files", dir));
    }
    for (auto& p : json_files(dir)) files.push_back(std::move(p));
  }
  for (const auto& p : files) {
    const ScenarioFile f = load_scenario_file(p.string());  // throws naming the file
    const auto* task = f.json.is_object() && f.json.contains("task") ? &f.json["task"] : nullptr;
    if (task == nullptr || !task->is_string() || !tasks.contains(task->get<std::string>())) {
      throw InvalidOption(
          fmt::format("--scenario {}: /task: expected one of: {}", f.path, fmt::join(tasks, ", ")));
    }
    OfferedScenario s{task->get<std::string>(), p.stem().string(), f.hash,
                      p.lexically_normal().string(), false};
    // A name means one content: the same file again is fine, another one is ambiguous.
    const auto same = std::find_if(out.begin(), out.end(), [&](const OfferedScenario& x) {
      return x.task == s.task && x.name == s.name;
    });
    if (same == out.end()) {
      out.push_back(std::move(s));
    } else if (same->hash != s.hash) {
      throw InvalidOption(fmt::format(
          "--scenario {}: a {} scenario named '{}' is already offered with other content ({}); "
          "expected a new name",
          f.path, s.task, s.name, same->path));
    }
  }
  return out;
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
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8 as a dotted quad; a host *name* starting with "127." (127.evil.example) is not.
  int octets = 0;
  for (size_t pos = 0; pos <= host.size(); ++octets) {
    const size_t dot = std::min(host.find('.', pos), host.size());
    int value = 0;
    const auto [end, ec] = std::from_chars(host.data() + pos, host.data() + dot, value);
    if (ec != std::errc() || end != host.data() + dot || dot - pos > 3 || value > 255) return false;
    if (octets == 0 && value != 127) return false;
    pos = dot + 1;
  }
  return octets == 4;
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
        transport(io, {opt.max_in_flight, opt.max_queued_bytes},
                  [this](ReplyTo&& to, zmq::message_t&& body) {
                    on_message(std::move(to), std::move(body));
                  }),
        started(Clock::now()),
        scenarios(offered_scenarios(r, opt)) {}

  const Registry& registry;
  ServerOptions opt;
  zmq::context_t ctx{1};
  asio::io_context io;
  asio::thread_pool pool;
  asio::signal_set signals;
  asio::steady_timer reaper;
  detail::Transport transport;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions;  // I/O thread only
  bool shutting_down = false;                                          // I/O thread only
  int64_t pending = 0;  // requests handed to the pool and not yet answered (I/O thread)
  Clock::time_point started;
  std::random_device session_ids;  // I/O thread only
  // What clients may pick; fixed at startup, so the registry caches at most one task per entry.
  std::vector<OfferedScenario> scenarios;
  std::atomic<uint64_t> n_requests{0}, n_errors{0}, n_steps{0}, n_sessions{0};

  // ---- replies ----

  void send(ReplyTo& to, const msgpack::sbuffer& body) { transport.reply(to, body); }

  msgpack::sbuffer error_body(const std::optional<uint64_t>& id, const RequestError& e) {
    ++n_errors;
    return error_reply(id, e);
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

  // Every request the transport accepted comes here and gets exactly one send().
  void on_message(ReplyTo&& to_in, zmq::message_t&& body) {
    ++n_requests;
    ReplyTo to = std::move(to_in);
    try {
      if (!to.too_large.empty()) fail(ErrorCode::kTooLarge, to.too_large);
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
      check_utf8(req);  // so that no handler sees, and no message quotes, text that is not UTF-8
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
      fail(ErrorCode::kUnknownSession,
           fmt::format("session {} does not exist (never made, closed, or reaped after {} s idle)",
                       quote_client_text(id), opt.idle_timeout_s));
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
    auto s = std::make_shared<Session>(new_session_id(session_ids), std::move(env), on_pool,
                                       act_features);
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
      fail(ErrorCode::kUnknownOp, fmt::format("unknown op {}; expected one of: {}",
                                              quote_client_text(op), fmt::join(kOperations, ", ")));
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
                   {"max_batch", opt.max_batch},
                   {"max_in_flight", opt.max_in_flight},
                   {"max_queued_bytes", opt.max_queued_bytes}});
    pack_str(pk, "capabilities");
    pk.pack_array(static_cast<uint32_t>(kCapabilities.size()));
    for (const auto name : kCapabilities) pack_str(pk, name);
    send(to, b);
  }

  void op_list(const msgpack::object&, ReplyTo& to) {
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 2);
    pack_str(pk, "ids");
    pack_json(pk, registry.ids());
    pack_str(pk, "scenarios");
    pack_scenarios(pk, "");
    send(to, b);
  }

  // [{name, task, hash, default}] of the offered scenarios (of `task` only, unless empty).
  void pack_scenarios(Packer& pk, const std::string& task) const {
    uint32_t n = 0;
    for (const auto& s : scenarios) n += task.empty() || s.task == task ? 1 : 0;
    pk.pack_array(n);
    for (const auto& s : scenarios) {
      if (!task.empty() && s.task != task) continue;
      pk.pack_map(4);
      pack_str(pk, "name");
      pack_str(pk, s.name);
      pack_str(pk, "task");
      pack_str(pk, s.task);
      pack_str(pk, "hash");
      pack_str(pk, s.hash);
      pack_str(pk, "default");
      s.is_default ? pk.pack_true() : pk.pack_false();
    }
  }

  // env.spec() as sent: spec.scenario names the scenario (file stem) instead of its path on the
  // server, which is not the client's business.
  static void pack_spec(Packer& pk, const nlohmann::json& spec) {
    pk.pack_map(static_cast<uint32_t>(spec.size()));
    for (const auto& [key, value] : spec.items()) {
      pack_str(pk, key);
      if (key != "scenario" || !value.is_object() || !value.contains("path") ||
          !value["path"].is_string()) {
        pack_json(pk, value);
        continue;
      }
      nlohmann::json scenario = value;
      const auto path = scenario["path"].get<std::string>();
      scenario.erase("path");
      scenario["name"] = std::filesystem::path(path).stem().string();
      pack_json(pk, scenario);
    }
  }

  // The environment `make` and `spec` ask for. Option `scenario` names an offered scenario (by
  // name or content hash), never a path: a client cannot make the server open a file.
  Env make_env(const msgpack::object& req) const {
    const std::string env_id = require_str(req, "env_id");
    if (env_id.size() > kMaxEnvId) {  // no near-id search over megabytes, no echo of them
      fail(ErrorCode::kUnknownEnv,
           fmt::format("unknown environment id {}; registered: {}", quote_client_text(env_id),
                       fmt::join(registry.ids(), ", ")));
    }
    nlohmann::json options = optional_options(req);
    const auto it = options.find("scenario");
    if (it == options.end() || it->is_null()) return registry.make(env_id, options);
    const std::string task = registry.task_name(env_id);  // unknown_env first
    const OfferedScenario* found = nullptr;
    if (it->is_string()) {
      const auto& want = it->get_ref<const std::string&>();
      for (const auto& s : scenarios) {
        if (s.task == task && s.name == want) found = &s;
      }
      for (const auto& s : scenarios) {
        if (found == nullptr && s.task == task && s.hash == want) found = &s;
      }
    }
    if (found == nullptr) {
      std::vector<std::string> names;
      for (const auto& s : scenarios) {
        if (s.task == task) names.push_back(s.name);
      }
      fail(ErrorCode::kInvalidOption,
           fmt::format("option 'scenario' = {}: not a scenario this server offers for task '{}'; "
                       "expected the name or content hash of one of: {} (see `list`)",
                       it->is_string() ? quote_client_text(it->get_ref<const std::string&>())
                                       : std::string(it->type_name()),
                       task, fmt::join(names, ", ")));
    }
    *it = found->name;  // what the spec records: the name, not the server's path
    return Env(registry.task(env_id, found->path), options);
  }

  void op_stats(const msgpack::object&, ReplyTo& to) {
    const ServerStats st = snapshot();
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 11);
    put(pk, "sessions", st.sessions);
    put(pk, "requests", st.requests);
    put(pk, "errors", st.errors);
    put(pk, "steps", st.steps);
    put(pk, "uptime_s", st.uptime_s);
    put(pk, "clients_waiting", st.clients_waiting);
    put(pk, "held_requests", st.held_requests);
    put(pk, "held_bytes", st.held_bytes);
    put(pk, "max_client_bytes", st.max_client_bytes);
    put(pk, "overloaded", st.overloaded);
    put(pk, "dropped", st.dropped);
    send(to, b);
  }

  void op_spec(const msgpack::object& req, ReplyTo& to) {
    const Env env = make_env(req);
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 2);
    pack_str(pk, "spec");
    pack_spec(pk, env.spec());
    pack_str(pk, "scenarios");
    pack_scenarios(pk, env.task().name());
    send(to, b);
  }

  void op_make(const msgpack::object& req, ReplyTo& to) {
    const bool act_features = optional_bool(req, "act_features");
    Env env = make_env(req);
    auto s = add_session(std::move(env), act_features);
    spdlog::debug("session {} made ({})", s->id, s->env.task().id());
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, to.id, true, 2);
    pack_str(pk, "session");
    pack_str(pk, s->id);
    pack_str(pk, "spec");
    pack_spec(pk, s->env.spec());  // nothing is in flight on a session just made
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
      transport.forget_idle_clients();
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
    if (!shutting_down || pending > 0 || transport.closed()) return;
    transport.close();
  }

  ServerStats snapshot() const {
    ServerStats s;
    s.sessions = n_sessions;
    s.requests = n_requests;
    s.errors = n_errors;
    s.steps = n_steps;
    s.uptime_s = std::chrono::duration<double>(Clock::now() - started).count();
    const detail::TransportStats t = transport.stats();
    s.clients_waiting = t.clients_waiting;
    s.held_requests = t.held_requests;
    s.held_bytes = t.held_bytes;
    s.max_client_bytes = t.max_client_bytes;
    s.overloaded = t.overloaded;
    s.dropped = t.dropped;
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
  if (o.max_in_flight < 1) throw InvalidOption("max_in_flight 0: expected at least 1");
  if (o.max_queued_bytes < o.max_message_bytes) {
    throw InvalidOption(fmt::format(
        "max_queued_bytes {}: expected at least max_message_bytes ({}), so that one request fits",
        o.max_queued_bytes, o.max_message_bytes));
  }
  for (const auto& b : o.binds) {
    const bool known_transport =
        b.rfind("tcp://", 0) == 0 || b.rfind("ipc://", 0) == 0 || b.rfind("inproc://", 0) == 0;
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
  for (const auto& b : impl_->opt.binds) impl_->transport.bind(impl_->ctx, b, hard_cap);
}

Server::~Server() = default;

void Server::run() {
  Impl& m = *impl_;
  for (const auto& address : m.transport.addresses()) spdlog::info("listening on {}", address);
  m.transport.start();
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

std::vector<std::string> Server::endpoints() const { return impl_->transport.addresses(); }

ServerStats Server::stats() const { return impl_->snapshot(); }

}  // namespace collab::bridge
