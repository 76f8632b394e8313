// Remote agents in a leaderboard: one that times out or answers garbage fails its episodes, the
// failures are recorded, and the run completes; a well-behaved one plays every episode.
#include "bridge/remote_agent.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <msgpack.hpp>
#include <thread>
#include <zmq.hpp>

#include "agents/evaluate.h"
#include "bridge/codec.h"
#include "env/error.h"
#include "leaderboard/report.h"
#include "leaderboard/runner.h"
#include "leaderboard/summary.h"
#include "tasks/register_all.h"
#include "tests/bridge/fake_endpoint.h"
#include "tests/leaderboard/lb_test_util.h"

namespace collab::leaderboard {
namespace {

using nlohmann::json;

enum class Misbehave { kNone, kSlow, kGarbage, kError, kBadAction };

// A fake agent endpoint (tests/bridge/fake_endpoint.h): answers hello and begin properly, and
// act as told (kNone: the first legal act).
class FakeAgent {
 public:
  FakeAgent(std::string endpoint, Misbehave how)
      : how_(how),
        endpoint_(std::move(endpoint), [this](const json& req) { return answer(req); }) {}
  int acts() const { return acts_; }

 private:
  std::string answer(const json& req) {
    using testing::FakeEndpoint;
    if (req["op"] == "hello")
      return FakeEndpoint::reply(req, {{"name", "fake"}, {"agent_protocol", 1}});
    if (req["op"] != "act") return FakeEndpoint::reply(req, json::object());
    ++acts_;
    const json& mask = req["obs"]["action_mask"];  // bin -> array of byte values
    int first = 0;
    while (first < static_cast<int>(mask.size()) && mask[static_cast<size_t>(first)] == 0) ++first;
    switch (how_) {
      case Misbehave::kNone:
        break;
      case Misbehave::kSlow:
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        break;
      case Misbehave::kGarbage:
        return "\xc1\xc1 not msgpack";
      case Misbehave::kError:
        return FakeEndpoint::pack(
            {{"v", 1},
             {"id", req["id"]},
             {"ok", false},
             {"error", {{"code", "policy_error"}, {"message", "division by zero"}}}});
      case Misbehave::kBadAction:
        return FakeEndpoint::reply(req, {{"action", json::array({1, 2})}});
    }
    return FakeEndpoint::reply(req, {{"action", first}});
  }

  Misbehave how_;
  std::atomic<int> acts_{0};
  testing::FakeEndpoint endpoint_;  // last: its thread uses the members above
};

std::string endpoint(const std::string& name) {
  return "ipc:///tmp/collab-lb-" + name + "-" + std::to_string(::getpid()) + ".sock";
}

RunConfig config_with(const std::string& remote) {
  RunConfig c;
  c.tasks = {"guess_number"};
  c.agents = {"random", remote};
  c.episodes = 3;
  c.seeds = 1;
  c.options = {{"reward", "terminal"}};
  c.resamples = 100;
  return c;
}

TEST(RemoteAgent, FailuresAreTheAgentsAndTheRunCompletes) {
  bridge::register_remote_agent();
  const Registry& reg = tasks::builtin_registry();
  const struct {
    Misbehave how;
    const char* name;
    const char* says;
  } cases[] = {
      {Misbehave::kSlow, "slow", "no reply within 0.1 s"},
      {Misbehave::kGarbage, "garbage", "not MessagePack"},
      {Misbehave::kError, "error", "policy_error: division by zero"},
      {Misbehave::kBadAction, "badaction", "expected an int act index"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string ep = endpoint(c.name);
    FakeAgent agent(ep, c.how);
    const std::string spec = "remote:" + ep + "?timeout=0.1";
    const RunResult r = run(reg, config_with(spec), {});
    ASSERT_EQ(r.episodes.size(), 6u);
    int failed = 0;
    for (const auto& e : r.episodes) {
      if (e.agent != 1) {
        EXPECT_TRUE(e.record.failure.empty());
        continue;
      }
      ++failed;
      EXPECT_NE(e.record.failure.find(c.says), std::string::npos) << e.record.failure;
      EXPECT_NE(e.record.failure.find(ep), std::string::npos) << "names the agent";
      EXPECT_FALSE(e.record.success);
      EXPECT_EQ(e.record.score, 0.0);
      EXPECT_LE(e.record.r_star, 0.0);
      EXPECT_EQ(e.trace.find("\"type\":\"end\""), std::string::npos) << "no end line";
    }
    EXPECT_EQ(failed, 3);
    const Summary s = summarise(r);
    for (const auto& row : s.tasks[0].rows) {
      EXPECT_EQ(row.failures, row.agent == 1 ? 3 : 0);
    }
    // The report and verify accept failed episodes (their traces end early).
    const test::TempDir tmp(std::string("lb_remote_") + c.name);
    write_outputs(r, tmp.path.string());
    const VerifyReport v = verify(tmp.path.string(), reg);
    EXPECT_TRUE(v.ok()) << (v.problems.empty() ? "" : v.problems[0]);
  }
}

TEST(RemoteAgent, AWellBehavedRemoteAgentPlaysEveryEpisode) {
  bridge::register_remote_agent();
  const Registry& reg = tasks::builtin_registry();
  const std::string ep = endpoint("good");
  FakeAgent agent(ep, Misbehave::kNone);
  RunConfig c = config_with("remote:" + ep);
  c.jobs = 2;  // two connections to one endpoint
  const RunResult r = run(reg, c);
  for (const auto& e : r.episodes) EXPECT_TRUE(e.record.failure.empty()) << e.record.failure;
  EXPECT_GT(agent.acts(), 0);
  EXPECT_EQ(r.agent_names[1], "remote:" + ep);
  EXPECT_FALSE(r.privileged[1]);
}

TEST(RemoteAgent, BadSpecsAreRefusedWithWhatIsExpected) {
  bridge::register_remote_agent();
  try {
    agents::make_agent("remote:localhost:5000");
    FAIL();
  } catch (const InvalidOption& e) {
    EXPECT_NE(std::string(e.what()).find("expected tcp://HOST:PORT"), std::string::npos);
  }
  EXPECT_THROW(agents::make_agent("remote:tcp://127.0.0.1:5000?timeout=-1"), InvalidOption);
  EXPECT_THROW(agents::make_agent("remote:tcp://127.0.0.1:5000?wait=3"), InvalidOption);
  EXPECT_EQ(bridge::RemoteAgentOptions::parse("ipc:///tmp/a.sock?timeout=2.5").timeout_s, 2.5);
  // Nobody listening: the first episode fails on the timeout, it does not hang or crash.
  auto a = agents::make_agent("remote:ipc:///tmp/collab-nobody-here.sock?timeout=0.05");
  EXPECT_THROW(a->begin(json::object(), 1), agents::AgentFailure);
}

}  // namespace
}  // namespace collab::leaderboard
