// Server::Impl (bridge/server_impl.h), first half: sessions, reply order, dispatch, the
// single-session ops and lifetime. The batch ops are in bridge/server_batch.cpp.
#include "bridge/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>
#include <random>
#include <set>

#include "bridge/codec.h"
#include "bridge/curve.h"
#include "bridge/protocol.h"
#include "bridge/server_impl.h"
#include "bridge/server_transport.h"
#include "bridge/server_wire.h"
#include "env/error.h"
#include "env/scenario.h"
#include "env/version.h"

namespace collab::bridge {

namespace asio = boost::asio;
using namespace detail;  // NOLINT(google-build-using-namespace): the server's own internals

namespace {

// 128 bits from the OS's random source. One device per server (opening one costs more than a
// whole cheap `make`), used on the I/O thread only.
std::string new_session_id(std::random_device& rd) {
  std::string id;
  for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", static_cast<uint32_t>(rd()));
  return id;
}

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

Server::Impl::Impl(const Registry& r, ServerOptions o)
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

// ---- replies ----

// ---- per-session reply order (I/O thread; docs/protocol.md "Delivery") ----
//
// A request naming sessions whose replies may not all be sent by the time it has been handled
// (one of them is stepped on the pool, or has replies waiting) takes a place (an OrderSlot, in
// `to.order`) in each of their queues when it is read; its reply, whenever it is made, goes out
// once it is first in all of them. Other requests are answered while they are handled, after
// everything before them.

Server::Impl::About Server::Impl::needs_order(const msgpack::object& req) {
  named_.clear();
  bool wait = false;
  const auto add = [&](const msgpack::object& m) {
    const auto* v = find_key(m, "session");
    if (v == nullptr || v->type != msgpack::type::STR) return;
    const std::string_view id(v->via.str.ptr, v->via.str.size);
    auto it = sessions.find(id);
    if (it == sessions.end()) {
      it = draining.find(id);
      if (it == draining.end()) return;
    }
    Session* s = it->second.get();
    wait = wait || s->pooled || !s->replies.empty();
    if (std::find(named_.begin(), named_.end(), s) == named_.end()) named_.push_back(s);
  };
  add(req);
  for (uint32_t i = 0; i < req.via.map.size; ++i) {
    const auto& v = req.via.map.ptr[i].val;
    if (v.type != msgpack::type::ARRAY) continue;
    for (uint32_t j = 0; j < v.via.array.size; ++j) add(v.via.array.ptr[j]);
  }
  About out;
  if (!wait) return out;
  for (Session* s : named_) out.push_back(s->shared_from_this());
  return out;
}

void Server::Impl::reserve(About about, ReplyTo& to) {
  auto p = std::make_shared<Pending>();
  p->about = std::move(about);
  for (const auto& s : p->about) s->replies.push_back(p);
  to.order = std::move(p);
}

void Server::Impl::release(std::shared_ptr<Pending> first) {
  std::vector<std::shared_ptr<Pending>> check{std::move(first)};
  while (!check.empty()) {
    const auto p = std::move(check.back());
    check.pop_back();
    if (!p->body) continue;
    const bool ready = std::all_of(p->about.begin(), p->about.end(), [&p](const auto& s) {
      return !s->replies.empty() && s->replies.front() == p;
    });
    if (!ready) continue;
    transport.reply(p->to, *p->body);
    p->body.reset();  // sent: never again
    for (const auto& s : p->about) {
      s->replies.pop_front();
      if (!s->replies.empty()) {
        check.push_back(std::static_pointer_cast<Pending>(s->replies.front()));
      } else if (s->closed) {
        draining.erase(s->id);
      }
    }
  }
}

void Server::Impl::send(ReplyTo& to, const msgpack::sbuffer& body) {
  if (!to.order) {
    transport.reply(to, body);
    return;
  }
  auto p = std::static_pointer_cast<Pending>(std::move(to.order));
  to.order.reset();
  p->to = std::move(to);
  p->body.emplace();
  p->body->write(body.data(), body.size());
  release(std::move(p));
}

msgpack::sbuffer Server::Impl::error_body(const std::optional<uint64_t>& id,
                                          const RequestError& e) {
  ++n_errors;
  return error_reply(id, e);
}

// ---- dispatch (I/O thread) ----

template <class Handle>
void Server::Impl::answer(ReplyTo& to, Handle&& handle) {
  try {
    handle();
  } catch (const RequestError& e) {
    send(to, error_body(to.id, e));
  } catch (const std::exception& e) {
    const RequestError re = classify(e);
    if (re.code == ErrorCode::kInternal) spdlog::error("internal error: {}", e.what());
    send(to, error_body(to.id, re));
  }
}

void Server::Impl::on_message(ReplyTo&& to_in, zmq::message_t&& body) {
  ++n_requests;
  ReplyTo to = std::move(to_in);
  answer(to, [&] {
    if (!to.too_large.empty()) fail(ErrorCode::kTooLarge, to.too_large);
    // Once the body is a map, every reply, errors included, goes to its id and keeps its place
    // among those about the sessions the request names.
    const auto take_place = [&](const Request& r) {
      to.id = r.id;
      if (About about = needs_order(r.body()); !about.empty()) reserve(std::move(about), to);
    };
    const Request request = decode_request({static_cast<const char*>(body.data()), body.size()},
                                           opt.max_message_bytes, take_place);
    if (shutting_down) fail(ErrorCode::kShuttingDown, "the server is shutting down");
    dispatch(request.op, request.body(), to);
  });
}

std::shared_ptr<Server::Impl::Session> Server::Impl::find_session(const msgpack::object& req) {
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

std::string Server::Impl::rollout_group(const Env& env, const ReplyTo& to) {
  if (env.rollout_agent() == nullptr || !runs_on_pool(env)) return {};
  std::string key = fmt::format("{}|{}|", to.endpoint, env.rollout_agent()->name());
  if (!to.envelope.empty()) key.append(to.envelope[0].data<char>(), to.envelope[0].size());
  return key;
}

std::shared_ptr<Server::Impl::Session> Server::Impl::add_session(Env env, bool act_features,
                                                                 const std::string& group) {
  if (sessions.size() >= opt.max_sessions) {
    fail(ErrorCode::kTooManySessions,
         fmt::format("{} sessions are open; the limit is {} (max_sessions)", sessions.size(),
                     opt.max_sessions));
  }
  const bool on_pool = runs_on_pool(env);
  auto s =
      std::make_shared<Session>(new_session_id(session_ids), std::move(env), on_pool, act_features);
  if (on_pool && !group.empty()) {
    auto it = rollout_strands.find(group);
    if (it == rollout_strands.end()) {
      it = rollout_strands.emplace(group, asio::make_strand(pool.get_executor())).first;
    }
    s->strand.emplace(it->second);
  } else if (on_pool) {
    s->strand.emplace(asio::make_strand(pool.get_executor()));
  }
  sessions.emplace(s->id, s);
  n_sessions = sessions.size();
  return s;
}

template <class Work>
void Server::Impl::on_session(std::shared_ptr<Session> s, ReplyTo to, Work work) {
  if (!s->pooled) {
    msgpack::sbuffer body = guarded(to.id, [&] { return work(*s); });
    send(to, body);
    return;
  }
  auto body = std::make_shared<msgpack::sbuffer>();
  on_strand(
      s,
      [this, body, id = to.id, &sess = *s, work = std::move(work)]() mutable {
        *body = guarded(id, [&] { return work(sess); });
      },
      [this, body, to = std::move(to)]() mutable { send(to, *body); });
}

// ---- operations (I/O thread) ----
//
// One handler per op. `to` is moved from only by the final hand-off, so that a failure before
// it can still reply.

const Server::Impl::Operation* Server::Impl::find_operation(std::string_view op) {
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
      {"reset_many", &Impl::op_reset_many},
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

void Server::Impl::dispatch(const std::string& op, const msgpack::object& req, ReplyTo& to) {
  const Operation* o = find_operation(op);
  if (o == nullptr) {
    fail(ErrorCode::kUnknownOp, fmt::format("unknown op {}; expected one of: {}",
                                            quote_client_text(op), fmt::join(kOperations, ", ")));
  }
  (this->*(o->handler))(req, to);
}

void Server::Impl::op_ping(const msgpack::object&, ReplyTo& to) {
  send_ok(to, 1, [&](Packer& pk) {
    pack_str(pk, "pong");
    pk.pack_true();
  });
}

void Server::Impl::op_hello(const msgpack::object&, ReplyTo& to) {
  send_ok(to, 6, [&](Packer& pk) {
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
  });
}

void Server::Impl::op_list(const msgpack::object&, ReplyTo& to) {
  send_ok(to, 2, [&](Packer& pk) {
    pack_str(pk, "ids");
    pack_json(pk, registry.ids());
    pack_str(pk, "scenarios");
    pack_scenarios(pk, "");
  });
}

void Server::Impl::pack_scenarios(Packer& pk, const std::string& task) const {
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

void Server::Impl::pack_spec(Packer& pk, const nlohmann::json& spec) {
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

nlohmann::json Server::Impl::checked_options(const msgpack::object& req) {
  nlohmann::json out = optional_options(req);
  const auto* v = find_key(req, "options");
  if (v == nullptr || v->type != msgpack::type::MAP) return out;
  std::string where;
  for (uint32_t i = 0; i < v->via.map.size; ++i) {
    const auto& kv = v->via.map.ptr[i];
    where = kv.key.type == msgpack::type::STR
                ? quote_client_text({kv.key.via.str.ptr, kv.key.via.str.size})
                : std::string("?");
    check_finite(kv.val, where);
  }
  return out;
}

void Server::Impl::check_finite(const msgpack::object& o, std::string& where) {
  const size_t n = where.size();
  switch (o.type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      if (!std::isfinite(o.via.f64)) {
        fail(ErrorCode::kInvalidOption,
             fmt::format("option {} = {}: expected a finite number", where, o.via.f64));
      }
      return;
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        where += fmt::format("[{}]", i);
        check_finite(o.via.array.ptr[i], where);
        where.resize(n);
      }
      return;
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& k = o.via.map.ptr[i].key;
        where += k.type == msgpack::type::STR
                     ? "." + std::string(k.via.str.ptr, std::min<size_t>(k.via.str.size, 64))
                     : std::string(".?");
        check_finite(o.via.map.ptr[i].val, where);
        where.resize(n);
      }
      return;
    default:
      return;
  }
}

std::optional<Env> Server::Impl::make_env(const msgpack::object& req, ReplyTo& to, Handler again) {
  const std::string env_id = require_str(req, "env_id");
  if (env_id.size() > kMaxEnvId) {  // no near-id search over megabytes, no echo of them
    fail(ErrorCode::kUnknownEnv,
         fmt::format("unknown environment id {}; registered: {}", quote_client_text(env_id),
                     fmt::join(registry.ids(), ", ")));
  }
  nlohmann::json options = checked_options(req);
  const std::string rid = registry.resolve(env_id);  // unknown_env, after the options' errors
  const std::string task = registry.task_name(rid);
  const OfferedScenario* found = nullptr;
  std::string path;  // "" = the task's default
  const auto it = options.find("scenario");
  if (it == options.end() || it->is_null()) {
    const std::string def =
        std::filesystem::path(registry.default_scenario_path(rid)).lexically_normal().string();
    for (const auto& s : scenarios) {
      if (s.task == task && s.path == def) found = &s;
    }
  } else {
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
           fmt::format("option 'scenario' = {}: not a scenario this server offers for task "
                       "'{}'; expected the name or content hash of one of: {} (see `list`)",
                       it->is_string() ? quote_client_text(it->get_ref<const std::string&>())
                                       : std::string(it->type_name()),
                       task, fmt::join(names, ", ")));
    }
    *it = found->name;  // what the spec records: the name, not the server's path
    path = found->path;
  }
  if (const auto t = loaded.find({rid, path}); t != loaded.end()) return Env(t->second, options);
  load_then(rid, path, found, req, to, again);
  return std::nullopt;
}

void Server::Impl::load_then(const std::string& rid, const std::string& path,
                             const OfferedScenario* offered, const msgpack::object& req,
                             ReplyTo& to, Handler again) {
  auto key = std::make_pair(rid, path);
  auto [it, first] = loading.try_emplace(key);
  it->second.push_back(
      {std::make_shared<msgpack::object_handle>(msgpack::clone(req)), std::move(to), again});
  ++pending;
  if (!first) return;
  asio::post(pool, [this, key, offered] {
    std::shared_ptr<const Task> task;
    std::optional<RequestError> error;
    const std::string name = offered != nullptr ? offered->name : std::string("default");
    try {
      if (offered != nullptr && scenario_file_hash(offered->path) != offered->hash) {
        throw Error(fmt::format("{}: its content changed since the server started (hash {})",
                                offered->path, offered->hash));
      }
      task = registry.task(key.first, key.second);
    } catch (const std::exception& e) {
      spdlog::error("scenario '{}' of {} cannot be loaded: {}", name, key.first, e.what());
      error = RequestError{ErrorCode::kInvalidOption,
                           fmt::format("scenario '{}' of {} is offered but cannot be loaded on "
                                       "this server (its log says why)",
                                       name, key.first)};
    }
    asio::post(io, [this, key, task, error] {
      if (task) loaded.emplace(key, task);
      auto node = loading.extract(key);
      const detail::Transport::Burst burst(transport);  // one service for all the replies
      for (Waiting& w : node.mapped()) {
        --pending;
        if (error) {
          send(w.to, error_body(w.to.id, *error));
        } else {
          answer(w.to, [&] { (this->*w.again)(w.request->get(), w.to); });
        }
      }
      maybe_finish();
    });
  });
}

void Server::Impl::op_stats(const msgpack::object&, ReplyTo& to) {
  const ServerStats st = snapshot();
  send_ok(to, 16, [&](Packer& pk) {
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
    put(pk, "refused_clients", st.refused_clients);
    put(pk, "user_calls", st.user_calls);
    put(pk, "user_fallbacks", st.user_fallbacks);
    put(pk, "rollout_calls", st.rollout_calls);
    put(pk, "rollout_fallbacks", st.rollout_fallbacks);
  });
}

void Server::Impl::op_spec(const msgpack::object& req, ReplyTo& to) {
  const std::optional<Env> made = make_env(req, to, &Impl::op_spec);
  if (!made) return;
  const Env& env = *made;
  send_ok(to, 2, [&](Packer& pk) {
    pack_str(pk, "spec");
    pack_spec(pk, env.spec());
    pack_str(pk, "scenarios");
    pack_scenarios(pk, env.task().name());
  });
}

void Server::Impl::op_make(const msgpack::object& req, ReplyTo& to) {
  const bool act_features = optional_bool(req, "act_features");
  std::optional<Env> env = make_env(req, to, &Impl::op_make);
  if (!env) return;
  const std::string group = rollout_group(*env, to);
  auto s = add_session(std::move(*env), act_features, group);
  spdlog::debug("session {} made ({})", s->id, s->env.task().id());
  send_ok(to, 2, [&](Packer& pk) {
    pack_str(pk, "session");
    pack_str(pk, s->id);
    pack_str(pk, "spec");
    pack_spec(pk, s->env.spec());  // nothing is in flight on a session just made
  });
}

void Server::Impl::op_reset(const msgpack::object& req, ReplyTo& to) {
  auto s = find_session(req);
  std::optional<uint64_t> seed;
  if (const auto* sv = find_key(req, "seed"); sv != nullptr && sv->type != msgpack::type::NIL) {
    if (sv->type != msgpack::type::POSITIVE_INTEGER) {
      fail(ErrorCode::kWrongType,
           fmt::format("field 'seed': expected an unsigned integer, got {}", type_name(*sv)));
    }
    seed = sv->via.u64;
  }
  nlohmann::json options = checked_options(req);
  const auto id = to.id;
  on_session(s, std::move(to), [seed, options = std::move(options), id](Session& sess) {
    const ResetResult r = sess.env.reset(seed, options);
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, id, true, 3);
    pack_reset_fields(pk, r, sess.act_features);
    return b;
  });
}

void Server::Impl::op_step(const msgpack::object& req, ReplyTo& to) {
  auto s = find_session(req);
  Action action = decode_action(require(req, "action"), "field 'action'");
  const auto id = to.id;
  on_session(s, std::move(to), [this, action = std::move(action), id](Session& sess) {
    const StepResult r = sess.env.step(action);
    count_step(r);
    msgpack::sbuffer b;
    Packer pk(b);
    begin_reply(pk, id, true, 5);
    pack_step_fields(pk, sess.env.task(), r, sess.act_features);
    return b;
  });
}

void Server::Impl::op_fork(const msgpack::object& req, ReplyTo& to) {
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
  // Cloned on the session's strand (after its queued steps), added on the I/O thread.
  auto copy = std::make_shared<std::optional<Env>>();
  on_strand(
      s, [s, copy] { copy->emplace(s->env.clone()); },
      [this, s, copy, to = std::move(to)]() mutable {
        send(to, guarded(to.id, [&] {
               return session_reply(to.id, add_session(std::move(**copy), s->act_features)->id);
             }));
      });
}

void Server::Impl::op_close(const msgpack::object& req, ReplyTo& to) {
  auto s = find_session(req);
  sessions.erase(s->id);  // requests already queued on its strand still complete
  n_sessions = sessions.size();
  s->closed = true;
  // Until the replies before this one are out, later requests naming it wait their turn.
  if (!s->replies.empty()) draining.emplace(s->id, s);
  send_ok(to, 0, [](Packer&) {});
}

msgpack::sbuffer Server::Impl::session_reply(const std::optional<uint64_t>& id,
                                             const std::string& session) {
  msgpack::sbuffer b;
  Packer pk(b);
  begin_reply(pk, id, true, 1);
  pack_str(pk, "session");
  pack_str(pk, session);
  return b;
}

// ---- lifetime ----

void Server::Impl::reap() {
  const int64_t limit = static_cast<int64_t>(opt.idle_timeout_s * 1e9);
  const int64_t now = now_ns();
  for (auto it = sessions.begin(); it != sessions.end();) {
    if (it->second->in_flight == 0 && it->second->replies.empty() &&
        now - it->second->last_used > limit) {
      spdlog::debug("session {} reaped after {:.0f} s idle", it->first, opt.idle_timeout_s);
      it = sessions.erase(it);
    } else {
      ++it;
    }
  }
  n_sessions = sessions.size();
}

void Server::Impl::schedule_reaper() {
  const double period = std::clamp(opt.idle_timeout_s / 4, 0.05, 1.0);
  reaper.expires_after(std::chrono::microseconds(static_cast<int64_t>(period * 1e6)));
  reaper.async_wait([this](const boost::system::error_code& ec) {
    if (ec || shutting_down) return;
    reap();
    transport.forget_idle_clients();
    schedule_reaper();
  });
}

void Server::Impl::begin_shutdown() {
  if (shutting_down) return;
  spdlog::info("shutting down: answering {} request(s) in flight", pending);
  shutting_down = true;
  reaper.cancel();
  signals.cancel();
  maybe_finish();
}

void Server::Impl::maybe_finish() {
  if (!shutting_down || pending > 0 || transport.closed()) return;
  transport.close();
}

ServerStats Server::Impl::snapshot() const {
  ServerStats s;
  s.sessions = n_sessions;
  s.requests = n_requests;
  s.errors = n_errors;
  s.steps = n_steps;
  s.user_calls = n_user_calls;
  s.user_fallbacks = n_user_fallbacks;
  s.rollout_calls = n_rollout_calls;
  s.rollout_fallbacks = n_rollout_fallbacks;
  s.uptime_s = std::chrono::duration<double>(Clock::now() - started).count();
  const detail::TransportStats t = transport.stats();
  s.clients_waiting = t.clients_waiting;
  s.held_requests = t.held_requests;
  s.held_bytes = t.held_bytes;
  s.max_client_bytes = t.max_client_bytes;
  s.overloaded = t.overloaded;
  s.dropped = t.dropped;
  s.refused_clients = t.refused_clients;
  return s;
}

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
    if (!o.allow_remote && o.curve_secret_file.empty() && !is_loopback_endpoint(b)) {
      throw InvalidOption(fmt::format(
          "--bind {}: not a loopback address; serve other machines with CURVE (--curve-secret "
          "FILE --curve-allow DIR), or pass --allow-remote to let anyone who reaches the port "
          "use the server",
          b));
    }
  }
  if (o.curve_secret_file.empty() != o.curve_allow_dir.empty()) {
    throw InvalidOption(
        "--curve-secret and --curve-allow: expected both (the server's secret key file and the "
        "folder of allowed client public keys) or neither");
  }
  std::string secret;
  AllowedKeys allowed;
  if (!o.curve_secret_file.empty()) {
    if (!curve_available()) {
      throw InvalidOption(
          "--curve-secret: this libzmq has no CURVE support (zmq_has(\"curve\") is false)");
    }
    try {
      secret = read_curve_key(o.curve_secret_file);
      allowed = read_allowed_keys(o.curve_allow_dir);
    } catch (const RemoteError& e) {
      throw InvalidOption(e.message());
    }
  }
  impl_ = std::make_unique<Impl>(registry, std::move(o));
  if (!secret.empty()) {
    spdlog::info("CURVE on: server public key {}; {} client key(s) admitted from {}",
                 curve_public_key(secret), allowed.keys.size(), impl_->opt.curve_allow_dir);
    impl_->transport.enable_curve(impl_->ctx, secret, std::move(allowed.keys));
  }
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
