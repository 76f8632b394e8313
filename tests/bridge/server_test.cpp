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
#include "tests/bridge/server_test_util.h"

namespace collab::bridge {
namespace {

using namespace std::chrono_literals;
using namespace test;  // NOLINT(google-build-using-namespace): the server tests' helpers

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
