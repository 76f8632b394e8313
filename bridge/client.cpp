#include "bridge/client.h"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bridge/codec.h"

namespace collab::bridge {

using Packer = msgpack::packer<msgpack::sbuffer>;

struct Client::Socket {
  zmq::context_t ctx{1};
  zmq::socket_t sock{ctx, zmq::socket_type::dealer};
};

Client::Client(std::string endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout), socket_(std::make_unique<Socket>()) {
  socket_->sock.set(zmq::sockopt::linger, 0);
  try {
    socket_->sock.connect(endpoint_);
  } catch (const zmq::error_t& e) {
    throw RemoteError("bad_endpoint", "cannot connect to '" + endpoint_ + "': " + e.what());
  }
}

Client::~Client() = default;

msgpack::object_handle Client::exchange(const msgpack::sbuffer& body, uint64_t id) {
  last_request_bytes_ = body.size();
  socket_->sock.send(zmq::message_t(body.data(), body.size()), zmq::send_flags::none);
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw Timeout("no reply from " + endpoint_ + " within " + std::to_string(timeout_.count()) +
                    " ms");
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
    if (rid == nullptr || rid->type != msgpack::type::POSITIVE_INTEGER || rid->via.u64 != id) {
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
    return h;
  }
}

template <class Fill>
msgpack::object_handle Client::call(const char* op, uint32_t n_fields, Fill&& fill) {
  const uint64_t id = next_id();
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(3 + n_fields);
  pack_str(pk, "v");
  pk.pack_int32(kProtocolVersion);
  pack_str(pk, "id");
  pk.pack_uint64(id);
  pack_str(pk, "op");
  pack_str(pk, op);
  fill(pk);
  msgpack::object_handle h = exchange(buf, id);
  const auto* ok = find_key(h.get(), "ok");
  if (ok == nullptr || ok->type != msgpack::type::BOOLEAN) {
    throw RemoteError("malformed", "reply without a boolean 'ok'");
  }
  if (!ok->via.boolean) {
    const auto* err = find_key(h.get(), "error");
    const auto j = err ? to_json(*err) : nlohmann::json::object();
    throw RemoteError(j.value("code", "internal"), j.value("message", ""));
  }
  return h;
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
  auto h = exchange(buf, id);
  return to_json(h.get());
}

RemoteVectorEnv::RemoteVectorEnv(Client& client, const std::string& env_id, int num_envs,
                                 const nlohmann::json& options, bool act_features)
    : client_(client), act_features_(act_features) {
  if (num_envs < 1) throw RemoteError("invalid_option", "num_envs must be at least 1");
  for (int i = 0; i < num_envs; ++i) {
    Client::Made made = client_.make(env_id, options, act_features);
    sessions_.push_back(std::move(made.session));
    if (i == 0) spec_ = std::move(made.spec);
  }
}

RemoteVectorEnv::~RemoteVectorEnv() {
  for (const auto& s : sessions_) {
    try {
      client_.close(s);
    } catch (const RemoteError&) {
      // The server may already be gone; nothing useful to do in a destructor.
    }
  }
}

std::vector<WireReset> RemoteVectorEnv::reset(uint64_t seed) {
  std::vector<WireReset> out;
  for (size_t i = 0; i < sessions_.size(); ++i)
    out.push_back(client_.reset(sessions_[i], seed + i));
  return out;
}

WireReset RemoteVectorEnv::reset_one(size_t i) { return client_.reset(sessions_.at(i)); }

std::vector<Client::StepOutcome> RemoteVectorEnv::step(const std::vector<WireAction>& actions) {
  if (actions.size() != sessions_.size()) {
    throw RemoteError("invalid_action", "RemoteVectorEnv::step: " + std::to_string(actions.size()) +
                                            " actions for " + std::to_string(sessions_.size()) +
                                            " sessions");
  }
  std::vector<std::pair<std::string, WireAction>> steps;
  steps.reserve(actions.size());
  for (size_t i = 0; i < actions.size(); ++i) steps.emplace_back(sessions_[i], actions[i]);
  return client_.step_many(steps);
}

}  // namespace collab::bridge
