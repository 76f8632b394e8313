// Remote rollout agents (bridge/remote_agent.h, env/rollout_agent.h): what an act_many request
// carries, and how every way an endpoint can misbehave becomes a per-query failure (a fallback
// for the engine), never an exception or a hang.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "bridge/remote_agent.h"
#include "env/env.h"
#include "tasks/register_all.h"
#include "tests/bridge/fake_endpoint.h"

namespace collab::bridge {
namespace {

using nlohmann::json;
using testing::FakeEndpoint;

std::string fresh_endpoint() {
  static std::atomic<int> n{0};
  return fmt::format("ipc:///tmp/collab_fake_rollout_{}_{}.sock", getpid(), ++n);
}

struct Queries {
  Env env = tasks::builtin_registry().make("grocery", {{"reward", "terminal"}});
  std::vector<std::string> dialogue;
  std::vector<RolloutQuery> q;
  explicit Queries(size_t n) {
    ResetResult r = env.reset(3);
    dialogue = {r.obs.text};
    for (size_t i = 0; i < n; ++i) {
      RolloutQuery x;
      x.spec = &env.spec();
      x.episode_seed = 3;
      x.seed = 100 + i;
      x.sample = static_cast<int>(i);
      x.dialogue = &dialogue;
      x.obs = r.obs;
      q.push_back(x);
    }
  }
};

TEST(RemoteRolloutAgent, SendsEveryQueryInOneRequestAndReadsTheActions) {
  json seen;
  FakeEndpoint fake(fresh_endpoint(), [&](const json& req) {
    if (req["op"] == "hello") return FakeEndpoint::reply(req, {{"agent_protocol", 2}});
    seen = req;
    json actions = json::array(), errors = json::array();
    for (const auto& item : req["items"]) {
      const bool odd = item["sample"].get<int>() % 2 == 1;
      actions.push_back(odd ? json(nullptr) : json(item["sample"].get<int>()));
      errors.push_back(odd ? json("no idea") : json(nullptr));
    }
    return FakeEndpoint::reply(req, {{"actions", actions}, {"errors", errors}});
  });
  auto agent = make_rollout_agent("r", "remote:" + fake.endpoint() + "?timeout=5");
  Queries qs(4);
  const auto answers = agent->act_many(qs.q);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(seen["op"], "act_many");
  EXPECT_EQ(seen["specs"].size(), 1u);  // one spec for the four items
  EXPECT_EQ(seen["specs"][0]["id"], qs.env.spec()["id"]);
  ASSERT_EQ(seen["items"].size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const json& item = seen["items"][i];
    EXPECT_EQ(item["spec"], 0);
    EXPECT_EQ(item["seed"], 100 + i);
    EXPECT_EQ(item["episode_seed"], 3);
    EXPECT_EQ(item["obs"]["text"], qs.dialogue[0]);
    const json& m = item["messages"];
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0]["role"], "system");
    EXPECT_EQ(m[0]["content"], qs.env.spec()["instructions"]);
    EXPECT_EQ(m[1], (json{{"role", "user"}, {"content", qs.dialogue[0]}}));
  }
  EXPECT_TRUE(answers[0].action && answers[0].action->act == 0);
  EXPECT_TRUE(answers[2].action && answers[2].action->act == 2);
  EXPECT_FALSE(answers[1].action);
  EXPECT_NE(answers[1].failure.find("no idea"), std::string::npos) << answers[1].failure;
  EXPECT_EQ(agent->counters()["requests"], 1);
  EXPECT_EQ(agent->counters()["queries"], 4);
}

TEST(RemoteRolloutAgent, EveryMisbehaviourFailsEveryQueryAndNamesIt) {
  struct Case {
    const char* what;
    std::function<std::string(const json&)> answer;
    const char* needle;
  };
  const Case cases[] = {
      {"protocol 1",
       [](const json& req) { return FakeEndpoint::reply(req, {{"agent_protocol", 1}}); },
       "rollout agents need 2"},
      {"not an agent",
       [](const json& req) { return FakeEndpoint::reply(req, {{"protocol", 1}}); },
       "is this an agent endpoint"},
      {"wrong length",
       [](const json& req) {
         return req["op"] == "hello" ? FakeEndpoint::reply(req, {{"agent_protocol", 2}})
                                     : FakeEndpoint::reply(req, {{"actions", {1}}});
       },
       "an array of 3"},
      {"bad action",
       [](const json& req) {
         return req["op"] == "hello"
                    ? FakeEndpoint::reply(req, {{"agent_protocol", 2}})
                    : FakeEndpoint::reply(req, {{"actions", {-1, json::object(), true}}});
       },
       "items["},
      {"garbage",
       [](const json& req) {
         return req["op"] == "hello" ? FakeEndpoint::reply(req, {{"agent_protocol", 2}})
                                     : std::string("\xc1\xc1 garbage");
       },
       "act_many"},
      {"slow",
       [](const json& req) {
         if (req["op"] != "hello") std::this_thread::sleep_for(std::chrono::milliseconds(600));
         return FakeEndpoint::reply(req, {{"agent_protocol", 2}, {"actions", {0, 0, 0}}});
       },
       "act_many"},
  };
  for (const Case& c : cases) {
    FakeEndpoint fake(fresh_endpoint(), c.answer);
    auto agent = make_rollout_agent("r", "remote:" + fake.endpoint() + "?timeout=0.3");
    Queries qs(3);
    const auto start = std::chrono::steady_clock::now();
    const auto answers = agent->act_many(qs.q);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << c.what;
    ASSERT_EQ(answers.size(), 3u) << c.what;
    for (const auto& a : answers) {
      EXPECT_FALSE(a.action) << c.what;
      EXPECT_NE(a.failure.find(c.needle), std::string::npos) << c.what << ": " << a.failure;
    }
  }
}

TEST(RemoteRolloutAgent, SpecsAreCheckedWhenRegistered) {
  EXPECT_EQ(make_rollout_agent("bare", "tcp://127.0.0.1:1?timeout=2")->name(), "bare");
  EXPECT_THROW(make_rollout_agent("x", "ftp://127.0.0.1:1"), InvalidOption);
  EXPECT_THROW(make_rollout_agent("x", "remote:nowhere"), InvalidOption);
  EXPECT_THROW(make_rollout_agent("x", "llm:ftp://x/v1"), InvalidOption);
  EXPECT_THROW(register_rollout_agent_arg("noequals", /*named=*/true), InvalidOption);
  EXPECT_THROW(register_rollout_agent_arg("expert=remote:ipc:///tmp/x", true), InvalidOption);
  EXPECT_EQ(register_rollout_agent_arg("mine=remote:ipc:///tmp/collab_nobody.sock", true), "mine");
  EXPECT_NE(find_rollout_agent("mine"), nullptr);
  const std::string own = "remote:ipc:///tmp/collab_nobody.sock?timeout=1";
  EXPECT_EQ(register_rollout_agent_arg(own, false), own);
  EXPECT_NE(find_rollout_agent(own), nullptr);
}

}  // namespace
}  // namespace collab::bridge
