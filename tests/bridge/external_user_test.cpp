// External users over ZeroMQ (bridge/external_user.h): hello once per socket, answers passed
// through, every failure (timeout, garbage, an endpoint that is not a user) a UserFailure that
// names the endpoint and the op; concurrent calls from MR samples each get their own answer.
#include "bridge/external_user.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <msgpack.hpp>
#include <thread>
#include <zmq.hpp>

#include "bridge/codec.h"
#include "env/error.h"
#include "env/registry.h"
#include "tasks/register_all.h"
#include "tests/bridge/fake_endpoint.h"

namespace collab::bridge {
namespace {

using nlohmann::json;

// A fake user endpoint (tests/bridge/fake_endpoint.h); `handle(request) -> reply fields` or, when
// it returns a string, those raw bytes.
class FakeUser {
 public:
  using Handler = std::function<json(const json&)>;
  explicit FakeUser(Handler handle)
      : endpoint_(fmt::format("ipc:///tmp/collab_fake_user_{}_{}.sock", getpid(), ++count_),
                  [this, handle = std::move(handle)](const json& req) {
                    if (req["op"] == "hello") ++hellos_;
                    const json out = handle(req);
                    return out.is_string() ? out.get<std::string>()
                                           : testing::FakeEndpoint::reply(req, out);
                  }) {}
  const std::string& endpoint() const { return endpoint_.endpoint(); }
  int hellos() const { return hellos_; }

 private:
  static inline std::atomic<int> count_{0};
  std::atomic<int> hellos_{0};  // before endpoint_: the endpoint's thread counts into it
  testing::FakeEndpoint endpoint_;
};

json user_hello(const json& req, const std::function<json(const json&)>& turn) {
  if (req["op"] == "hello") return {{"name", "fake"}, {"user_protocol", 1}};
  return turn(req);
}

TEST(ExternalUserClient, PassesAnswersAndSaysHelloOncePerSocket) {
  FakeUser fake([](const json& req) {
    return user_hello(req, [](const json& r) {
      return json{{"reply", "echo " + r["agent_text"].get<std::string>()}};
    });
  });
  auto user = make_external_user(ExternalUserOptions::parse(fake.endpoint() + "?timeout=5"));
  EXPECT_EQ(user->name(), fake.endpoint());
  for (int i = 0; i < 3; ++i) {
    const json a = user->call({{"op", "turn"}, {"agent_text", fmt::format("hi {}", i)}});
    EXPECT_EQ(a, json({{"reply", fmt::format("echo hi {}", i)}}));  // v, id and ok removed
  }
  EXPECT_EQ(fake.hellos(), 1);
  EXPECT_EQ(user->counters()["calls"], 3);
}

TEST(ExternalUserClient, EveryFailureIsAUserFailureNamingEndpointAndOp) {
  // Only the slow case relies on the timeout; the others get a long one, so that a loaded
  // machine's late hello cannot turn their failure into a timeout.
  struct Case {
    const char* name;
    std::function<json(const json&)> turn;
    const char* says;
    const char* timeout = "5";
  };
  const std::vector<Case> cases = {
      {"slow",
       [](const json&) {
         std::this_thread::sleep_for(std::chrono::milliseconds(600));
         return json::object();
       },
       "no reply within 0.2 s", "0.2"},
      {"garbage", [](const json&) { return json("\xc1\xc1 not msgpack"); }, "not MessagePack"},
      {"no_ok", [](const json&) { return json(std::string("\x91\x01", 2)); }, "boolean \"ok\""},
      {"error",
       [](const json&) {
         return json{{"ok", false}, {"error", {{"code", "user_error"}, {"message", "quota"}}}};
       },
       "user_error: quota"},
      {"error_wrong_shape",
       [](const json&) {
         return json{{"ok", false}, {"error", 7}};
       },
       "answered an error"},
  };
  for (const auto& c : cases) {
    FakeUser fake([&](const json& req) { return user_hello(req, c.turn); });
    auto user =
        make_external_user(ExternalUserOptions::parse(fake.endpoint() + "?timeout=" + c.timeout));
    try {
      user->call({{"op", "turn"}});
      ADD_FAILURE() << c.name << ": expected a UserFailure";
    } catch (const UserFailure& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(c.says), std::string::npos) << c.name << ": " << what;
      EXPECT_NE(what.find(fake.endpoint() + ": turn: "), std::string::npos) << what;
    }
  }
  // An endpoint that is not a user (an agent) is refused at hello.
  FakeUser agent([](const json& req) {
    return req["op"] == "hello" ? json{{"name", "a"}, {"agent_protocol", 1}} : json::object();
  });
  auto user = make_external_user(ExternalUserOptions::parse(agent.endpoint()));
  try {
    user->call({{"op", "turn"}});
    ADD_FAILURE() << "expected a UserFailure";
  } catch (const UserFailure& e) {
    EXPECT_NE(std::string(e.what()).find("not a user simulator"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ExternalUserOptions::parse("localhost:5"), InvalidOption);
  EXPECT_THROW(ExternalUserOptions::parse("tcp://h:1?timeout=-1"), InvalidOption);
}

TEST(ExternalUserClient, ConcurrentCallsEachGetTheirOwnAnswer) {
  FakeUser fake([](const json& req) {
    return user_hello(req, [](const json& r) { return json{{"reply", r["agent_text"]}}; });
  });
  auto user = make_external_user(ExternalUserOptions::parse(fake.endpoint() + "?timeout=5"));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string text = fmt::format("t{} i{}", t, i);
        if (user->call({{"op", "turn"}, {"agent_text", text}})["reply"] != text) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(user->counters()["calls"], 300);
  EXPECT_LE(fake.hellos(), 6);  // one per pooled socket
}

TEST(ExternalUserClient, AnMrEnvironmentPlaysWithARemoteUserAndTheSameRewards) {
  FakeUser fake([](const json& req) {
    return user_hello(req, [](const json& r) {
      return json{{"reply", "Mm. " + r["rule"]["reply"].get<std::string>()}};
    });
  });
  register_external_user(fake.endpoint() + "?timeout=5", "", "", "fake-remote");
  const Registry& reg = tasks::builtin_registry();
  const json opts = {{"reward", "mr"}, {"mr_samples", 3}, {"mr_window", 2}};
  json with = opts;
  with["user"] = "fake-remote";
  Env a = reg.make("math_qa", opts), b = reg.make("math_qa", with);
  a.reset(4);
  b.reset(4);
  for (int t = 0; t < 3 && !a.done(); ++t) {
    Rng r1(t), r2(t);
    const StepResult x = a.step(a.task().expert(a.episode(), r1));
    const StepResult y = b.step(b.task().expert(b.episode(), r2));
    EXPECT_EQ(x.reward, y.reward);
    EXPECT_EQ("Mm. " + x.obs.text, y.obs.text);
    EXPECT_GE(y.info.user->turn_calls, 1);
  }
}

}  // namespace
}  // namespace collab::bridge
