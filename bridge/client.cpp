#include "bridge/client.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bridge/client_soa.h"
#include "bridge/codec.h"
#include "bridge/curve.h"

namespace collab::bridge {

using Packer = msgpack::packer<msgpack::sbuffer>;

struct Client::Socket {
  zmq::context_t ctx{1};
  zmq::socket_t sock{ctx, zmq::socket_type::dealer};
  // With CURVE: handshake failures, seen through a socket monitor (ZMQ_EVENT_HANDSHAKE_FAILED_*).
  std::optional<zmq::socket_t> monitor;
  int auth_failures = 0, handshake_failures = 0;
  int last_status = 0;  // the ZAP status code of the last refusal (400: key not allowed)

  // Reads what the monitor has; true if a handshake has failed so far.
  bool handshake_failed() {
    if (!monitor) return false;
    for (;;) {
      std::vector<zmq::message_t> event;
      if (!zmq::recv_multipart(*monitor, std::back_inserter(event), zmq::recv_flags::dontwait) ||
          event.empty() || event[0].size() < 6) {
        break;
      }
      uint16_t id = 0;
      uint32_t value = 0;
      std::memcpy(&id, event[0].data(), 2);
      std::memcpy(&value, static_cast<const char*>(event[0].data()) + 2, 4);
      if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        ++auth_failures;
        last_status = static_cast<int>(value);
      } else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
                 id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        ++handshake_failures;
      }
    }
    return auth_failures + handshake_failures > 0;
  }
};

CurveClientKeys CurveClientKeys::from_files(const std::string& server_public_file,
                                            const std::string& client_secret_file) {
  CurveClientKeys k;
  k.server_public_key = read_curve_key(server_public_file);
  k.secret_key = read_curve_key(client_secret_file);
  k.public_key = curve_public_key(k.secret_key);
  return k;
}

Client::Client(std::string endpoint, std::chrono::milliseconds timeout,
               std::optional<CurveClientKeys> curve)
    : endpoint_(std::move(endpoint)), timeout_(timeout), socket_(std::make_unique<Socket>()) {
  socket_->sock.set(zmq::sockopt::linger, 0);
  if (curve) {
    if (!curve_available()) {
      throw RemoteError("no_curve", "this libzmq has no CURVE support (zmq_has(\"curve\"))");
    }
    for (const auto* k : {&curve->server_public_key, &curve->public_key, &curve->secret_key}) {
      if (!is_z85_key(*k)) {
        throw RemoteError("bad_key", "CURVE keys: expected 40 characters of Z85 each");
      }
    }
    socket_->sock.set(zmq::sockopt::curve_serverkey, curve->server_public_key);
    socket_->sock.set(zmq::sockopt::curve_publickey, curve->public_key);
    socket_->sock.set(zmq::sockopt::curve_secretkey, curve->secret_key);
    const std::string address =
        "inproc://collabgym-client-monitor-" + std::to_string(reinterpret_cast<uintptr_t>(this));
    zmq_socket_monitor(socket_->sock.handle(), address.c_str(),
                       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                           ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    socket_->monitor.emplace(socket_->ctx, zmq::socket_type::pair);
    socket_->monitor->set(zmq::sockopt::linger, 0);
    socket_->monitor->connect(address);
  }
  // No high-water marks: a batch of pipelined requests (make_many, reset_many) and their replies
  // must never meet ZeroMQ's default of 1,000 messages, at which a DEALER blocks or drops. The
  // server bounds what it accepts per client instead (docs/protocol.md "Delivery").
  socket_->sock.set(zmq::sockopt::sndhwm, 0);
  socket_->sock.set(zmq::sockopt::rcvhwm, 0);
  try {
    socket_->sock.connect(endpoint_);
  } catch (const zmq::error_t& e) {
    throw RemoteError("bad_endpoint", "cannot connect to '" + endpoint_ + "': " + e.what());
  }
}

Client::~Client() = default;

void Client::send_body(const msgpack::sbuffer& body) {
  last_request_bytes_ = body.size();
  socket_->sock.send(zmq::message_t(body.data(), body.size()), zmq::send_flags::none);
}

std::vector<msgpack::object_handle> Client::receive(const char* op,
                                                    const std::vector<uint64_t>& ids) {
  std::vector<msgpack::object_handle> out(ids.size());
  std::vector<bool> got(ids.size(), false);
  if (ids.empty()) return out;
  // Ids of one batch are consecutive (next_id()); a reply's slot is its id minus the first.
  const uint64_t first = ids.front();
  size_t outstanding = ids.size();
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (outstanding > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      if (socket_->handshake_failed()) {
        throw RemoteError(
            "unauthorized",
            socket_->auth_failures > 0
                ? "the server at " + endpoint_ + " refused this client's CURVE key (ZAP status " +
                      std::to_string(socket_->last_status) +
                      "): its public key is not among the server's --curve-allow keys"
                : "the CURVE handshake with " + endpoint_ +
                      " failed: is the server's public key right, and does it use CURVE?");
      }
      const auto missing = std::find(got.begin(), got.end(), false) - got.begin();
      throw Timeout("no reply from " + endpoint_ + " within " + std::to_string(timeout_.count()) +
                    " ms: " + std::to_string(outstanding) + " of " + std::to_string(ids.size()) +
                    " '" + op + "' request(s) outstanding (first unanswered id " +
                    std::to_string(ids[static_cast<size_t>(missing)]) + ")");
    }
    // A blocking receive bounded by ZMQ_RCVTIMEO: one wait instead of a poll plus a receive.
    socket_->sock.set(zmq::sockopt::rcvtimeo, static_cast<int>(std::max<int64_t>(1, left.count())));
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(socket_->sock, std::back_inserter(frames)) || frames.empty()) {
      continue;  // timed out (checked at the top) or an empty message
    }
    const auto& last = frames.back();
    last_reply_bytes_ = last.size();
    msgpack::object_handle h;
    try {
      h = msgpack::unpack(static_cast<const char*>(last.data()), last.size());
    } catch (const std::exception& e) {
      throw RemoteError("malformed", std::string("unreadable reply: ") + e.what());
    }
    const auto* rid = find_key(h.get(), "id");
    if (rid == nullptr || rid->type != msgpack::type::POSITIVE_INTEGER ||
        rid->via.u64 - first >= ids.size() || ids[rid->via.u64 - first] != rid->via.u64 ||
        got[rid->via.u64 - first]) {
      // A reply to an earlier request that timed out, or one the server could not read the id of.
      if (rid != nullptr && rid->type == msgpack::type::NIL) {
        const auto* err = find_key(h.get(), "error");
        if (err) {
          const auto j = to_json(*err);
          throw RemoteError(j.value("code", "internal"), j.value("message", ""));
        }
      }
      continue;
    }
    out[rid->via.u64 - first] = std::move(h);
    got[rid->via.u64 - first] = true;
    --outstanding;
  }
  return out;
}

msgpack::object_handle Client::exchange(const msgpack::sbuffer& body, uint64_t id, const char* op) {
  send_body(body);
  return std::move(receive(op, {id}).front());
}

namespace detail {
void pack_header(Packer& pk, uint64_t id, const char* op, uint32_t n_fields) {
  pk.pack_map(3 + n_fields);
  pack_str(pk, "v");
  pk.pack_int32(kProtocolVersion);
  pack_str(pk, "id");
  pk.pack_uint64(id);
  pack_str(pk, "op");
  pack_str(pk, op);
}
}  // namespace detail

template <class Fill>
msgpack::object_handle Client::call(const char* op, uint32_t n_fields, Fill&& fill) {
  const uint64_t id = next_id();
  msgpack::sbuffer buf;
  Packer pk(buf);
  detail::pack_header(pk, id, op, n_fields);
  fill(pk);
  msgpack::object_handle h = exchange(buf, id, op);
  check_ok(h);
  return h;
}

void Client::check_ok(const msgpack::object_handle& h) {
  const auto* ok = find_key(h.get(), "ok");
  if (ok == nullptr || ok->type != msgpack::type::BOOLEAN) {
    throw RemoteError("malformed", "reply without a boolean 'ok'");
  }
  if (!ok->via.boolean) {
    const auto* err = find_key(h.get(), "error");
    const auto j = err ? to_json(*err) : nlohmann::json::object();
    throw RemoteError(j.value("code", "internal"), j.value("message", ""));
  }
}

template <class Fill>
std::vector<msgpack::object_handle> Client::call_many(const char* op, size_t count,
                                                      uint32_t n_fields, Fill&& fill) {
  std::vector<uint64_t> ids;
  ids.reserve(count);
  msgpack::sbuffer buf;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t id = next_id();
    ids.push_back(id);
    buf.clear();
    Packer pk(buf);
    detail::pack_header(pk, id, op, n_fields);
    fill(pk, i);
    send_body(buf);
  }
  auto replies = receive(op, ids);
  return replies;
}

namespace {

const msgpack::object& field(const msgpack::object_handle& h, std::string_view key) {
  const auto* v = find_key(h.get(), key);
  if (v == nullptr) throw RemoteError("malformed", "reply lacks '" + std::string(key) + "'");
  return *v;
}

WireStep decode_step(const msgpack::object& o,
                     const std::shared_ptr<const msgpack::object_handle>& reply) {
  WireStep s;
  const auto* obs = find_key(o, "obs");
  const auto* reward = find_key(o, "reward");
  const auto* term = find_key(o, "terminated");
  const auto* trunc = find_key(o, "truncated");
  const auto* info = find_key(o, "info");
  if (!obs || !reward || !term || !trunc || !info)
    throw RemoteError("malformed", "incomplete step reply");
  s.obs = decode_observation(*obs);
  s.reward = reward->as<double>();
  s.terminated = term->as<bool>();
  s.truncated = trunc->as<bool>();
  s.reply = reply;
  s.info_object = info;
  return s;
}

}  // namespace

nlohmann::json Client::hello() {
  auto h = call("hello", 0, [](Packer&) {});
  return to_json(h.get());
}

std::vector<std::string> Client::list() {
  auto h = call("list", 0, [](Packer&) {});
  return to_json(field(h, "ids")).get<std::vector<std::string>>();
}

nlohmann::json Client::spec(const std::string& env_id, const nlohmann::json& options) {
  auto h = call("spec", 2, [&](Packer& pk) {
    pack_str(pk, "env_id");
    pack_str(pk, env_id);
    pack_str(pk, "options");
    pack_json(pk, options);
  });
  return to_json(field(h, "spec"));
}

namespace {

// The fields of a `make` request after the envelope (2 or 3 of them).
void pack_make_fields(Packer& pk, const std::string& env_id, const nlohmann::json& options,
                      bool act_features) {
  pack_str(pk, "env_id");
  pack_str(pk, env_id);
  pack_str(pk, "options");
  pack_json(pk, options);
  if (act_features) {
    pack_str(pk, "act_features");
    pk.pack_true();
  }
}

}  // namespace

Client::Made Client::make(const std::string& env_id, const nlohmann::json& options,
                          bool act_features) {
  auto h = call("make", act_features ? 3 : 2,
                [&](Packer& pk) { pack_make_fields(pk, env_id, options, act_features); });
  return {field(h, "session").as<std::string>(), to_json(field(h, "spec"))};
}

WireReset Client::reset(const std::string& session, std::optional<uint64_t> seed,
                        const nlohmann::json& options) {
  auto h = call("reset", 3, [&](Packer& pk) {
    pack_str(pk, "session");
    pack_str(pk, session);
    pack_str(pk, "seed");
    if (seed)
      pk.pack_uint64(*seed);
    else
      pk.pack_nil();
    pack_str(pk, "options");
    pack_json(pk, options);
  });
  return {decode_observation(field(h, "obs")), field(h, "seed").as<uint64_t>()};
}

WireStep Client::step(const std::string& session, const WireAction& action) {
  auto h = call("step", 2, [&](Packer& pk) {
    pack_str(pk, "session");
    pack_str(pk, session);
    pack_str(pk, "action");
    pack_action(pk, action);
  });
  auto reply = std::make_shared<const msgpack::object_handle>(std::move(h));
  return decode_step(reply->get(), reply);
}

Client::MadeMany Client::make_many(const std::string& env_id, size_t count,
                                   const nlohmann::json& options, bool act_features) {
  // Each make reply carries the whole spec (acts, instructions…), kilobytes a session: pipelined in
  // windows, so that the replies waiting for us stay far below the server's per-client bound
  // (max_queued_bytes, docs/protocol.md "Delivery") however many sessions are made.
  constexpr size_t kWindow = 1024;
  std::vector<msgpack::object_handle> replies;
  replies.reserve(count);
  for (size_t done = 0; done < count; done += kWindow) {
    auto part = call_many("make", std::min(kWindow, count - done), act_features ? 3 : 2,
                          [&](Packer& pk, size_t) {
                            pack_make_fields(pk, env_id, options, act_features);
                          });
    for (auto& h : part) replies.push_back(std::move(h));
  }
  MadeMany out;
  out.sessions.reserve(count);
  std::optional<RemoteError> first_error;
  for (const auto& h : replies) {
    try {
      check_ok(h);
      out.sessions.push_back(field(h, "session").as<std::string>());
      if (out.sessions.size() == 1) out.spec = to_json(field(h, "spec"));
    } catch (const RemoteError& e) {
      if (!first_error) first_error = e;
    }
  }
  if (first_error) {
    close_many(out.sessions);
    throw *first_error;
  }
  return out;
}

std::vector<WireReset> Client::reset_many(const std::vector<std::string>& sessions,
                                          const std::vector<uint64_t>& seeds) {
  if (!seeds.empty() && seeds.size() != sessions.size()) {
    throw RemoteError("invalid_option", "reset_many: " + std::to_string(seeds.size()) +
                                            " seeds for " + std::to_string(sessions.size()) +
                                            " sessions; expected one per session or none");
  }
  auto replies = call_many("reset", sessions.size(), 2, [&](Packer& pk, size_t i) {
    pack_str(pk, "session");
    pack_str(pk, sessions[i]);
    pack_str(pk, "seed");
    if (seeds.empty())
      pk.pack_nil();
    else
      pk.pack_uint64(seeds[i]);
  });
  for (const auto& h : replies) check_ok(h);
  std::vector<WireReset> out;
  out.reserve(replies.size());
  for (const auto& h : replies) {
    out.push_back({decode_observation(field(h, "obs")), field(h, "seed").as<uint64_t>()});
  }
  return out;
}

size_t Client::close_many(const std::vector<std::string>& sessions) {
  auto replies = call_many("close", sessions.size(), 1, [&](Packer& pk, size_t i) {
    pack_str(pk, "session");
    pack_str(pk, sessions[i]);
  });
  size_t failed = 0;
  for (const auto& h : replies) {
    const auto* ok = find_key(h.get(), "ok");
    if (ok == nullptr || ok->type != msgpack::type::BOOLEAN || !ok->via.boolean) ++failed;
  }
  return failed;
}

std::vector<Client::StepOutcome> Client::step_many(
    const std::vector<std::pair<std::string, WireAction>>& steps) {
  auto h = call("step_many", 1, [&](Packer& pk) {
    pack_str(pk, "steps");
    pk.pack_array(static_cast<uint32_t>(steps.size()));
    for (const auto& [session, action] : steps) {
      pk.pack_map(2);
      pack_str(pk, "session");
      pack_str(pk, session);
      pack_str(pk, "action");
      pack_action(pk, action);
    }
  });
  auto reply = std::make_shared<const msgpack::object_handle>(std::move(h));
  const auto* results_ptr = find_key(reply->get(), "results");
  if (results_ptr == nullptr) throw RemoteError("malformed", "reply lacks 'results'");
  const auto& results = *results_ptr;
  if (results.type != msgpack::type::ARRAY || results.via.array.size != steps.size()) {
    throw RemoteError("malformed", "step_many reply has the wrong number of results");
  }
  std::vector<StepOutcome> out;
  out.reserve(steps.size());
  for (uint32_t i = 0; i < results.via.array.size; ++i) {
    const auto& item = results.via.array.ptr[i];
    const auto* ok = find_key(item, "ok");
    if (ok && ok->type == msgpack::type::BOOLEAN && ok->via.boolean) {
      out.emplace_back(decode_step(item, reply));
    } else {
      const auto* err = find_key(item, "error");
      const auto j = err ? to_json(*err) : nlohmann::json::object();
      out.emplace_back(RemoteError(j.value("code", "internal"), j.value("message", "")));
    }
  }
  return out;
}

std::vector<Client::ResetOutcome> Client::reset_batch(const std::vector<std::string>& sessions,
                                                      const std::vector<uint64_t>& seeds) {
  if (!seeds.empty() && seeds.size() != sessions.size()) {
    throw RemoteError("invalid_option", "reset_batch: seeds and sessions differ in number");
  }
  auto h = call("reset_many", 1, [&](Packer& pk) {
    pack_str(pk, "resets");
    pk.pack_array(static_cast<uint32_t>(sessions.size()));
    detail::pack_reset_items(pk, sessions, seeds);
  });
  const auto& results = field(h, "results");
  if (results.type != msgpack::type::ARRAY || results.via.array.size != sessions.size()) {
    throw RemoteError("malformed", "reset_many reply has the wrong number of results");
  }
  std::vector<ResetOutcome> out;
  out.reserve(sessions.size());
  for (uint32_t i = 0; i < results.via.array.size; ++i) {
    const auto& item = results.via.array.ptr[i];
    const auto* ok = find_key(item, "ok");
    if (ok && ok->type == msgpack::type::BOOLEAN && ok->via.boolean) {
      const auto* obs = find_key(item, "obs");
      const auto* seed = find_key(item, "seed");
      if (obs == nullptr || seed == nullptr) throw RemoteError("malformed", "incomplete reset");
      out.emplace_back(WireReset{decode_observation(*obs), seed->as<uint64_t>()});
    } else {
      const auto* err = find_key(item, "error");
      const auto j = err ? to_json(*err) : nlohmann::json::object();
      out.emplace_back(RemoteError(j.value("code", "internal"), j.value("message", "")));
    }
  }
  return out;
}

std::string Client::fork(const std::string& session) {
  auto h = call("fork", 1, [&](Packer& pk) {
    pack_str(pk, "session");
    pack_str(pk, session);
  });
  return field(h, "session").as<std::string>();
}

void Client::close(const std::string& session) {
  call("close", 1, [&](Packer& pk) {
    pack_str(pk, "session");
    pack_str(pk, session);
  });
}

bool Client::ping() {
  auto h = call("ping", 0, [](Packer&) {});
  return field(h, "pong").as<bool>();
}

nlohmann::json Client::stats() {
  auto h = call("stats", 0, [](Packer&) {});
  return to_json(h.get());
}

nlohmann::json Client::raw(const std::string& body, uint64_t id) {
  msgpack::sbuffer buf;
  buf.write(body.data(), body.size());
  auto h = exchange(buf, id, "raw");
  return to_json(h.get());
}

}  // namespace collab::bridge
