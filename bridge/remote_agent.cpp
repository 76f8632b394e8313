#include "bridge/remote_agent.h"

#include <fmt/format.h>

#include <msgpack.hpp>
#include <optional>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "agents/evaluate.h"
#include "bridge/pool.h"
#include "bridge/llm_agent.h"
#include "env/chat.h"
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

}  // namespace

std::optional<Action> action_from_json(const json& a, std::string* why) {
  auto act_index = [&](const json& v) -> std::optional<int32_t> {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
      *why = fmt::format("action act {}: expected a non-negative act index", v.dump());
      return std::nullopt;
    }
    return static_cast<int32_t>(v.get<int64_t>());
  };
  if (a.is_number_integer()) {
    const auto i = act_index(a);
    return i ? std::optional<Action>(Action::from_act(*i)) : std::nullopt;
  }
  if (a.is_string() && !a.get_ref<const std::string&>().empty()) {
    return Action::from_text(a.get<std::string>());
  }
  if (a.is_object() && !a.empty()) {
    Action out;
    for (const auto& [k, v] : a.items()) {
      if (k == "act" && !v.is_null()) {
        const auto i = act_index(v);
        if (!i) return std::nullopt;
        out.act = *i;
      } else if (k == "text" && v.is_string()) {
        out.text = v.get<std::string>();
      } else if (!(k == "act" && v.is_null())) {
        *why = fmt::format("action key \"{}\" = {}: expected only act (int) and text (str)", k,
                           v.dump().substr(0, 200));
        return std::nullopt;
      }
    }
    if (out.act || !out.text.empty()) return out;
  }
  *why = fmt::format("action {}: expected an int act index, a non-empty str or a map {{act?, text?}}",
                     a.dump().substr(0, 200));
  return std::nullopt;
}

void pack_obs(Packer& pk, const Observation& obs) {
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
}

namespace {


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
      const json& v = reply["agent_protocol"];
      if (!v.is_number_integer() || v.get<int64_t>() < 1 ||
          v.get<int64_t>() > kAgentProtocolVersion) {
        fail("hello", fmt::format("agent_protocol is {}; expected 1 to {}", v.dump(),
                                  kAgentProtocolVersion));
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
          pack_obs(pk, obs);
        },
        1);
    if (!reply.contains("action")) fail("act", "the reply has no \"action\"");
    std::string why;
    std::optional<Action> action = action_from_json(reply["action"], &why);
    if (!action) fail("act", why);
    return std::move(*action);
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

namespace {

// MR futures played by an agent endpoint (env/rollout_agent.h): one act_many request per call,
// on a REQ socket from a pool (calls may come from several threads).
class RemoteRolloutAgent final : public RolloutAgent {
 public:
  RemoteRolloutAgent(std::string name, RemoteAgentOptions o)
      : name_(std::move(name)), opts_(std::move(o)) {}

  std::string name() const override { return name_; }

  std::vector<RolloutAnswer> act_many(std::span<const RolloutQuery> queries) override {
    std::vector<RolloutAnswer> out(queries.size());
    ++requests_;
    queries_ += queries.size();
    auto fail_all = [&](const std::string& why) {
      ++failures_;
      for (auto& a : out) a.failure = why;
      return out;
    };
    auto ch = take();
    json reply;
    try {
      if (!ch->said_hello) hello(*ch);
      reply = ch->channel.request(
          "act_many", [&](Packer& pk) { pack_queries(pk, queries); }, 2);
      give_back(std::move(ch));
    } catch (const ChannelError& e) {
      if (e.kind() == ChannelError::Kind::kTimeout) ++timeouts_;
      give_back(std::move(ch));  // with REQ_RELAXED it may send again at once
      return fail_all(fmt::format("rollout agent {}: act_many: {}", opts_.endpoint, e.what()));
    } catch (const agents::AgentFailure& e) {
      give_back(std::move(ch));
      return fail_all(e.what());
    }
    const json* actions = reply.contains("actions") ? &reply["actions"] : nullptr;
    if (actions == nullptr || !actions->is_array() || actions->size() != queries.size()) {
      return fail_all(fmt::format(
          "rollout agent {}: act_many: expected \"actions\", an array of {} (one per item); got "
          "{}",
          opts_.endpoint, queries.size(),
          actions == nullptr ? std::string("none") : actions->dump().substr(0, 200)));
    }
    const json* errors = reply.contains("errors") && reply["errors"].is_array() &&
                                 reply["errors"].size() == queries.size()
                             ? &reply["errors"]
                             : nullptr;
    for (size_t i = 0; i < queries.size(); ++i) {
      const json& a = (*actions)[i];
      std::string why;
      if (a.is_null()) {
        why = errors != nullptr && (*errors)[i].is_string() ? (*errors)[i].get<std::string>()
                                                             : "no action";
      } else if (auto action = action_from_json(a, &why)) {
        out[i].action = std::move(*action);
        continue;
      }
      ++item_failures_;
      out[i].failure = fmt::format("rollout agent {}: items[{}]: {}", opts_.endpoint, i, why);
    }
    return out;
  }

  json counters() const override {
    return {{"requests", requests_.load()},  {"queries", queries_.load()},
            {"timeouts", timeouts_.load()},  {"failures", failures_.load()},
            {"item_failures", item_failures_.load()}};
  }

 private:
  struct Pooled {
    ReqChannel channel;
    bool said_hello = false;
  };

  void hello(Pooled& p) {
    const json reply = p.channel.request("hello", nullptr, 0);
    const json v = reply.value("agent_protocol", json());
    if (!v.is_number_integer() || v.get<int64_t>() < 2) {
      throw agents::AgentFailure(fmt::format(
          "rollout agent {}: hello: agent_protocol is {}; rollout agents need 2 or later (the "
          "batched act_many request; collabgym.serve_agent has it){}",
          opts_.endpoint, v.is_null() ? std::string("missing") : v.dump(),
          v.is_null() ? " (is this an agent endpoint?)" : ""));
    }
    p.said_hello = true;
  }

  // specs: the distinct specs of the queries; items: {spec (index), seed, episode_seed, sample,
  // obs, messages}.
  static void pack_queries(Packer& pk, std::span<const RolloutQuery> queries) {
    std::vector<const json*> specs;
    std::vector<uint32_t> index(queries.size());
    for (size_t i = 0; i < queries.size(); ++i) {
      auto it = std::find(specs.begin(), specs.end(), queries[i].spec);
      index[i] = static_cast<uint32_t>(it - specs.begin());
      if (it == specs.end()) specs.push_back(queries[i].spec);
    }
    pack_str(pk, "specs");
    pk.pack_array(static_cast<uint32_t>(specs.size()));
    for (const json* s : specs) pack_json(pk, *s);
    pack_str(pk, "items");
    pk.pack_array(static_cast<uint32_t>(queries.size()));
    for (size_t i = 0; i < queries.size(); ++i) {
      const RolloutQuery& q = queries[i];
      const ChatLog chat = ChatLog::from_dialogue(*q.spec, *q.dialogue);
      pk.pack_map(6);
      pack_str(pk, "spec");
      pk.pack_uint32(index[i]);
      pack_str(pk, "seed");
      pk.pack_uint64(q.seed);
      pack_str(pk, "episode_seed");
      pk.pack_uint64(q.episode_seed);
      pack_str(pk, "sample");
      pk.pack_int32(q.sample);
      pack_str(pk, "obs");
      pack_obs(pk, q.obs);
      pack_str(pk, "messages");
      pack_json(pk, chat.messages());
    }
  }

  std::unique_ptr<Pooled> take() { return pool_.take(); }
  void give_back(std::unique_ptr<Pooled> p) { pool_.give_back(std::move(p)); }

  std::string name_;
  RemoteAgentOptions opts_;
  Pool<Pooled> pool_{[this] {
    return std::make_unique<Pooled>(Pooled{ReqChannel(opts_.endpoint, opts_.timeout_s)});
  }};
  std::atomic<uint64_t> requests_{0}, queries_{0}, timeouts_{0}, failures_{0}, item_failures_{0};
};

}  // namespace

std::shared_ptr<RolloutAgent> make_rollout_agent(std::string name, std::string_view spec) {
  if (spec.rfind("remote:", 0) == 0) {
    return std::make_shared<RemoteRolloutAgent>(std::move(name),
                                                RemoteAgentOptions::parse(spec.substr(7)));
  }
  if (spec.rfind("llm:", 0) == 0) return make_llm_rollout_agent(std::move(name), spec.substr(4));
  if (is_endpoint(spec.substr(0, spec.find('?')))) {  // a bare endpoint, as --user takes one
    return std::make_shared<RemoteRolloutAgent>(std::move(name), RemoteAgentOptions::parse(spec));
  }
  throw InvalidOption(fmt::format(
      "rollout agent '{}': expected [remote:]ENDPOINT[?timeout=S] (an agent endpoint, e.g. "
      "collabgym.serve_agent, at tcp://HOST:PORT or ipc://PATH) or llm:URL[?model=…] "
      "(docs/reward.md)",
      spec));
}

std::string register_rollout_agent_arg(std::string_view arg, bool named) {
  std::string name, spec;
  const size_t eq = arg.find('=');
  const size_t colon = arg.find(':');
  if (named) {
    if (eq == std::string_view::npos || eq == 0 || (colon != std::string_view::npos && colon < eq)) {
      throw InvalidOption(fmt::format(
          "--rollout-agent {}: expected NAME=SPEC, SPEC being [remote:]ENDPOINT[?timeout=S] or "
          "llm:URL[?…] (clients choose it with the option rollout_policy=NAME)",
          arg));
    }
    name = std::string(arg.substr(0, eq));
    spec = std::string(arg.substr(eq + 1));
  } else {
    name = spec = std::string(arg);
  }
  register_rollout_agent(make_rollout_agent(name, spec));
  return name;
}

std::unique_ptr<agents::Agent> make_remote_agent(const RemoteAgentOptions& options) {
  return std::make_unique<RemoteAgent>(options);
}

void register_remote_agent() {
  agents::register_agent_loader("remote", [](std::string_view arg) {
    return make_remote_agent(RemoteAgentOptions::parse(arg));
  });
}

}  // namespace collab::bridge
