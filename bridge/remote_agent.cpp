#include "bridge/remote_agent.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <msgpack.hpp>
#include <optional>
#include <zmq.hpp>

#include "agents/evaluate.h"
#include "bridge/codec.h"
#include "bridge/protocol.h"
#include "env/error.h"

namespace collab::bridge {

using nlohmann::json;

RemoteAgentOptions RemoteAgentOptions::parse(std::string_view arg) {
  RemoteAgentOptions o;
  const auto q = arg.find('?');
  o.endpoint = std::string(arg.substr(0, q));
  const bool known = o.endpoint.rfind("tcp://", 0) == 0 || o.endpoint.rfind("ipc://", 0) == 0 ||
                     o.endpoint.rfind("inproc://", 0) == 0;
  if (!known || o.endpoint.find("://") + 3 == o.endpoint.size()) {
    throw InvalidOption(fmt::format(
        "agent 'remote:{}': expected remote:tcp://HOST:PORT or remote:ipc://PATH, optionally "
        "followed by ?timeout=SECONDS",
        arg));
  }
  if (q == std::string_view::npos) return o;
  const std::string_view query = arg.substr(q + 1);
  constexpr std::string_view kTimeout = "timeout=";
  double t = 0;
  const char* end = query.data() + query.size();
  if (query.rfind(kTimeout, 0) != 0 ||
      std::from_chars(query.data() + kTimeout.size(), end, t).ptr != end || !(t > 0) ||
      !std::isfinite(t)) {
    throw InvalidOption(fmt::format(
        "agent 'remote:{}': '?{}' is not understood; expected ?timeout=SECONDS with SECONDS > 0",
        arg, query));
  }
  o.timeout_s = t;
  return o;
}

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

zmq::context_t& context() {
  static zmq::context_t ctx(1);
  return ctx;
}

void pack_floats(Packer& pk, const std::vector<float>& v) {
  const auto bytes = static_cast<uint32_t>(v.size() * sizeof(float));
  pk.pack_bin(bytes);
  pk.pack_bin_body(reinterpret_cast<const char*>(v.data()), bytes);  // little-endian hosts
}

class RemoteAgent final : public agents::Agent {
 public:
  explicit RemoteAgent(RemoteAgentOptions o) : opts_(std::move(o)) {}

  std::string name() const override { return "remote:" + opts_.endpoint; }

  void begin(const json& spec, uint64_t seed) override {
    if (!hello_done_) {
      const json reply = request(
          "hello", [](Packer&) {}, 0);
      if (!reply.contains("agent_protocol")) {
        fail("hello",
             "the reply has no \"agent_protocol\": this endpoint is not an agent (a "
             "`collabgym serve` environment server?)");
      }
      if (reply["agent_protocol"] != kAgentProtocolVersion) {
        fail("hello", fmt::format("agent_protocol is {}; expected {}",
                                  reply["agent_protocol"].dump(), kAgentProtocolVersion));
      }
      hello_done_ = true;
    }
    request(
        "begin",
        [&](Packer& pk) {
          pack_str(pk, "spec");
          pack_json(pk, spec);
          pack_str(pk, "seed");
          pk.pack_uint64(seed);
        },
        2);
  }

  Action act(const Observation& obs, Rng&) override {
    const json reply = request(
        "act",
        [&](Packer& pk) {
          pack_str(pk, "obs");
          pk.pack_map(5);
          pack_str(pk, "text");
          pack_str(pk, obs.text);
          pack_str(pk, "features");
          pack_floats(pk, obs.features);
          pack_str(pk, "act_features");
          pack_floats(pk, obs.act_features);
          pack_str(pk, "action_mask");
          pk.pack_bin(static_cast<uint32_t>(obs.action_mask.size()));
          pk.pack_bin_body(reinterpret_cast<const char*>(obs.action_mask.data()),
                           static_cast<uint32_t>(obs.action_mask.size()));
          pack_str(pk, "turn");
          pk.pack_int32(obs.turn);
        },
        1);
    if (!reply.contains("action")) fail("act", "the reply has no \"action\"");
    const json& a = reply["action"];
    auto act_index = [&](const json& v) -> int32_t {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
        fail("act", fmt::format("action act {}: expected a non-negative act index", v.dump()));
      }
      return static_cast<int32_t>(v.get<int64_t>());
    };
    if (a.is_number_integer()) return Action::from_act(act_index(a));
    if (a.is_string()) return Action::from_text(a.get<std::string>());
    if (a.is_object() && !a.empty()) {
      Action out;
      for (const auto& [k, v] : a.items()) {
        if (k == "act" && !v.is_null()) {
          out.act = act_index(v);
        } else if (k == "text" && v.is_string()) {
          out.text = v.get<std::string>();
        } else if (!(k == "act" && v.is_null())) {
          fail("act", fmt::format("action key \"{}\" = {}: expected only act (int) and text (str)",
                                  k, v.dump()));
        }
      }
      if (out.act || !out.text.empty()) return out;
    }
    fail("act", fmt::format("action {}: expected an int act index, a str or a map {{act?, text?}}",
                            a.dump().substr(0, 200)));
  }

 private:
  [[noreturn]] void fail(const char* op, const std::string& what) const {
    throw agents::AgentFailure(fmt::format("remote agent {}: {}: {}", opts_.endpoint, op, what));
  }

  zmq::socket_t& socket() {
    if (!socket_) {
      socket_.emplace(context(), zmq::socket_type::req);
      socket_->set(zmq::sockopt::linger, 0);
      // After a timeout the next request may be sent at once; a late reply to the old one is
      // dropped (it carries the old request's correlation id).
      socket_->set(zmq::sockopt::req_relaxed, 1);
      socket_->set(zmq::sockopt::req_correlate, 1);
      try {
        socket_->connect(opts_.endpoint);
      } catch (const zmq::error_t& e) {
        socket_.reset();
        fail("connect", e.what());
      }
    }
    return *socket_;
  }

  // Sends {v, id, op, …fields} and returns the reply map (ok checked). `fields` packs `extra`
  // key/value pairs.
  template <class F>
  json request(const char* op, F&& fields, uint32_t extra) {
    msgpack::sbuffer buf;
    Packer pk(buf);
    pk.pack_map(3 + extra);
    pack_str(pk, "v");
    pk.pack_int(kProtocolVersion);
    pack_str(pk, "id");
    pk.pack_uint64(++next_id_);
    pack_str(pk, "op");
    pack_str(pk, op);
    fields(pk);
    zmq::socket_t& s = socket();
    try {
      if (!s.send(zmq::buffer(buf.data(), buf.size()), zmq::send_flags::dontwait)) {
        fail(op, "the request could not be queued (is the agent listening?)");
      }
    } catch (const zmq::error_t& e) {
      fail(op, fmt::format("send failed: {}", e.what()));
    }
    zmq::pollitem_t item{static_cast<void*>(s), 0, ZMQ_POLLIN, 0};
    const auto ms = std::chrono::milliseconds(static_cast<int64_t>(opts_.timeout_s * 1000));
    zmq::message_t msg;
    bool got = false;
    try {
      got = zmq::poll(&item, 1, ms) > 0 && s.recv(msg, zmq::recv_flags::dontwait).has_value();
    } catch (const zmq::error_t& e) {  // e.g. interrupted by a signal
      fail(op, fmt::format("receive failed: {}", e.what()));
    }
    if (!got) {
      fail(op,
           fmt::format("no reply within {:g} s (timeout; set ?timeout=SECONDS)", opts_.timeout_s));
    }
    json reply;
    try {
      const msgpack::object_handle oh =
          msgpack::unpack(static_cast<const char*>(msg.data()), msg.size());
      reply = to_json(oh.get());
    } catch (const std::exception& e) {  // msgpack's errors and the depth limit
      fail(op, fmt::format("the reply is not MessagePack ({} bytes): {}", msg.size(), e.what()));
    }
    if (!reply.is_object() || !reply.contains("ok") || !reply["ok"].is_boolean()) {
      fail(op, fmt::format("the reply {} is not a map with a boolean \"ok\"",
                           reply.dump().substr(0, 200)));
    }
    if (!reply["ok"].get<bool>()) {
      const json err = reply.value("error", json::object());
      fail(op, fmt::format("the agent answered an error: {}: {}",
                           err.is_object() ? err.value("code", "?") : "?",
                           err.is_object() ? err.value("message", "") : err.dump()));
    }
    return reply;
  }

  RemoteAgentOptions opts_;
  std::optional<zmq::socket_t> socket_;
  uint64_t next_id_ = 0;
  bool hello_done_ = false;
};

}  // namespace

std::unique_ptr<agents::Agent> make_remote_agent(const RemoteAgentOptions& options) {
  return std::make_unique<RemoteAgent>(options);
}

void register_remote_agent() {
  agents::register_agent_loader("remote", [](std::string_view arg) {
    return make_remote_agent(RemoteAgentOptions::parse(arg));
  });
}

}  // namespace collab::bridge
