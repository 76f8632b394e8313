// The server over real sockets (tcp and ipc on loopback), driven by the C++ client.
#include "bridge/server.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <zmq.hpp>

#include "agents/agent.h"
#include "bridge/client.h"
#include "bridge/codec.h"
#include "env/error.h"
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

class Transports : public ::testing::TestWithParam<std::string> {};

TEST_P(Transports, WireEqualsInProcess) {
  Running srv(opts(GetParam() == "ipc" ? ipc_path() : "tcp://127.0.0.1:0"));
  Client c(srv.endpoint(), 5s);
  const nlohmann::json options = {{"reward", "mr"}, {"split", "test"}};
  const auto made = c.make("twenty_questions-v0", options);
  Env local = tasks::builtin_registry().make("twenty_questions-v0", options);
  EXPECT_EQ(made.spec, local.spec());
  auto expert = agents::make_agent("expert");
  for (uint64_t seed : {1u, 2u, 3u}) {
    const WireReset wr = c.reset(made.session, seed);
    const ResetResult lr = local.reset(seed);
    EXPECT_EQ(wr.obs.text, lr.obs.text);
    EXPECT_EQ(wr.obs.features, lr.obs.features);
    EXPECT_EQ(wr.seed, lr.seed);
    Observation obs = lr.obs;
    int turn = 0;
    while (!local.done()) {
      Rng rng = agents::policy_rng(local);
      Action a = expert->act(local, obs, rng);
      if (turn++ % 2 == 1) a = Action::from_text(local.task().render(*a.act));
      const StepResult lr2 = local.step(a);
      const WireStep ws =
          c.step(made.session, a.act ? WireAction::of_act(*a.act) : WireAction::of_text(a.text));
      EXPECT_EQ(ws.obs.text, lr2.obs.text);
      EXPECT_EQ(ws.obs.features, lr2.obs.features);
      EXPECT_EQ(ws.obs.action_mask, lr2.obs.action_mask);
      EXPECT_EQ(ws.reward, lr2.reward);  // bit for bit
      EXPECT_EQ(ws.terminated, lr2.terminated);
      EXPECT_EQ(ws.truncated, lr2.truncated);
      EXPECT_EQ(ws.info(), Env::info_json(local.task(), lr2.info));
      obs = lr2.obs;
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
