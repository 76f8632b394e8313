#include "bridge/remote_agent.h"

#include <fmt/format.h>

#include <msgpack.hpp>
#include <optional>

#include "agents/evaluate.h"
#include "bridge/codec.h"
#include "bridge/protocol.h"
#include "bridge/req_channel.h"
#include "env/error.h"

namespace collab::bridge {

using nlohmann::json;

RemoteAgentOptions RemoteAgentOptions::parse(std::string_view arg) {
  RemoteAgentOptions o;
  parse_endpoint_arg(arg, fmt::format("agent 'remote:{}'", arg), &o.endpoint, &o.timeout_s);
  return o;
}

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

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

  // Sends {v, id, op, …fields} and returns the reply map (ok checked). `fields` packs `extra`
  // key/value pairs.
  template <class F>
  json request(const char* op, F&& fields, uint32_t extra) {
    try {
      return channel_.request(op, fields, extra);
    } catch (const ChannelError& e) {
      fail(op, e.what());
    }
  }

  RemoteAgentOptions opts_;
  ReqChannel channel_{opts_.endpoint, opts_.timeout_s};
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
