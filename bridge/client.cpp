#include "bridge/client.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <zmq.hpp>
#include <zmq_addon.hpp>

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

namespace {
// The envelope every request starts with: a map of `3 + n_fields` entries, then v, id and op.
void pack_header(Packer& pk, uint64_t id, const char* op, uint32_t n_fields) {
  pk.pack_map(3 + n_fields);
  pack_str(pk, "v");
  pk.pack_int32(kProtocolVersion);
  pack_str(pk, "id");
  pk.pack_uint64(id);
  pack_str(pk, "op");
  pack_str(pk, op);
}
}  // namespace

template <class Fill>
msgpack::object_handle Client::call(const char* op, uint32_t n_fields, Fill&& fill) {
  const uint64_t id = next_id();
  msgpack::sbuffer buf;
  Packer pk(buf);
  pack_header(pk, id, op, n_fields);
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
    pack_header(pk, id, op, n_fields);
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

Client::Made Client::make(const std::string& env_id, const nlohmann::json& options,
                          bool act_features) {
  auto h = call("make", act_features ? 3 : 2, [&](Packer& pk) {
    pack_str(pk, "env_id");
    pack_str(pk, env_id);
    pack_str(pk, "options");
    pack_json(pk, options);
    if (act_features) {
      pack_str(pk, "act_features");
      pk.pack_true();
    }
  });
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
  auto replies = call_many("make", count, act_features ? 3 : 2, [&](Packer& pk, size_t) {
    pack_str(pk, "env_id");
    pack_str(pk, env_id);
    pack_str(pk, "options");
    pack_json(pk, options);
    if (act_features) {
      pack_str(pk, "act_features");
      pk.pack_true();
    }
  });
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

// ---- structure-of-arrays batches ----

static_assert(std::endian::native == std::endian::little, "SoA blocks are little-endian");

namespace {

// A bin field of `o` of exactly `bytes` bytes (nullptr when absent and not `required`).
const msgpack::object* soa_bin(const msgpack::object& o, std::string_view key, size_t bytes,
                               bool required = true) {
  const auto* v = find_key(o, key);
  if (v == nullptr && !required) return nullptr;
  if (v == nullptr || v->type != msgpack::type::BIN || v->via.bin.size != bytes) {
    throw RemoteError("malformed", "SoA reply: '" + std::string(key) + "' is not a bin of " +
                                       std::to_string(bytes) + " bytes");
  }
  return v;
}

size_t soa_uint(const msgpack::object& o, std::string_view key) {
  const auto* v = find_key(o, key);
  if (v == nullptr || v->type != msgpack::type::POSITIVE_INTEGER) {
    throw RemoteError("malformed", "SoA reply: '" + std::string(key) + "' is not an integer");
  }
  return static_cast<size_t>(v->via.u64);
}

// Lays out `out`'s storage for N rows: every block 8-byte aligned. Returns the offsets.
struct SoaOffsets {
  size_t ok, features, act_features, mask, turn, reward, terminated, truncated, seed, total;
};
SoaOffsets soa_layout(SoaBatch& out, size_t n) {
  SoaOffsets o{};
  size_t at = 0;
  const auto take = [&at](size_t bytes) {
    const size_t here = at;
    at += (bytes + 7) / 8 * 8;
    return here;
  };
  o.ok = take(n);
  o.features = take(4 * n * out.num_features);
  o.act_features =
      take(out.has_act_features ? 4 * n * out.num_acts * out.num_act_features : size_t{0});
  o.mask = take(n * out.num_acts);
  o.turn = take(4 * n);
  o.reward = take(8 * n);
  o.terminated = take(n);
  o.truncated = take(n);
  o.seed = take(8 * n);
  o.total = at;
  if (out.bytes_.size() < at) out.bytes_.resize(at);
  uint8_t* b = out.bytes_.data();
  out.n = n;
  out.item_ok = {b + o.ok, n};
  out.features = {reinterpret_cast<const float*>(b + o.features), n * out.num_features};
  out.act_features = {reinterpret_cast<const float*>(b + o.act_features),
                      out.has_act_features ? n * out.num_acts * out.num_act_features : 0};
  out.action_mask = {b + o.mask, n * out.num_acts};
  out.turn = {reinterpret_cast<const int32_t*>(b + o.turn), n};
  out.reward = {reinterpret_cast<const double*>(b + o.reward), n};
  out.terminated = {b + o.terminated, n};
  out.truncated = {b + o.truncated, n};
  out.seed = {reinterpret_cast<const uint64_t*>(b + o.seed), n};
  return o;
}

void copy_bin(uint8_t* dst, const msgpack::object* bin) {
  if (bin != nullptr && bin->via.bin.size > 0)
    std::memcpy(dst, bin->via.bin.ptr, bin->via.bin.size);
}

void pack_soa_header(Packer& pk, uint64_t id, const char* op, const char* items, size_t n) {
  pk.pack_map(5);
  pack_str(pk, "v");
  pk.pack_int32(kProtocolVersion);
  pack_str(pk, "id");
  pk.pack_uint64(id);
  pack_str(pk, "op");
  pack_str(pk, op);
  pack_str(pk, "layout");
  pack_str(pk, "soa");
  pack_str(pk, items);
  pk.pack_array(static_cast<uint32_t>(n));
}

// The info columns as JSON: one array per field, nested as the per-session info.
nlohmann::json soa_info_json(const msgpack::object* info, const msgpack::object* types, size_t n) {
  nlohmann::json out = nlohmann::json::object();
  if (info == nullptr || types == nullptr || types->type != msgpack::type::MAP) return out;
  for (uint32_t c = 0; c < types->via.map.size; ++c) {
    const auto& kv = types->via.map.ptr[c];
    if (kv.key.type != msgpack::type::STR || kv.val.type != msgpack::type::STR) continue;
    const std::string path(kv.key.via.str.ptr, kv.key.via.str.size);
    const std::string_view type(kv.val.via.str.ptr, kv.val.via.str.size);
    const msgpack::object* col = info;
    std::string pointer;
    for (size_t at = 0; col != nullptr && at <= path.size();) {
      const size_t dot = std::min(path.find('.', at), path.size());
      const std::string key = path.substr(at, dot - at);
      col = find_key(*col, key);
      pointer += "/" + key;
      at = dot + 1;
    }
    if (col == nullptr) continue;
    nlohmann::json arr = nlohmann::json::array();
    if (type == "list") {
      arr = to_json(*col);
    } else if (col->type == msgpack::type::BIN) {
      const char* p = col->via.bin.ptr;
      const size_t width = type == "bool" ? 1 : 8;
      if (col->via.bin.size != width * n) continue;
      for (size_t i = 0; i < n; ++i, p += width) {
        if (type == "float64") {
          double v;
          std::memcpy(&v, p, 8);
          arr.push_back(std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v));
        } else if (type == "int64") {
          int64_t v;
          std::memcpy(&v, p, 8);
          arr.push_back(v);
        } else {
          arr.push_back(*p != 0);
        }
      }
    }
    out[nlohmann::json::json_pointer(pointer)] = std::move(arr);
  }
  return out;
}

}  // namespace

const nlohmann::json& SoaBatch::info() const {
  if (!info_cache_) {
    info_cache_ = info_fn_ ? info_fn_() : soa_info_json(info_object_, info_types_, n);
  }
  return *info_cache_;
}

uint64_t Client::send_step_many_soa(std::span<const std::string> sessions,
                                    std::span<const WireAction> actions) {
  if (sessions.size() != actions.size()) {
    throw RemoteError("invalid_action", "step_many_soa: " + std::to_string(actions.size()) +
                                            " actions for " + std::to_string(sessions.size()) +
                                            " sessions");
  }
  const uint64_t id = next_id();
  msgpack::sbuffer buf(64 + sessions.size() * 56);
  Packer pk(buf);
  pack_soa_header(pk, id, "step_many", "steps", sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    pk.pack_map(2);
    pack_str(pk, "session");
    pack_str(pk, sessions[i]);
    pack_str(pk, "action");
    pack_action(pk, actions[i]);
  }
  send_body(buf);
  return id;
}

uint64_t Client::send_reset_many_soa(std::span<const std::string> sessions,
                                     std::span<const uint64_t> seeds) {
  if (!seeds.empty() && seeds.size() != sessions.size()) {
    throw RemoteError("invalid_option", "reset_many_soa: " + std::to_string(seeds.size()) +
                                            " seeds for " + std::to_string(sessions.size()) +
                                            " sessions; expected one per session or none");
  }
  const uint64_t id = next_id();
  msgpack::sbuffer buf(64 + sessions.size() * 64);
  Packer pk(buf);
  pack_soa_header(pk, id, "reset_many", "resets", sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    pk.pack_map(seeds.empty() ? 1 : 2);
    pack_str(pk, "session");
    pack_str(pk, sessions[i]);
    if (!seeds.empty()) {
      pack_str(pk, "seed");
      pk.pack_uint64(seeds[i]);
    }
  }
  send_body(buf);
  return id;
}

void Client::receive_soa(uint64_t id, const char* op, SoaBatch& out) {
  auto h = std::make_shared<const msgpack::object_handle>(std::move(receive(op, {id}).front()));
  check_ok(*h);
  const msgpack::object& o = h->get();
  const auto* layout = find_key(o, "layout");
  if (layout == nullptr || layout->type != msgpack::type::STR ||
      std::string_view(layout->via.str.ptr, layout->via.str.size) != "soa") {
    throw RemoteError("malformed", std::string(op) +
                                       ": the reply is not in SoA form (does the server offer "
                                       "capability 'soa', protocol 1.4?)");
  }
  const size_t n = soa_uint(o, "n");
  out.num_features = soa_uint(o, "num_features");
  out.num_acts = soa_uint(o, "num_acts");
  out.has_act_features = find_key(o, "num_act_features") != nullptr;
  out.num_act_features = out.has_act_features ? soa_uint(o, "num_act_features") : 0;
  const SoaOffsets off = soa_layout(out, n);
  uint8_t* b = out.bytes_.data();
  copy_bin(b + off.ok, soa_bin(o, "item_ok", n));
  copy_bin(b + off.features, soa_bin(o, "features", 4 * n * out.num_features));
  if (out.has_act_features) {
    copy_bin(b + off.act_features,
             soa_bin(o, "act_features", 4 * n * out.num_acts * out.num_act_features));
  }
  copy_bin(b + off.mask, soa_bin(o, "action_mask", n * out.num_acts));
  copy_bin(b + off.turn, soa_bin(o, "turn", 4 * n));
  const bool step = find_key(o, "reward") != nullptr;
  if (step) {
    copy_bin(b + off.reward, soa_bin(o, "reward", 8 * n));
    copy_bin(b + off.terminated, soa_bin(o, "terminated", n));
    copy_bin(b + off.truncated, soa_bin(o, "truncated", n));
    std::memset(b + off.seed, 0, 8 * n);
  } else {
    std::memset(b + off.reward, 0, off.seed - off.reward);
    copy_bin(b + off.seed, soa_bin(o, "seed", 8 * n));
  }
  const auto* text = find_key(o, "text");
  if (text == nullptr || text->type != msgpack::type::ARRAY || text->via.array.size != n) {
    throw RemoteError("malformed", "SoA reply: 'text' is not a list of n items");
  }
  out.text.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& t = text->via.array.ptr[i];
    out.text[i] = t.type == msgpack::type::STR ? std::string_view(t.via.str.ptr, t.via.str.size)
                                               : std::string_view();
  }
  out.errors.clear();
  if (const auto* errors = find_key(o, "errors"); errors && errors->type == msgpack::type::ARRAY) {
    for (uint32_t k = 0; k < errors->via.array.size; ++k) {
      const auto j = to_json(errors->via.array.ptr[k]);
      out.errors.emplace_back(j.value("index", size_t{0}),
                              RemoteError(j.value("code", "internal"), j.value("message", "")));
    }
  }
  out.info_object_ = find_key(o, "info");
  out.info_types_ = find_key(o, "info_types");
  out.info_fn_ = nullptr;
  out.info_cache_.reset();
  out.reply_ = std::move(h);
}

void Client::step_many_soa(std::span<const std::string> sessions,
                           std::span<const WireAction> actions, SoaBatch& out) {
  receive_soa(send_step_many_soa(sessions, actions), "step_many", out);
}

void Client::reset_many_soa(std::span<const std::string> sessions, std::span<const uint64_t> seeds,
                            SoaBatch& out) {
  receive_soa(send_reset_many_soa(sessions, seeds), "reset_many", out);
}

bool Client::offers_soa() {
  if (!offers_soa_) {
    const auto h = hello();
    const auto caps = h.value("capabilities", nlohmann::json::array());
    offers_soa_ = h.value("protocol_minor", 0) >= 4 &&
                  std::find(caps.begin(), caps.end(), "soa") != caps.end();
  }
  return *offers_soa_;
}

std::vector<Client::ResetOutcome> Client::reset_batch(const std::vector<std::string>& sessions,
                                                      const std::vector<uint64_t>& seeds) {
  if (!seeds.empty() && seeds.size() != sessions.size()) {
    throw RemoteError("invalid_option", "reset_batch: seeds and sessions differ in number");
  }
  auto h = call("reset_many", 1, [&](Packer& pk) {
    pack_str(pk, "resets");
    pk.pack_array(static_cast<uint32_t>(sessions.size()));
    for (size_t i = 0; i < sessions.size(); ++i) {
      pk.pack_map(seeds.empty() ? 1 : 2);
      pack_str(pk, "session");
      pack_str(pk, sessions[i]);
      if (!seeds.empty()) {
        pack_str(pk, "seed");
        pk.pack_uint64(seeds[i]);
      }
    }
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

RemoteVectorEnv::RemoteVectorEnv(Client& client, const std::string& env_id, int num_envs,
                                 const nlohmann::json& options, bool act_features)
    : clients_{&client}, act_features_(act_features) {
  init(env_id, num_envs, options);
}

RemoteVectorEnv::RemoteVectorEnv(const std::vector<std::string>& endpoints,
                                 const std::string& env_id, int num_envs,
                                 const nlohmann::json& options, bool act_features,
                                 std::chrono::milliseconds timeout)
    : act_features_(act_features) {
  if (endpoints.empty()) throw RemoteError("invalid_option", "RemoteVectorEnv: no endpoints");
  for (const auto& ep : endpoints) {
    owned_.push_back(std::make_unique<Client>(ep, timeout));
    clients_.push_back(owned_.back().get());
  }
  init(env_id, num_envs, options);
}

void RemoteVectorEnv::init(const std::string& env_id, int num_envs, const nlohmann::json& options) {
  if (num_envs < 1) {
    throw RemoteError("invalid_option",
                      "num_envs = " + std::to_string(num_envs) + ": expected at least 1");
  }
  const size_t servers = clients_.size();
  for (Client* c : clients_) {
    const auto limits = c->hello().value("limits", nlohmann::json::object());
    max_batch_ = std::min(max_batch_, std::max<size_t>(1, limits.value("max_batch", size_t{4096})));
  }
  server_sessions_.resize(servers);
  const auto n = static_cast<size_t>(num_envs);
  for (size_t k = 0; k < servers; ++k) {
    const size_t count = n / servers + (k < n % servers ? 1 : 0);
    if (count == 0) continue;
    try {
      auto made = clients_[k]->make_many(env_id, count, options, act_features_);
      server_sessions_[k] = std::move(made.sessions);
      if (spec_.is_null()) spec_ = std::move(made.spec);
    } catch (const RemoteError&) {
      for (size_t j = 0; j < k; ++j) clients_[j]->close_many(server_sessions_[j]);
      throw;
    }
  }
  sessions_.resize(n);
  for (size_t i = 0; i < n; ++i) sessions_[i] = server_sessions_[i % servers][i / servers];
}

RemoteVectorEnv::~RemoteVectorEnv() {
  for (size_t k = 0; k < clients_.size(); ++k) {
    try {
      clients_[k]->close_many(server_sessions_[k]);
    } catch (const RemoteError&) {
      // The server may already be gone; nothing useful to do in a destructor.
    }
  }
}

std::vector<WireReset> RemoteVectorEnv::reset(uint64_t seed) {
  const size_t servers = clients_.size();
  std::vector<WireReset> out(sessions_.size());
  for (size_t k = 0; k < servers; ++k) {
    std::vector<uint64_t> seeds(server_sessions_[k].size());
    for (size_t j = 0; j < seeds.size(); ++j) seeds[j] = seed + k + j * servers;
    auto part = clients_[k]->reset_many(server_sessions_[k], seeds);
    for (size_t j = 0; j < part.size(); ++j) out[k + j * servers] = std::move(part[j]);
  }
  return out;
}

WireReset RemoteVectorEnv::reset_one(size_t i) {
  return clients_[i % clients_.size()]->reset(sessions_.at(i));
}

std::vector<Client::StepOutcome> RemoteVectorEnv::step(const std::vector<WireAction>& actions) {
  if (actions.size() != sessions_.size()) {
    throw RemoteError("invalid_action", "RemoteVectorEnv::step: " + std::to_string(actions.size()) +
                                            " actions for " + std::to_string(sessions_.size()) +
                                            " sessions");
  }
  const size_t servers = clients_.size();
  std::vector<Client::StepOutcome> out(actions.size(), RemoteError("internal", "not stepped"));
  std::vector<std::pair<std::string, WireAction>> steps;
  for (size_t k = 0; k < servers; ++k) {
    const auto& mine = server_sessions_[k];
    for (size_t b = 0; b < mine.size(); b += max_batch_) {
      const size_t e = std::min(mine.size(), b + max_batch_);
      steps.clear();
      for (size_t j = b; j < e; ++j) steps.emplace_back(mine[j], actions[k + j * servers]);
      auto chunk = clients_[k]->step_many(steps);
      for (size_t j = b; j < e; ++j) out[k + j * servers] = std::move(chunk[j - b]);
    }
  }
  return out;
}

template <class Send>
const SoaBatch& RemoteVectorEnv::soa_round(const char* op, Send&& send) {
  const size_t servers = clients_.size();
  struct Part {
    size_t server, begin, id;
  };
  std::vector<Part> sent;
  for (size_t k = 0; k < servers; ++k) {  // every request out before any reply is read
    for (size_t b = 0; b < server_sessions_[k].size(); b += max_batch_) {
      const size_t e = std::min(server_sessions_[k].size(), b + max_batch_);
      sent.push_back({k, b, send(*clients_[k], k, b, e)});
    }
  }
  if (parts_.size() < sent.size()) parts_.resize(sent.size());
  for (size_t p = 0; p < sent.size(); ++p) {
    clients_[sent[p].server]->receive_soa(sent[p].id, op, parts_[p]);
  }
  if (sent.size() == 1) return parts_[0];
  // Several parts: rows go back to env order (server k's row j is env k + j * servers).
  const SoaBatch& first = parts_[0];
  merged_.num_features = first.num_features;
  merged_.num_acts = first.num_acts;
  merged_.num_act_features = first.num_act_features;
  merged_.has_act_features = first.has_act_features;
  const size_t n = sessions_.size();
  const SoaOffsets off = soa_layout(merged_, n);
  uint8_t* base = merged_.bytes_.data();
  merged_.text.assign(n, std::string_view());
  merged_.errors.clear();
  const size_t F = merged_.num_features, A = merged_.num_acts;
  const size_t AK = merged_.has_act_features ? A * merged_.num_act_features : 0;
  std::vector<size_t> env_of_row;  // per part
  for (size_t p = 0; p < sent.size(); ++p) {
    const SoaBatch& part = parts_[p];
    if (part.num_features != F || part.num_acts != A ||
        part.has_act_features != merged_.has_act_features ||
        (AK != 0 && part.num_act_features != merged_.num_act_features)) {
      throw RemoteError("malformed", "RemoteVectorEnv: servers reply with different shapes");
    }
    for (size_t j = 0; j < part.n; ++j) {
      const size_t i = sent[p].server + (sent[p].begin + j) * servers;
      base[off.ok + i] = part.item_ok[j];
      std::memcpy(base + off.features + 4 * i * F, part.features.data() + j * F, 4 * F);
      if (AK)
        std::memcpy(base + off.act_features + 4 * i * AK, part.act_features.data() + j * AK,
                    4 * AK);
      std::memcpy(base + off.mask + i * A, part.action_mask.data() + j * A, A);
      std::memcpy(base + off.turn + 4 * i, &part.turn[j], 4);
      std::memcpy(base + off.reward + 8 * i, &part.reward[j], 8);
      base[off.terminated + i] = part.terminated[j];
      base[off.truncated + i] = part.truncated[j];
      std::memcpy(base + off.seed + 8 * i, &part.seed[j], 8);
      merged_.text[i] = part.text[j];
    }
    for (const auto& [j, e] : part.errors) {
      merged_.errors.emplace_back(sent[p].server + (sent[p].begin + j) * servers, e);
    }
  }
  std::sort(merged_.errors.begin(), merged_.errors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  // info: the parts' columns, interleaved back into env order, on first use.
  merged_.info_cache_.reset();
  merged_.info_fn_ = [this, sent, servers, n]() {
    nlohmann::json out = nlohmann::json::object();
    for (size_t p = 0; p < sent.size(); ++p) {
      const nlohmann::json flat = parts_[p].info().flatten();
      for (const auto& [pointer, value] : flat.items()) {
        // flatten() gives "/reward/total/3": the column's pointer and the row.
        const auto slash = pointer.rfind('/');
        const std::string column = pointer.substr(0, slash);
        const size_t j = std::stoul(pointer.substr(slash + 1));
        auto& arr = out[nlohmann::json::json_pointer(column)];
        if (!arr.is_array()) arr = nlohmann::json::array();
        if (arr.size() < n) arr.get_ref<nlohmann::json::array_t&>().resize(n);
        arr[sent[p].server + (sent[p].begin + j) * servers] = value;
      }
    }
    return out;
  };
  return merged_;
}

const SoaBatch& RemoteVectorEnv::reset_soa(uint64_t seed) {
  const size_t servers = clients_.size();
  return soa_round("reset_many", [&](Client& c, size_t k, size_t b, size_t e) {
    scratch_seeds_.resize(e - b);
    for (size_t j = b; j < e; ++j) scratch_seeds_[j - b] = seed + k + j * servers;
    return c.send_reset_many_soa(std::span(server_sessions_[k]).subspan(b, e - b), scratch_seeds_);
  });
}

const SoaBatch& RemoteVectorEnv::step_soa(std::span<const WireAction> actions) {
  if (actions.size() != sessions_.size()) {
    throw RemoteError("invalid_action",
                      "RemoteVectorEnv::step_soa: " + std::to_string(actions.size()) +
                          " actions for " + std::to_string(sessions_.size()) + " sessions");
  }
  const size_t servers = clients_.size();
  return soa_round("step_many", [&](Client& c, size_t k, size_t b, size_t e) {
    if (servers == 1) {
      return c.send_step_many_soa(std::span(server_sessions_[k]).subspan(b, e - b),
                                  actions.subspan(b, e - b));
    }
    scratch_actions_.clear();
    for (size_t j = b; j < e; ++j) scratch_actions_.push_back(actions[k + j * servers]);
    return c.send_step_many_soa(std::span(server_sessions_[k]).subspan(b, e - b), scratch_actions_);
  });
}

}  // namespace collab::bridge
