// The server over real sockets (tcp and ipc on loopback), driven by the C++ client.
#include "bridge/server.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <set>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "agents/agent.h"
#include "bridge/client.h"
#include "bridge/codec.h"
#include "bridge/curve.h"
#include "bridge/server_wire.h"
#include "env/error.h"
#include "env/scenario.h"
#include "env/version.h"
#include "tasks/register_all.h"

namespace collab::bridge {
namespace {

using namespace std::chrono_literals;

const Registry& quiet(const Registry& r) {
  spdlog::set_level(spdlog::level::warn);
  return r;
}

// A server on its own thread for the duration of a test.
class Running {
 public:
  explicit Running(ServerOptions o) : server_(quiet(tasks::builtin_registry()), std::move(o)) {
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return server_.endpoints().at(0); }
  Server& server() { return server_; }

 private:
  Server server_;
  std::thread thread_;
};

ServerOptions opts(const std::string& bind = "tcp://127.0.0.1:0") {
  ServerOptions o;
  o.binds = {bind};
  o.threads = 2;
  return o;
}

std::string ipc_path() { return "ipc:///tmp/collabgym-test-" + std::to_string(getpid()) + ".sock"; }

// The tasks to check act features with: 20 Questions (K = 0) and, once it is registered, the
// guess_number example (K > 0), so both shapes are covered.
std::vector<std::string> act_feature_env_ids() {
  std::vector<std::string> ids{"twenty_questions-v0"};
  for (const auto& id : tasks::builtin_registry().ids()) {
    if (id.rfind("guess_number-", 0) == 0) ids.push_back(id);
  }
  return ids;
}

nlohmann::json options_for(const std::string& env_id) {
  nlohmann::json o = {{"reward", "mr"}};
  if (env_id.rfind("twenty_questions-", 0) == 0) o["split"] = "test";
  return o;
}

class Transports : public ::testing::TestWithParam<std::string> {};

// Observations (act features included), rewards and info — content too — are the same over the
// wire as in-process, bit for bit, in act and text mode.
TEST_P(Transports, WireEqualsInProcess) {
  Running srv(opts(GetParam() == "ipc" ? ipc_path() : "tcp://127.0.0.1:0"));
  Client c(srv.endpoint(), 5s);
  for (const auto& env_id : act_feature_env_ids()) {
    SCOPED_TRACE(env_id);
    const nlohmann::json options = options_for(env_id);
    const auto made = c.make(env_id, options, /*act_features=*/true);
    Env local = tasks::builtin_registry().make(env_id, options);
    nlohmann::json local_spec = local.spec();  // as sent: the scenario's name, not its path
    local_spec["scenario"]["name"] =
        std::filesystem::path(local_spec["scenario"]["path"].get<std::string>()).stem().string();
    local_spec["scenario"].erase("path");
    EXPECT_EQ(made.spec, local_spec);
    const size_t A = static_cast<size_t>(local.num_acts());
    const size_t K = static_cast<size_t>(local.num_act_features());
    EXPECT_EQ(made.spec["observation_space"]["act_features"]["shape"], nlohmann::json({A, K}));
    auto expert = agents::make_agent("expert");
    int content_seen = 0;
    for (uint64_t seed : {1u, 2u, 3u}) {
      const WireReset wr = c.reset(made.session, seed);
      const ResetResult lr = local.reset(seed);
      EXPECT_EQ(wr.obs.text, lr.obs.text);
      EXPECT_EQ(wr.obs.features, lr.obs.features);
      ASSERT_TRUE(wr.obs.has_act_features);
      EXPECT_EQ(wr.obs.act_features, lr.obs.act_features);
      EXPECT_EQ(wr.obs.act_features, local.observe().act_features);
      EXPECT_EQ(wr.obs.act_features.size(), A * K);
      EXPECT_EQ(wr.seed, lr.seed);
      Observation obs = lr.obs;
      expert->begin(local.spec(), seed);
      int turn = 0;
      while (!local.done()) {
        Rng rng = agents::policy_rng(local);
        Action a = agents::decide(*expert, local, obs, rng);
        if (turn++ % 2 == 1 && a.act) {
          a = Action::from_text(local.episode().render(*a.act, local.episode().compose(*a.act)));
        }
        const StepResult lr2 = local.step(a);
        const WireStep ws =
            c.step(made.session, a.act && a.text.empty() ? WireAction::of_act(*a.act)
                                                         : WireAction{a.act, a.text});
        EXPECT_EQ(ws.obs.text, lr2.obs.text);
        EXPECT_EQ(ws.obs.features, lr2.obs.features);
        EXPECT_EQ(ws.obs.act_features, lr2.obs.act_features);
        EXPECT_EQ(ws.obs.act_features, local.observe().act_features);
        EXPECT_EQ(ws.obs.num_act_features(), K);
        EXPECT_EQ(ws.obs.action_mask, lr2.obs.action_mask);
        EXPECT_EQ(ws.reward, lr2.reward);  // bit for bit
        EXPECT_EQ(ws.terminated, lr2.terminated);
        EXPECT_EQ(ws.truncated, lr2.truncated);
        EXPECT_EQ(ws.info(), Env::info_json(local.task(), lr2.info));
        ASSERT_TRUE(ws.info().contains("content")) << ws.info().dump();
        EXPECT_EQ(ws.info()["content"].size(), 2u);
        if (!lr2.info.content.empty()) ++content_seen;
        obs = lr2.obs;
      }
    }
    if (env_id.rfind("guess_number-", 0) == 0) {
      EXPECT_GT(content_seen, 0) << "no step carried content (a number), so the wire's content "
                                    "field was only checked when empty";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Loopback, Transports, ::testing::Values("tcp", "ipc"));

std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const RemoteError& e) {
    return e.code();
  }
  return "no error";
}

// A body packed by hand, for provoking errors the typed client cannot produce.
std::string body(const nlohmann::json& j) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pack_json(pk, j);
  return std::string(buf.data(), buf.size());
}

TEST(Server, EveryErrorCodeIsAnsweredAsDocumented) {
  ServerOptions o = opts();
  o.max_sessions = 3;
  o.max_batch = 4;
  o.max_message_bytes = 4096;
  Running srv(o);
  Client c(srv.endpoint(), 5s);
  auto raw_code = [&](const nlohmann::json& req) {
    const auto reply = c.raw(body(req), req.value("id", 0u));
    EXPECT_EQ(reply["ok"], false) << reply.dump();
    return reply["error"]["code"].get<std::string>();
  };
  EXPECT_EQ(raw_code({{"v", 1}, {"id", 1}, {"op", "frobnicate"}}), "unknown_op");
  EXPECT_EQ(raw_code({{"v", 2}, {"id", 2}, {"op", "ping"}}), "bad_version");
  EXPECT_EQ(raw_code({{"id", 3}, {"op", "ping"}}), "bad_version");
  EXPECT_EQ(raw_code({{"v", 1}, {"id", 4}}), "missing_field");
  EXPECT_EQ(raw_code({{"v", 1}, {"id", 5}, {"op", 7}}), "wrong_type");
  EXPECT_EQ(raw_code({{"v", 1}, {"id", 6}, {"op", "make"}}), "missing_field");
  EXPECT_EQ(
      raw_code(
          {{"v", 1}, {"id", 7}, {"op", "make"}, {"env_id", "twenty_questions"}, {"options", 3}}),
      "wrong_type");
  for (const nlohmann::json& bad :
       {nlohmann::json(1), nlohmann::json("yes"), nlohmann::json({1})}) {
    const auto reply = c.raw(body({{"v", 1},
                                   {"id", 12},
                                   {"op", "make"},
                                   {"env_id", "twenty_questions-v0"},
                                   {"act_features", bad}}),
                             12);
    EXPECT_EQ(reply["error"]["code"], "wrong_type") << reply.dump();
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("'act_features': expected bool"),
              std::string::npos)
        << reply.dump();
  }
  EXPECT_EQ(code_of([&] { c.make("twenty_question-v0"); }), "unknown_env");
  EXPECT_EQ(code_of([&] { c.make("twenty_questions-v0", {{"mr_window", 99}}); }), "invalid_option");
  EXPECT_EQ(code_of([&] {
              c.make("twenty_questions-v0", {{"scenario", "/nonexistent.json"}});
            }),
            "invalid_option");
  EXPECT_EQ(code_of([&] { c.reset("0123456789abcdef0123456789abcdef"); }), "unknown_session");
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  EXPECT_EQ(code_of([&] { c.step(s, WireAction::of_act(0)); }), "reset_needed");
  c.reset(s, 1);
  EXPECT_EQ(code_of([&] { c.step(s, WireAction::of_act(100000)); }), "invalid_action");
  c.step(s, WireAction::of_act(0));
  EXPECT_EQ(code_of([&] { c.step(s, WireAction::of_act(0)); }), "invalid_action");  // masked now
  EXPECT_EQ(code_of([&] { c.step(s, WireAction::of_text("")); }), "invalid_action");
  EXPECT_EQ(raw_code({{"v", 1}, {"id", 8}, {"op", "step"}, {"session", s}, {"action", 1.5}}),
            "wrong_type");
  EXPECT_EQ(raw_code({{"v", 1}, {"id", 9}, {"op", "step"}, {"session", s}, {"action", -1}}),
            "invalid_action");
  EXPECT_EQ(raw_code({{"v", 1}, {"id", 10}, {"op", "reset"}, {"session", s}, {"seed", "x"}}),
            "wrong_type");
  EXPECT_EQ(code_of([&] { c.step(s, WireAction::of_text(std::string(5000, 'a'))); }), "too_large");
  std::vector<std::pair<std::string, WireAction>> many(5, {s, WireAction::of_act(1)});
  EXPECT_EQ(code_of([&] { c.step_many(many); }), "too_large");
  c.make("twenty_questions-v0");
  c.make("twenty_questions-v0");
  EXPECT_EQ(code_of([&] { c.make("twenty_questions-v0"); }), "too_many_sessions");
  EXPECT_EQ(code_of([&] { c.fork(s); }), "too_many_sessions");
  // malformed: not MessagePack, not a map, trailing bytes.
  EXPECT_EQ(code_of([&] { c.raw("\xc1", 0); }), "malformed");
  EXPECT_EQ(code_of([&] { c.raw(body({1, 2}), 0); }), "malformed");
  EXPECT_EQ(code_of([&] {
              c.raw(body({{"v", 1}, {"id", 11}, {"op", "ping"}}) + "x", 0);
            }),
            "malformed");
  // Episode end: stepping a finished episode is reset_needed.
  EXPECT_EQ(code_of([&] { c.make("twenty_questions-v0"); }), "too_many_sessions");
  c.close(s);
  const auto t2 = c.make("twenty_questions-v0", {{"reward", "terminal"}, {"max_turns", 1}}).session;
  c.reset(t2, 0);
  EXPECT_TRUE(c.step(t2, WireAction::of_act(0)).truncated);
  EXPECT_EQ(code_of([&] { c.step(t2, WireAction::of_act(1)); }), "reset_needed");
  EXPECT_TRUE(c.ping());  // still serving
  EXPECT_GE(c.stats()["errors"].get<int>(), 20);
}

TEST(Server, HelloReportsVersionsOpsAndCapabilities) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  const auto h = c.hello();
  EXPECT_EQ(h["protocol"], kProtocolVersion);
  EXPECT_EQ(h["protocol_minor"], kProtocolMinor);
  EXPECT_GE(h["protocol_minor"].get<int>(), 1);
  EXPECT_EQ(h["server"], std::string("collabgym ") + kVersion);
  EXPECT_EQ(h["ops"], nlohmann::json(operation_names()));
  const auto caps = h["capabilities"].get<std::vector<std::string>>();
  for (const char* cap : {"act", "text", "fork", "step_many", "act_features"})
    EXPECT_NE(std::find(caps.begin(), caps.end(), cap), caps.end()) << cap;
  // Every op listed is dispatched (none answers unknown_op).
  for (const auto& op : operation_names()) {
    const auto reply = c.raw(body({{"v", 1}, {"id", 77}, {"op", op}}), 77);
    if (reply["ok"] == false) {
      EXPECT_NE(reply["error"]["code"], "unknown_op") << op;
    }
  }
}

int32_t first_legal(const std::vector<uint8_t>& mask) {
  const auto it = std::find(mask.begin(), mask.end(), 1);
  EXPECT_NE(it, mask.end()) << "no legal act";
  return static_cast<int32_t>(it - mask.begin());
}

// The obs map's keys in a raw (JSON-decoded) reply.
std::set<std::string> obs_keys(const nlohmann::json& reply) {
  std::set<std::string> keys;
  for (const auto& [k, v] : reply.at("obs").items()) keys.insert(k);
  return keys;
}

TEST(Server, ActFeaturesOnlyInSessionsThatAskForThem) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  const std::set<std::string> v1_keys{"text", "features", "action_mask", "turn"};
  auto v1_with = v1_keys;
  v1_with.insert("act_features");
  for (const auto& env_id : act_feature_env_ids()) {
    SCOPED_TRACE(env_id);
    Env local = tasks::builtin_registry().make(env_id);
    const size_t A = static_cast<size_t>(local.num_acts());
    const size_t K = static_cast<size_t>(local.num_act_features());
    EXPECT_EQ(K, local.spec()["act_features"].size());
    // Raw requests: no field, `false`, nil -> exactly the v1 obs map; `true` -> act_features.
    for (const nlohmann::json& flag :
         {nlohmann::json(), nlohmann::json(false), nlohmann::json(true)}) {
      nlohmann::json req = {{"v", 1}, {"id", 5}, {"op", "make"}, {"env_id", env_id}};
      if (!flag.is_null()) req["act_features"] = flag;
      const auto made = c.raw(body(req), 5);
      ASSERT_EQ(made["ok"], true) << made.dump();
      const auto session = made["session"].get<std::string>();
      const auto reset =
          c.raw(body({{"v", 1}, {"id", 6}, {"op", "reset"}, {"session", session}, {"seed", 3}}), 6);
      const int32_t act = first_legal(reset["obs"]["action_mask"].get<std::vector<uint8_t>>());
      const auto step = c.raw(
          body({{"v", 1}, {"id", 7}, {"op", "step"}, {"session", session}, {"action", act}}), 7);
      const bool asked = flag == true;
      EXPECT_EQ(obs_keys(reset), asked ? v1_with : v1_keys) << reset.dump();
      EXPECT_EQ(obs_keys(step), asked ? v1_with : v1_keys) << step.dump();
      if (asked) {
        EXPECT_EQ(step["obs"]["act_features"].size(), 4 * A * K);  // bytes
      }
      c.close(session);
    }
    // The typed client: values equal in-process, [A][K]; forks inherit the flag.
    for (bool asked : {false, true}) {
      const auto s = c.make(env_id, {}, asked).session;
      const WireReset r = c.reset(s, 11);
      const ResetResult lr = local.reset(11);
      EXPECT_EQ(r.obs.has_act_features, asked);
      EXPECT_EQ(r.obs.act_features, asked ? lr.obs.act_features : std::vector<float>{});
      const int32_t act = first_legal(r.obs.action_mask);
      const auto f = c.fork(s);
      const WireStep fs = c.step(f, WireAction::of_act(act));
      const StepResult ls = local.step(Action::from_act(act));
      EXPECT_EQ(fs.obs.has_act_features, asked) << "fork copies the act_features flag";
      if (asked) {
        EXPECT_EQ(fs.obs.act_features, ls.obs.act_features);
        EXPECT_EQ(fs.obs.num_act_features(), K);
        EXPECT_EQ(fs.obs.act_features.size(), A * K);
      }
      // step_many items carry them too.
      const auto many = c.step_many({{s, WireAction::of_act(act)}});
      EXPECT_EQ(std::get<WireStep>(many.at(0)).obs.has_act_features, asked);
      c.close(s);
      c.close(f);
    }
  }
}

TEST(Server, StepManyKeepsOrderAndIsolatesItemErrors) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  std::vector<std::string> sessions;
  for (int i = 0; i < 4; ++i) {
    sessions.push_back(
        c.make("twenty_questions-v0", {{"reward", i % 2 ? "mr" : "terminal"}}).session);
    c.reset(sessions.back(), static_cast<uint64_t>(i));
  }
  std::vector<std::pair<std::string, WireAction>> steps;
  for (int i = 0; i < 4; ++i)
    steps.emplace_back(sessions[static_cast<size_t>(i)], WireAction::of_act(i));
  steps.emplace_back("ffffffffffffffffffffffffffffffff", WireAction::of_act(0));
  steps.emplace_back(sessions[1], WireAction::of_act(1));  // masked: sessions[1] just asked act 1
  const auto out = c.step_many(steps);
  ASSERT_EQ(out.size(), 6u);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(std::holds_alternative<WireStep>(out[static_cast<size_t>(i)])) << i;
    EXPECT_EQ(std::get<WireStep>(out[static_cast<size_t>(i)]).info()["act_index"], i);
  }
  EXPECT_EQ(std::get<RemoteError>(out[4]).code(), "unknown_session");
  EXPECT_EQ(std::get<RemoteError>(out[5]).code(), "invalid_action");
}

TEST(Server, ForkIsAnExactCopyThatDiverges) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  for (const char* mode : {"terminal", "mr"}) {
    const auto s = c.make("twenty_questions-v0", {{"reward", mode}}).session;
    c.reset(s, 5);
    c.step(s, WireAction::of_act(0));
    const auto f = c.fork(s);
    const WireStep a = c.step(f, WireAction::of_act(1));
    const WireStep b = c.step(s, WireAction::of_act(1));
    EXPECT_EQ(a.obs.text, b.obs.text);
    EXPECT_EQ(a.reward, b.reward);
    c.step(f, WireAction::of_act(2));  // the fork moves on; the original does not
    const WireStep orig = c.step(s, WireAction::of_act(3));
    EXPECT_EQ(orig.obs.turn, 3);
    EXPECT_EQ(orig.info()["act_index"], 3);
  }
}

TEST(Server, SurvivesGarbageAndServesNormallyAfter) {
  Running srv(opts());
  zmq::context_t ctx;
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(srv.endpoint());
  Rng rng(42);
  std::vector<std::string> garbage;
  for (int i = 0; i < 200; ++i) {
    std::string g(rng.below(300), '\0');
    for (auto& ch : g) ch = static_cast<char>(rng.below(256));
    garbage.push_back(g);
  }
  const std::string good =
      body({{"v", 1}, {"id", 1}, {"op", "make"}, {"env_id", "twenty_questions-v0"}});
  garbage.push_back(good.substr(0, good.size() / 2));    // truncated
  garbage.push_back(std::string(200, '\x91') + "\x01");  // 200 nested arrays
  garbage.push_back(std::string(8u << 20, 'x'));         // 8 MiB: over the limit
  garbage.push_back("\xdd\xff\xff\xff\xff");             // claims a 4-billion-item array
  for (const auto& g : garbage) raw.send(zmq::buffer(g), zmq::send_flags::none);
  int replies = 0;
  zmq::pollitem_t item{raw.handle(), 0, ZMQ_POLLIN, 0};
  while (zmq::poll(&item, 1, 2000ms) > 0) {
    zmq::message_t m;
    (void)raw.recv(m);
    const auto r = to_json(msgpack::unpack(static_cast<const char*>(m.data()), m.size()).get());
    EXPECT_EQ(r["ok"], false);
    ++replies;
    if (replies == static_cast<int>(garbage.size())) break;
  }
  EXPECT_EQ(replies, static_cast<int>(garbage.size())) << "every bad request gets an error reply";
  Client c(srv.endpoint(), 5s);
  const auto s = c.make("twenty_questions-v0").session;
  EXPECT_EQ(c.reset(s, 1).seed, 1u);
}

TEST(Server, ManyConcurrentSessionsFromSeveralClients) {
  Running srv(opts());
  constexpr int kClients = 4, kSessionsEach = 50, kSteps = 5;
  std::atomic<int> failures{0}, steps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      Client c(srv.endpoint(), 10s);
      std::vector<std::string> mine;
      for (int i = 0; i < kSessionsEach; ++i) {
        mine.push_back(
            c.make("twenty_questions-v0", {{"reward", i % 5 == 0 ? "mr" : "terminal"}}).session);
      }
      // Interleave: each round steps every session once, alternating single and batched steps.
      for (int i = 0; i < kSessionsEach; ++i) {
        c.reset(mine[static_cast<size_t>(i)], static_cast<uint64_t>(t * 1000 + i));
      }
      for (int k = 0; k < kSteps; ++k) {
        std::vector<std::pair<std::string, WireAction>> batch;
        for (int i = 0; i < kSessionsEach; ++i) {
          if (i % 2) batch.emplace_back(mine[static_cast<size_t>(i)], WireAction::of_act(k));
        }
        const auto out = c.step_many(batch);
        for (const auto& o : out) {
          if (!std::holds_alternative<WireStep>(o) || std::get<WireStep>(o).obs.turn != k + 1)
            ++failures;
          else
            ++steps;
        }
        for (int i = 0; i < kSessionsEach; i += 2) {
          const WireStep r = c.step(mine[static_cast<size_t>(i)], WireAction::of_act(k));
          if (r.obs.turn != k + 1 || r.info()["act_index"] != k)
            ++failures;
          else
            ++steps;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(steps, kClients * kSessionsEach * kSteps);
  Client c(srv.endpoint(), 5s);
  EXPECT_EQ(c.stats()["sessions"], kClients * kSessionsEach);
}

TEST(Server, IdleSessionsAreReaped) {
  ServerOptions o = opts();
  o.idle_timeout_s = 0.2;
  Running srv(o);
  Client c(srv.endpoint(), 5s);
  const auto s = c.make("twenty_questions-v0").session;
  c.reset(s, 1);
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(code_of([&] { c.reset(s, 1); }), "unknown_session");
  EXPECT_EQ(c.stats()["sessions"], 0);
}

TEST(Server, ShutdownAnswersInFlightWorkAndRefusesNewWork) {
  auto srv = std::make_unique<Running>(opts());
  Client a(srv->endpoint(), 10s), b(srv->endpoint(), 1s);
  // A slow step: 64 expert futures of 20 exchanges each.
  const auto s =
      a.make("twenty_questions-v0", {{"reward", "mr"}, {"mr_samples", 64}, {"mr_window", 20}})
          .session;
  a.reset(s, 1);
  std::atomic<bool> answered{false};
  const int64_t before = b.stats()["requests"].get<int64_t>();  // counts this stats call too
  std::thread slow([&] {
    try {
      const WireStep r = a.step(s, WireAction::of_act(0));
      answered = r.obs.turn == 1;
    } catch (const RemoteError& e) {
      ADD_FAILURE() << "in-flight step not answered: " << e.what();
    }
  });
  // Wait until the server has taken the step (each stats call counts one request).
  for (int64_t polls = 1;; ++polls) {
    if (b.stats()["requests"].get<int64_t>() - before - polls >= 1) break;
  }
  srv->server().stop();
  // stop() is asynchronous: pings succeed until the I/O thread takes it, then get shutting_down
  // while the step is in flight, then (once closed) no reply at all.
  std::string code = "none";
  for (int i = 0; i < 1000 && code == "none"; ++i) {
    try {
      b.ping();
    } catch (const RemoteError& e) {
      code = e.code();
    }
  }
  slow.join();
  EXPECT_TRUE(answered) << "the request in flight is answered";
  EXPECT_TRUE(code == "shutting_down" || code == "timeout") << code;
  srv.reset();  // run() returned: the destructor's join does not hang
}

TEST(Server, RefusesRemoteBindsWithoutPermissionAndBadOptions) {
  ServerOptions o = opts("tcp://0.0.0.0:0");
  EXPECT_THROW(Server(tasks::builtin_registry(), o), InvalidOption);
  o.allow_remote = true;
  EXPECT_NO_THROW(Server(tasks::builtin_registry(), o));
  ServerOptions bad = opts();
  bad.threads = 0;
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  bad = opts("tcp://127.0.0.1:notaport");
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), Error);
}

// ---- hardening (issue 15) -------------------------------------------------------------------

// Sends `frames` on a fresh DEALER and returns the reply's frames (empty after 5 s).
std::vector<std::string> exchange_frames(const std::string& endpoint,
                                         const std::vector<std::string>& frames) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 5000);
  s.connect(endpoint);
  for (size_t i = 0; i < frames.size(); ++i) {
    s.send(zmq::buffer(frames[i]),
           i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  std::vector<zmq::message_t> reply;
  (void)zmq::recv_multipart(s, std::back_inserter(reply));
  std::vector<std::string> out;
  for (const auto& m : reply) out.push_back(m.to_string());
  return out;
}

// One body in, the reply body's raw bytes out.
std::string exchange_raw(const std::string& endpoint, const std::string& request) {
  const auto frames = exchange_frames(endpoint, {request});
  return frames.empty() ? std::string() : frames.back();
}

// Where `o` holds a string (or key) that is not UTF-8, or "" when none does.
std::string non_utf8_at(const msgpack::object& o, const std::string& where = "reply") {
  switch (o.type) {
    case msgpack::type::STR:
      return detail::utf8_valid_prefix({o.via.str.ptr, o.via.str.size}) == o.via.str.size ? ""
                                                                                          : where;
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        if (auto w = non_utf8_at(o.via.array.ptr[i], where + "[]"); !w.empty()) return w;
      }
      return "";
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        if (auto w = non_utf8_at(o.via.map.ptr[i].key, where + ".<key>"); !w.empty()) return w;
        if (auto w = non_utf8_at(o.via.map.ptr[i].val, where + ".val"); !w.empty()) return w;
      }
      return "";
    default:
      return "";
  }
}

struct RawReply {
  msgpack::object_handle handle;
  nlohmann::json json;
  std::string non_utf8;  // where a string is not UTF-8, "" if none
};
RawReply parse_raw(const std::string& bytes) {
  RawReply r;
  r.handle = msgpack::unpack(bytes.data(), bytes.size());
  r.non_utf8 = non_utf8_at(r.handle.get());
  if (r.non_utf8.empty()) r.json = to_json(r.handle.get());
  return r;
}

// No client names a server path: scenarios are picked by name or content hash among those the
// operator offers (shipped ones, --scenario, --scenario-dir), and a refusal reads the same whether
// or not the path exists, never quoting the file.
TEST(Server, ClientsPickOfferedScenariosByNameOrHashNeverByPath) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("collabgym-scen-" + std::to_string(getpid()));
  fs::create_directories(dir / "offered");
  const std::string shipped = scenario_dir() + "/twenty_questions/small-v2.json";
  fs::copy_file(shipped, dir / "offered" / "tiny.json", fs::copy_options::overwrite_existing);
  {
    std::ofstream secret(dir / "secret.json");
    secret << R"({"task": "twenty_questions", "SECRET-CONTENT": 1})";
  }
  const std::string fifo = (dir / "fifo.json").string();
  ::mkfifo(fifo.c_str(), 0600);
  ServerOptions o = opts();
  o.scenario_dirs = {(dir / "offered").string()};
  Running srv(o);
  Client c(srv.endpoint(), 5s);

  const auto list = c.raw(body({{"v", 1}, {"id", 1}, {"op", "list"}}), 1);
  std::map<std::string, nlohmann::json> offered;
  for (const auto& s : list.at("scenarios")) {
    if (s["task"] == "twenty_questions") offered[s["name"].get<std::string>()] = s;
  }
  ASSERT_TRUE(offered.contains("small-v2")) << list.dump();
  ASSERT_TRUE(offered.contains("tiny")) << list.dump();
  EXPECT_EQ(offered["small-v2"]["hash"], scenario_file_hash(shipped).value());
  EXPECT_EQ(offered["tiny"]["hash"], offered["small-v2"]["hash"]);
  EXPECT_EQ(offered["common-v2"]["default"], true);
  EXPECT_EQ(offered["small-v2"]["default"], false);
  EXPECT_FALSE(list.dump().find(dir.string()) != std::string::npos) << "paths are never sent";

  // By name and by hash; the spec records the name.
  const auto by_name = c.make("twenty_questions-v0", {{"scenario", "small-v2"}});
  EXPECT_EQ(by_name.spec["scenario"]["hash"], offered["small-v2"]["hash"]);
  EXPECT_EQ(by_name.spec["scenario"]["name"], "small-v2");
  EXPECT_FALSE(by_name.spec["scenario"].contains("path")) << "no server path is sent";
  const auto by_hash = c.make("twenty_questions", {{"scenario", offered["common"]["hash"]}});
  EXPECT_EQ(by_hash.spec["scenario"]["hash"], offered["common"]["hash"]);
  EXPECT_EQ(by_hash.spec["scenario"]["name"], "common");
  EXPECT_EQ(c.make("twenty_questions", {{"scenario", "tiny"}}).spec["scenario"]["name"], "tiny");
  EXPECT_EQ(c.make("twenty_questions").spec["scenario"]["name"], "common-v2");
  const auto spec = c.raw(body({{"v", 1},
                                {"id", 2},
                                {"op", "spec"},
                                {"env_id", "guess_number"},
                                {"options", {{"scenario", "default"}}}}),
                          2);
  ASSERT_EQ(spec["ok"], true) << spec.dump();
  for (const auto& s : spec["scenarios"]) EXPECT_EQ(s["task"], "guess_number") << spec.dump();
  EXPECT_FALSE(spec["scenarios"].empty());

  // Paths (existing, missing, a FIFO, a secret) and other tasks' names are all refused alike.
  std::set<std::string> messages;
  for (const std::string& bad :
       {shipped, std::string("/nonexistent/x.json"), fifo, (dir / "secret.json").string(),
        std::string("../twenty_questions/small-v2.json"), std::string("base")}) {
    SCOPED_TRACE(bad);
    const auto reply = c.raw(body({{"v", 1},
                                   {"id", 3},
                                   {"op", "make"},
                                   {"env_id", "twenty_questions-v0"},
                                   {"options", {{"scenario", bad}}}}),
                             3);
    ASSERT_EQ(reply["ok"], false);
    EXPECT_EQ(reply["error"]["code"], "invalid_option");
    std::string m = reply["error"]["message"].get<std::string>();
    EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
    EXPECT_NE(m.find("small-v2"), std::string::npos) << "lists what is offered: " << m;
    m.erase(0, m.find(": not a scenario"));  // drop the quoted value
    messages.insert(m);
  }
  EXPECT_EQ(messages.size(), 1u) << "a refusal never tells whether a path exists";
  EXPECT_EQ(c.raw(body({{"v", 1},
                        {"id", 4},
                        {"op", "make"},
                        {"env_id", "twenty_questions-v0"},
                        {"options", {{"scenario", 3}}}}),
                  4)["error"]["code"],
            "invalid_option");
  EXPECT_TRUE(c.ping());  // the FIFO was never opened: the server still answers

  // The operator's flags: a missing file, a folder that is not one, a file naming no task.
  ServerOptions bad = opts();
  bad.scenario_files = {(dir / "missing.json").string()};
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), ScenarioError);
  bad = opts();
  bad.scenario_dirs = {(dir / "missing").string()};
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  {
    std::ofstream f(dir / "notask.json");
    f << R"({"task": "nope"})";
  }
  bad = opts();
  bad.scenario_files = {(dir / "notask.json").string()};
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  // A shipped name with other content is ambiguous; the shipped file itself is no conflict.
  fs::copy_file(scenario_dir() + "/twenty_questions/small.json", dir / "small-v2.json");
  bad = opts();
  bad.scenario_files = {(dir / "small-v2.json").string()};
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  ServerOptions again = opts();
  again.scenario_dirs = {scenario_dir() + "/twenty_questions"};
  EXPECT_NO_THROW(Server(tasks::builtin_registry(), again));
  fs::remove_all(dir);
}

// Strings that are not UTF-8 are refused as malformed, wherever they are (op, options value or
// key, action text), and no reply ever carries one.
TEST(Server, TextThatIsNotUtf8IsMalformedAndNeverEchoed) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  c.reset(s, 1);
  const std::string bad[] = {"fr\xffob",         "\xc3\x28", "\xed\xa0\x80",
                             "\xf4\x90\x80\x80", "\xc0\xaf", std::string("ab\xe2\x82", 4)};
  for (const auto& b : bad) {
    SCOPED_TRACE(::testing::PrintToString(b));
    ASSERT_LT(detail::utf8_valid_prefix(b), b.size());
    const std::vector<nlohmann::json> requests = {
        {{"v", 1}, {"id", 1}, {"op", b}},
        {{"v", 1}, {"id", 2}, {"op", "make"}, {"env_id", b}},
        {{"v", 1},
         {"id", 3},
         {"op", "make"},
         {"env_id", "twenty_questions-v0"},
         {"options", {{"persona", b}}}},
        {{"v", 1},
         {"id", 4},
         {"op", "make"},
         {"env_id", "twenty_questions-v0"},
         {"options", {{b, 1}}}},
        {{"v", 1}, {"id", 5}, {"op", "step"}, {"session", s}, {"action", b}},
        {{"v", 1}, {"id", 6}, {"op", "step"}, {"session", s}, {"action", {{"text", b}}}},
        {{"v", 1}, {"id", 7}, {"op", "reset"}, {"session", b}},
    };
    for (const auto& req : requests) {
      const RawReply r = parse_raw(exchange_raw(srv.endpoint(), body(req)));
      ASSERT_EQ(r.non_utf8, "") << "reply to " << req["id"] << " carries invalid UTF-8";
      EXPECT_EQ(r.json["id"], req["id"]);
      EXPECT_EQ(r.json["error"]["code"], "malformed") << r.json.dump();
      EXPECT_NE(r.json["error"]["message"].get<std::string>().find("UTF-8"), std::string::npos);
    }
  }
  // Valid UTF-8 passes, multi-byte characters included, and long client text is not echoed whole.
  EXPECT_EQ(
      c.step(s, WireAction::of_text("Is it alive? \xc3\xa9\xe2\x86\x92\xf0\x9f\x90\x9f")).obs.turn,
      1);
  const std::string long_text(1 << 20, 'x');
  const std::pair<nlohmann::json, std::string> echoes[] = {
      {{{"v", 1}, {"id", 8}, {"op", long_text}}, "unknown_op"},
      {{{"v", 1}, {"id", 9}, {"op", "reset"}, {"session", long_text}}, "unknown_session"},
      {{{"v", 1}, {"id", 10}, {"op", "make"}, {"env_id", long_text}}, "unknown_env"},
      {{{"v", 1},
        {"id", 11},
        {"op", "make"},
        {"env_id", "twenty_questions-v0"},
        {"options", {{long_text, 1}}}},
       "invalid_option"},
      {{{"v", 1},
        {"id", 12},
        {"op", "make"},
        {"env_id", "twenty_questions-v0"},
        {"options", {{"persona", long_text}}}},
       "invalid_option"},
  };
  for (const auto& [req, code] : echoes) {
    const auto reply = c.raw(body(req), req["id"].get<uint64_t>());
    EXPECT_EQ(reply["error"]["code"], code) << reply.dump().substr(0, 300);
    EXPECT_LT(reply["error"]["message"].get<std::string>().size(), 400u) << code;
  }
}

bool is_float64(const msgpack::object& o) { return o.type == msgpack::type::FLOAT64; }

// Every float goes out as a MessagePack float64, whole numbers included (msgpack-c would pack
// 0.0 as the integer 0); NaN and infinity are not options.
TEST(Server, FloatsAreAlwaysFloat64AndOptionsAreFinite) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  c.reset(s, 1);
  const RawReply step = parse_raw(exchange_raw(
      srv.endpoint(), body({{"v", 1}, {"id", 1}, {"op", "step"}, {"session", s}, {"action", 0}})));
  ASSERT_EQ(step.json["ok"], true) << step.json.dump();
  ASSERT_EQ(step.json["reward"], 0.0) << "a whole-number reward, the case to check";
  const msgpack::object& root = step.handle.get();
  EXPECT_TRUE(is_float64(*find_key(root, "reward")));
  const msgpack::object& info = *find_key(root, "info");
  EXPECT_TRUE(is_float64(*find_key(info, "score")));
  const msgpack::object& reward = *find_key(info, "reward");
  for (const char* k : {"task", "interactivity", "token_cost", "total"}) {
    EXPECT_TRUE(is_float64(*find_key(reward, k))) << k;
  }
  const RawReply hello =
      parse_raw(exchange_raw(srv.endpoint(), body({{"v", 1}, {"id", 2}, {"op", "hello"}})));
  EXPECT_TRUE(is_float64(*find_key(*find_key(hello.handle.get(), "limits"), "idle_timeout_s")));
  const RawReply stats =
      parse_raw(exchange_raw(srv.endpoint(), body({{"v", 1}, {"id", 3}, {"op", "stats"}})));
  EXPECT_TRUE(is_float64(*find_key(stats.handle.get(), "uptime_s")));

  for (const double x : {std::nan(""), std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(x);
    const auto made = c.raw(body({{"v", 1},
                                  {"id", 4},
                                  {"op", "make"},
                                  {"env_id", "twenty_questions-v0"},
                                  {"options", {{"noise", x}}}}),
                            4);
    EXPECT_EQ(made["error"]["code"], "invalid_option") << made.dump();
    EXPECT_NE(made["error"]["message"].get<std::string>().find("'noise'"), std::string::npos);
    EXPECT_EQ(made["error"]["message"].get<std::string>().find("null"), std::string::npos);
    const auto reset = c.raw(
        body({{"v", 1}, {"id", 5}, {"op", "reset"}, {"session", s}, {"options", {{"noise", x}}}}),
        5);
    EXPECT_EQ(reset["error"]["code"], "invalid_option") << reset.dump();
  }
}

// The envelope (frames between the routing id and the body) is bounded in frames and bytes; a
// request beyond is answered too_large without echoing the envelope.
TEST(Server, ManyFrameRequestsAreTooLargeAndNotEchoed) {
  ServerOptions o = opts();
  o.max_message_bytes = 4096;
  Running srv(o);
  const std::string ping = body({{"v", 1}, {"id", 1}, {"op", "ping"}});
  // Within the limits: a delimiter plus a few small frames are echoed back as sent.
  std::vector<std::string> ok_frames(kMaxEnvelopeFrames, "e");
  ok_frames.front() = "";
  ok_frames.push_back(ping);
  const auto ok = exchange_frames(srv.endpoint(), ok_frames);
  ASSERT_EQ(ok.size(), ok_frames.size());
  EXPECT_EQ(parse_raw(ok.back()).json["ok"], true);
  // Too many frames; too many bytes in few frames (each under every per-frame cap).
  std::vector<std::string> many(100, "frame");
  many.front() = "";
  many.push_back(ping);
  std::vector<std::string> big = {"", std::string(3000, 'a'), std::string(3000, 'b'), ping};
  for (const auto& frames : {many, big}) {
    const auto reply = exchange_frames(srv.endpoint(), frames);
    ASSERT_EQ(reply.size(), 2u) << "the delimiter and the body only";
    EXPECT_EQ(reply[0], "");
    const RawReply r = parse_raw(reply[1]);
    EXPECT_EQ(r.json["error"]["code"], "too_large") << r.json.dump();
    EXPECT_TRUE(r.json["id"].is_null());
  }
  Client c(srv.endpoint(), 5s);
  EXPECT_TRUE(c.ping());
}

// ---- per-session reply order (issue 15) ---------------------------------------------------------

// Sends every body on one DEALER before reading, then returns the replies (decoded) in the order
// they arrived (a reply missing after 10 s ends the list).
std::vector<nlohmann::json> pipeline(const std::string& endpoint,
                                     const std::vector<std::string>& bodies) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 10000);
  s.connect(endpoint);
  for (const auto& b : bodies) s.send(zmq::buffer(b), zmq::send_flags::none);
  std::vector<nlohmann::json> out;
  for (size_t i = 0; i < bodies.size(); ++i) {
    zmq::message_t m;
    if (!s.recv(m)) break;
    out.push_back(to_json(msgpack::unpack(static_cast<const char*>(m.data()), m.size()).get()));
  }
  return out;
}

std::vector<uint64_t> ids_of(const std::vector<nlohmann::json>& replies) {
  std::vector<uint64_t> ids;
  for (const auto& r : replies) ids.push_back(r["id"].get<uint64_t>());
  return ids;
}

nlohmann::json req(uint64_t id, const std::string& op,
                   nlohmann::json fields = nlohmann::json::object()) {
  fields["v"] = 1;
  fields["id"] = id;
  fields["op"] = op;
  return fields;
}

// On an MR session (stepped on the pool), replies about the session come in request order: also
// requests refused during their field checks, close, and requests after close.
TEST(Server, RepliesAboutOneSessionComeInRequestOrder) {
  Running srv(opts());
  Client c(srv.endpoint(), 10s);
  const auto s =
      c.make("twenty_questions-v0", {{"reward", "mr"}, {"mr_samples", 8}, {"mr_window", 8}})
          .session;
  std::vector<std::string> bodies;
  uint64_t id = 0;
  const auto add = [&](const std::string& op, nlohmann::json fields) {
    bodies.push_back(body(req(++id, op, std::move(fields))));
  };
  add("reset", {{"session", s}, {"seed", 1}});
  for (int i = 0; i < 6; ++i) add("step", {{"session", s}, {"action", "Is it an animal?"}});
  add("step", {{"session", s}, {"action", 1.5}});                    // wrong_type
  add("step", {{"session", s}});                                     // missing_field
  add("reset", {{"session", s}, {"seed", "x"}});                     // wrong_type
  add("reset", {{"session", s}, {"options", {{"noise", "loud"}}}});  // invalid_option
  add("step", {{"session", s}, {"action", 100000}});                 // invalid_action
  add("nonsense", {{"session", s}});                                 // unknown_op
  bodies.push_back(body({{"v", 2}, {"id", ++id}, {"session", s}}));  // bad_version
  add("step_many", {{"steps", {{{"session", s}, {"action", 0}}}}});
  add("fork", {{"session", s}});
  add("step", {{"session", s}, {"action", 2}});
  add("close", {{"session", s}});
  add("step", {{"session", s}, {"action", 3}});  // unknown_session
  add("close", {{"session", s}});                // unknown_session
  const auto replies = pipeline(srv.endpoint(), bodies);
  ASSERT_EQ(replies.size(), bodies.size());
  std::vector<uint64_t> want(bodies.size());
  std::iota(want.begin(), want.end(), 1);
  EXPECT_EQ(ids_of(replies), want);
  EXPECT_EQ(replies[1]["ok"], true) << replies[1].dump();
  EXPECT_EQ(replies[7]["error"]["code"], "wrong_type");
  EXPECT_EQ(replies[11]["error"]["code"], "invalid_action");
  EXPECT_EQ(replies[12]["error"]["code"], "unknown_op");
  EXPECT_EQ(replies[13]["error"]["code"], "bad_version");
  EXPECT_EQ(replies[14]["results"].size(), 1u);
  EXPECT_EQ(replies[15]["ok"], true) << "fork";
  EXPECT_EQ(replies[17]["ok"], true) << "close";
  EXPECT_EQ(replies[18]["error"]["code"], "unknown_session");
  EXPECT_EQ(replies[19]["error"]["code"], "unknown_session");
}

// A step_many reply holds results about several sessions: a later request about any of them is
// answered after it, also when that session is cheap (stepped on the I/O thread).
TEST(Server, StepManyRepliesComeBeforeLaterRepliesAboutTheirSessions) {
  Running srv(opts());
  Client c(srv.endpoint(), 10s);
  const auto slow =
      c.make("twenty_questions-v0", {{"reward", "mr"}, {"mr_samples", 16}, {"mr_window", 16}})
          .session;
  const auto fast = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  c.reset(slow, 1);
  c.reset(fast, 1);
  const auto replies = pipeline(
      srv.endpoint(),
      {body(req(
           1, "step_many",
           {{"steps", {{{"session", slow}, {"action", 0}}, {{"session", fast}, {"action", 0}}}}})),
       body(req(2, "step", {{"session", fast}, {"action", 1}})),
       body(req(3, "step", {{"session", fast}, {"action", -1}})),
       body(req(4, "close", {{"session", fast}}))});
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(ids_of(replies), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(replies[1]["ok"], true);
  EXPECT_EQ(replies[2]["ok"], false);
}

// NaN and infinity are refused at any depth of an option's value, as at the top level.
TEST(Server, NonFiniteNumbersInsideOptionValuesAreInvalid) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& value : {nlohmann::json::array({1.0, nan}), nlohmann::json{{"a", {{"b", -inf}}}},
                            nlohmann::json::array({nlohmann::json::array({inf})})}) {
    SCOPED_TRACE(value.dump());
    const auto made =
        c.raw(body(req(1, "make",
                       {{"env_id", "twenty_questions-v0"}, {"options", {{"weights", value}}}})),
              1);
    EXPECT_EQ(made["error"]["code"], "invalid_option") << made.dump();
    EXPECT_NE(made["error"]["message"].get<std::string>().find("'weights'"), std::string::npos);
    EXPECT_NE(made["error"]["message"].get<std::string>().find("expected a finite number"),
              std::string::npos)
        << "refused for the number, before the option layer looks at the name";
    const auto reset =
        c.raw(body(req(2, "reset", {{"session", s}, {"options", {{"weights", value}}}})), 2);
    EXPECT_EQ(reset["error"]["code"], "invalid_option") << reset.dump();
  }
  // Finite nested numbers reach the option layer, which judges the option itself.
  const auto finite =
      c.raw(body(req(3, "make",
                     {{"env_id", "twenty_questions-v0"}, {"options", {{"weights", {1.0, 2.0}}}}})),
            3);
  EXPECT_EQ(finite["error"]["code"], "invalid_option");
  EXPECT_EQ(finite["error"]["message"].get<std::string>().find("finite"), std::string::npos);
}

// Tasks load on the worker pool, never on the I/O thread; an offered file that changed (or stopped
// being a regular file) since startup is refused without quoting it, and `scenario: nil` is the
// task's default.
TEST(Server, OfferedScenariosLoadOffTheIoThreadAndMustNotChange) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("collabgym-load-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string shipped = scenario_dir() + "/twenty_questions/small-v2.json";
  fs::copy_file(shipped, dir / "kept.json", fs::copy_options::overwrite_existing);
  fs::copy_file(shipped, dir / "edited.json", fs::copy_options::overwrite_existing);
  fs::copy_file(shipped, dir / "piped.json", fs::copy_options::overwrite_existing);
  ServerOptions o = opts();
  o.scenario_dirs = {dir.string()};
  Running srv(o);
  {
    std::ofstream(dir / "edited.json", std::ios::app) << "\n  SECRET-CONTENT\n";
    fs::remove(dir / "piped.json");
    ASSERT_EQ(mkfifo((dir / "piped.json").c_str(), 0600), 0);
  }
  Client c(srv.endpoint(), 10s);
  EXPECT_NO_THROW(c.make("twenty_questions-v0", {{"scenario", "kept"}}));
  for (const char* name : {"edited", "piped"}) {
    SCOPED_TRACE(name);
    const auto r =
        c.raw(body(req(1, "make",
                       {{"env_id", "twenty_questions-v0"}, {"options", {{"scenario", name}}}})),
              1);
    EXPECT_EQ(r["error"]["code"], "invalid_option") << r.dump();
    const std::string message = r["error"]["message"].get<std::string>();
    EXPECT_EQ(message.find("SECRET"), std::string::npos);
    EXPECT_EQ(message.find(dir.string()), std::string::npos) << "no server path";
  }
  const auto nil =
      c.raw(body(req(2, "make",
                     {{"env_id", "twenty_questions-v0"}, {"options", {{"scenario", nullptr}}}})),
            2);
  EXPECT_EQ(nil["ok"], true) << nil.dump();
  EXPECT_TRUE(c.ping());
  fs::remove_all(dir);
}

// ---- CURVE (issue 15) ---------------------------------------------------------------------------

// With --curve-secret/--curve-allow, a client whose key is allowed plays normally; one with another
// key, or without CURVE, gets no session and a clear error.
TEST(Server, CurveAdmitsAllowedKeysOnly) {
  if (!curve_available()) {
    GTEST_SKIP() << "this libzmq has no CURVE support (zmq_has(\"curve\") is false)";
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("collabgym-curve-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const CurveKeyPair server_keys = write_curve_keypair((dir / "server").string());
  write_curve_keypair((dir / "allowed" / "alice").string());
  write_curve_keypair((dir / "mallory").string());
  EXPECT_EQ(read_curve_key((dir / "server.key").string()), server_keys.public_key);
  EXPECT_EQ(fs::status(dir / "server.key_secret").permissions() & fs::perms::group_read,
            fs::perms::none);
  EXPECT_THROW(write_curve_keypair((dir / "server").string()), RemoteError) << "no overwrite";

  ServerOptions o = opts();
  o.curve_secret_file = (dir / "server.key_secret").string();
  o.curve_allow_dir = (dir / "allowed").string();
  Running srv(o);
  const std::string server_pub = (dir / "server.key").string();

  Client alice(
      srv.endpoint(), 10s,
      CurveClientKeys::from_files(server_pub, (dir / "allowed" / "alice.key_secret").string()));
  const auto s = alice.make("twenty_questions-v0").session;
  EXPECT_EQ(alice.reset(s, 1).seed, 1u);
  EXPECT_EQ(alice.step(s, WireAction::of_act(0)).obs.turn, 1);

  Client mallory(srv.endpoint(), 1s,
                 CurveClientKeys::from_files(server_pub, (dir / "mallory.key_secret").string()));
  std::string message;
  try {
    mallory.make("twenty_questions-v0");
    ADD_FAILURE() << "a client with a key that is not allowed made a session";
  } catch (const RemoteError& e) {
    EXPECT_EQ(e.code(), "unauthorized") << e.what();
    message = e.what();
  }
  EXPECT_NE(message.find("--curve-allow"), std::string::npos) << message;
  Client plain(srv.endpoint(), 1s);
  EXPECT_EQ(code_of([&] { plain.make("twenty_questions-v0"); }), "timeout");
  const auto stats = alice.stats();
  EXPECT_EQ(stats["sessions"], 1) << "only alice's";
  EXPECT_GE(stats["refused_clients"].get<int>(), 1);

  // CURVE makes a non-loopback bind acceptable without --allow-remote; a bad key file is refused.
  ServerOptions remote = o;
  remote.binds = {"tcp://0.0.0.0:0"};
  EXPECT_NO_THROW(Server(tasks::builtin_registry(), remote));
  ServerOptions bad = o;
  bad.curve_secret_file = (dir / "allowed").string();
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  bad = o;
  bad.curve_allow_dir.clear();
  EXPECT_THROW(Server(tasks::builtin_registry(), bad), InvalidOption);
  fs::remove_all(dir);
}

TEST(Client, RemoteVectorEnvCarriesActFeaturesWhenAsked) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  for (const auto& env_id : act_feature_env_ids()) {
    SCOPED_TRACE(env_id);
    RemoteVectorEnv v(c, env_id, 3, {{"reward", "terminal"}}, /*act_features=*/true);
    Env local = tasks::builtin_registry().make(env_id, {{"reward", "terminal"}});
    EXPECT_TRUE(v.act_features());
    EXPECT_EQ(v.num_acts(), static_cast<size_t>(local.num_acts()));
    EXPECT_EQ(v.num_act_features(), static_cast<size_t>(local.num_act_features()));
    const auto first = v.reset(20);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_TRUE(first[i].obs.has_act_features);
      EXPECT_EQ(first[i].obs.act_features, local.reset(20 + i).obs.act_features);
    }
    std::vector<WireAction> acts;
    for (const auto& r : first) acts.push_back(WireAction::of_act(first_legal(r.obs.action_mask)));
    const auto out = v.step(acts);
    const StepResult ls = local.step(Action::from_act(*acts[2].act));  // local holds episode 22
    EXPECT_EQ(std::get<WireStep>(out[2]).obs.act_features, ls.obs.act_features);
    EXPECT_EQ(std::get<WireStep>(out[2]).obs.act_features.size(),
              v.num_acts() * v.num_act_features());
  }
}

TEST(Client, RemoteVectorEnvStepsManySessionsInOneMessage) {
  Running srv(opts());
  Client c(srv.endpoint(), 5s);
  {
    RemoteVectorEnv v(c, "twenty_questions-v0", 8, {{"reward", "terminal"}});
    const auto first = v.reset(10);
    ASSERT_EQ(first.size(), 8u);
    Env local = tasks::builtin_registry().make("twenty_questions-v0", {{"reward", "terminal"}});
    for (size_t i = 0; i < 8; ++i) {
      EXPECT_EQ(first[i].seed, 10 + i);
      EXPECT_EQ(first[i].obs.text, local.reset(10 + i).obs.text);
    }
    std::vector<WireAction> acts(8, WireAction::of_act(2));
    const auto out = v.step(acts);
    ASSERT_EQ(out.size(), 8u);
    for (const auto& o : out) EXPECT_EQ(std::get<WireStep>(o).obs.turn, 1);
    EXPECT_THROW(v.step(std::vector<WireAction>(3, WireAction::of_act(0))), RemoteError);
    EXPECT_EQ(c.stats()["sessions"], 8);
  }
  EXPECT_EQ(c.stats()["sessions"], 0);  // the destructor closed them
}

TEST(Client, DeadServerIsATimeoutNotAHang) {
  Client c("tcp://127.0.0.1:1", 300ms);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(c.ping(), Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

}  // namespace
}  // namespace collab::bridge
