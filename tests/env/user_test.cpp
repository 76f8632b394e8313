// External simulated users (env/user.h): what they may change (the reading of free text, the
// phrasing of replies) and what they may not (state, score, reward); fallback on every kind of bad
// answer; record/replay caches that replay byte for byte; MR futures calling concurrently.
#include "env/user.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "env/error.h"
#include "env/trace.h"
#include "tasks/register_all.h"

namespace collab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const Registry& reg() { return tasks::builtin_registry(); }

// A user model driven by a function of the request; counts calls and the most in flight at once.
class ScriptedUser final : public UserModel {
 public:
  ScriptedUser(std::string name, std::function<json(const json&)> fn,
               std::chrono::milliseconds delay = {})
      : name_(std::move(name)), fn_(std::move(fn)), delay_(delay) {}
  std::string name() const override { return name_; }
  json call(const json& request) override {
    const int now = ++in_flight_;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    ++calls_;
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    struct Leave {
      std::atomic<int>& n;
      ~Leave() { --n; }
    } leave{in_flight_};
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    return fn_(request);
  }
  int calls() const { return calls_; }
  int max_in_flight() const { return max_in_flight_; }
  std::vector<json> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::string name_;
  std::function<json(const json&)> fn_;
  std::chrono::milliseconds delay_;
  std::atomic<int> calls_{0}, in_flight_{0}, max_in_flight_{0};
  mutable std::mutex mu_;
  std::vector<json> requests_;
};

std::shared_ptr<ScriptedUser> add_user(std::string name, std::function<json(const json&)> fn,
                                       std::chrono::milliseconds delay = {}) {
  auto u = std::make_shared<ScriptedUser>(std::move(name), std::move(fn), delay);
  register_user(u);
  return u;
}

// The expert's act, said as free text (the external user reads only text).
Action expert_text(const Env& env, uint64_t salt) {
  Rng rng(salt);
  const Action a = env.task().expert(env.episode(), rng);
  if (!a.act) return a;
  const Content c = env.episode().compose(*a.act);
  return Action::from_text(env.episode().render(*a.act, c));
}

struct Played {
  std::vector<StepResult> steps;
  std::string trace;
};

Played play(const std::string& id, json options, uint64_t seed, bool as_text = true) {
  Env env = reg().make(id, options);
  std::ostringstream out;
  TraceWriter trace(out);
  const ResetResult r = env.reset(seed);
  trace.begin(env, r);
  Played p;
  for (uint64_t t = 0; !env.done(); ++t) {
    Action a = as_text ? expert_text(env, seed * 100 + t) : [&] {
      Rng rng(seed * 100 + t);
      return env.task().expert(env.episode(), rng);
    }();
    p.steps.push_back(env.step(a));
    trace.step(env, a, p.steps.back());
  }
  p.trace = out.str();
  return p;
}

json rule_answer(const json& req) { return {{"reading", req["rule"]["reading"]}}; }

TEST(ExternalUser, RephrasingLeavesStateScoreAndRewardUnchanged) {
  add_user("rephrase", [](const json& req) {
    json a = rule_answer(req);
    a["reply"] = "Well, let me think. " + req["rule"]["reply"].get<std::string>();
    return a;
  });
  for (const char* id : {"twenty_questions", "math_qa", "grocery", "doc_edit"}) {
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      const json base = {{"reward", "immediate"}};
      json with = base;
      with["user"] = "rephrase";
      const Played a = play(id, base, seed), b = play(id, with, seed);
      ASSERT_EQ(a.steps.size(), b.steps.size()) << id << " seed " << seed;
      for (size_t i = 0; i < a.steps.size(); ++i) {
        const StepResult &x = a.steps[i], &y = b.steps[i];
        EXPECT_EQ(x.reward, y.reward) << id << " seed " << seed << " turn " << i;
        EXPECT_EQ(x.info.act, y.info.act);
        EXPECT_EQ(x.info.score, y.info.score);
        EXPECT_EQ(x.terminated, y.terminated);
        EXPECT_EQ(x.obs.features, y.obs.features);
        EXPECT_EQ("Well, let me think. " + x.obs.text, y.obs.text);
        ASSERT_TRUE(y.info.user.has_value());
        EXPECT_FALSE(x.info.user.has_value());
        EXPECT_TRUE(y.info.user->external_reply);
        EXPECT_FALSE(y.info.user->external_reading);
        EXPECT_EQ(y.info.user->calls, 1);
        EXPECT_EQ(y.info.user->fallback, "");
      }
    }
  }
}

TEST(ExternalUser, RequestCarriesGoalPersonaDialogueAndTheRuleReading) {
  auto u = add_user("recorder", rule_answer);
  Env env = reg().make("twenty_questions", {{"user", "recorder"}, {"reward", "terminal"}});
  const ResetResult r = env.reset(5);
  env.step(Action::from_text("Is it alive?"));
  env.step(Action::from_text("Can you hold it in one hand?"));
  const auto reqs = u->requests();
  ASSERT_EQ(reqs.size(), 2u);
  const json& q = reqs[1];
  EXPECT_EQ(q["op"], "turn");
  EXPECT_EQ(q["task"], "twenty_questions-v2");
  EXPECT_EQ(q["goal"], env.episode().goal());
  EXPECT_EQ(q["persona"], env.episode().persona_name());
  EXPECT_FALSE(q["persona"].get<std::string>().empty());
  EXPECT_EQ(q["turn"], 2);
  EXPECT_EQ(q["agent_text"], "Can you hold it in one hand?");
  EXPECT_TRUE(q["reads"].get<bool>());
  ASSERT_EQ(q["dialogue"].size(), 3u);  // opening, question, answer
  EXPECT_EQ(q["dialogue"][0]["who"], "user");
  EXPECT_EQ(q["dialogue"][0]["text"], r.obs.text);
  EXPECT_EQ(q["dialogue"][1]["text"], "Is it alive?");
  EXPECT_EQ(q["dialogue"][2]["who"], "user");
  EXPECT_TRUE(q["rule"]["reading"]["act"].is_string());
  EXPECT_FALSE(q["rule"]["reply"].get<std::string>().empty());
  EXPECT_EQ(q["acts"].size(), env.task().acts().size());
}

TEST(ExternalUser, ItsReadingOfFreeTextHappensAndTheReplyIsPhrasedAgain) {
  // Reads every question as "ask:<first attribute>", and says something; the second call asks it
  // to phrase what the rule-based user answered to that reading.
  Env probe = reg().make("twenty_questions");
  const std::string forced = probe.task().acts()[0];
  auto u = add_user("misreader", [forced](const json& req) -> json {
    if (req["op"] == "phrase") return {{"reply", "(" + req["rule"]["reply"].get<std::string>() + ")"}};
    return {{"reading", {{"act", forced}}}, {"reply", "Hmm?"}};
  });
  Env env = reg().make("twenty_questions", {{"user", "misreader"}, {"reward", "terminal"}});
  env.reset(3);
  std::ostringstream out;
  TraceWriter trace(out);
  const StepResult s = env.step(Action::from_text("Is it made of metal?"));
  ASSERT_TRUE(s.info.user.has_value());
  const UserTurnInfo& ui = *s.info.user;
  EXPECT_TRUE(ui.external_reading);
  EXPECT_TRUE(ui.external_read);
  EXPECT_EQ(s.info.act, 0);
  EXPECT_EQ(ui.external_act, 0);
  EXPECT_NE(ui.rule_act, 0);
  EXPECT_EQ(ui.calls, 2);
  EXPECT_TRUE(ui.external_reply);
  EXPECT_EQ(s.obs.text.front(), '(');
  const auto reqs = u->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1]["op"], "phrase");
  EXPECT_EQ(reqs[1]["reading"]["act"], forced);
  // The rule-based user's answer to the external reading is what the rule user says to the act.
  Env plain = reg().make("twenty_questions", {{"reward", "terminal"}});
  plain.reset(3);
  const StepResult t = plain.step(Action::from_act(0));
  EXPECT_EQ(s.obs.text, "(" + t.obs.text + ")");
  EXPECT_EQ(s.obs.features, t.obs.features);
  // Both readings are in the info the trace records.
  const json info = Env::info_json(env.task(), s.info);
  EXPECT_EQ(info["user"]["reading"], "external");
  EXPECT_EQ(info["user"]["external_act"], forced);
  EXPECT_EQ(info["user"]["rule_act"], env.task().acts()[static_cast<size_t>(*ui.rule_act)]);
  EXPECT_EQ(info["reward"]["user_calls"], 2);
  EXPECT_EQ(info["user"]["model"], "misreader");
}

TEST(ExternalUser, AnActTheAgentChoseIsNeverReread) {
  Env probe = reg().make("twenty_questions");
  const std::string forced = probe.task().acts()[0];
  add_user("rereader", [forced](const json& req) -> json {
    EXPECT_FALSE(req["reads"].get<bool>());
    return {{"reading", {{"act", forced}}}};
  });
  Env env = reg().make("twenty_questions", {{"user", "rereader"}, {"reward", "terminal"}});
  env.reset(3);
  const StepResult s = env.step(Action::from_act(5));
  EXPECT_EQ(s.info.act, 5);
  EXPECT_FALSE(s.info.user->external_read);
  EXPECT_FALSE(s.info.user->external_reading);
  EXPECT_EQ(s.info.user->fallback, "");
}

struct BadAnswer {
  const char* name;
  std::function<json(const json&)> fn;
  const char* says;  // a piece of the fallback reason
};

TEST(ExternalUser, EveryBadAnswerFallsBackToTheRuleBasedUser) {
  const std::vector<BadAnswer> bad = {
      {"array", [](const json&) { return json::array({1, 2}); }, "expected a map"},
      {"unknown_act", [](const json&) { return json{{"reading", {{"act", "ask:wings"}}}}; },
       "is not an act"},
      {"act_not_str", [](const json&) { return json{{"reading", {{"act", 3}}}}; },
       "expected an act name"},
      {"reading_not_map", [](const json&) { return json{{"reading", "ask"}}; }, "expected a map"},
      {"empty_reply", [](const json&) { return json{{"reply", "  "}}; }, "empty"},
      {"reply_not_str", [](const json&) { return json{{"reply", 5}}; }, "expected a str"},
      {"unknown_key", [](const json&) { return json{{"mood", "happy"}}; }, "not part of"},
      {"nan_number",
       [](const json& r) {
         json a = rule_answer(r);
         a["reading"]["content"] = {{"number", "NaN"}};
         return a;
       },
       "content"},
      {"timeout", [](const json&) -> json { throw UserFailure("no reply within 0.1 s"); },
       "no reply within"},
  };
  for (const auto& b : bad) {
    const std::string name = std::string("bad-") + b.name;
    add_user(name, b.fn);
    for (const char* id : {"twenty_questions", "math_qa"}) {
      const Played a = play(id, {{"reward", "immediate"}}, 4);
      const Played c = play(id, {{"reward", "immediate"}, {"user", name}}, 4);
      ASSERT_EQ(a.steps.size(), c.steps.size()) << b.name;
      for (size_t i = 0; i < a.steps.size(); ++i) {
        EXPECT_EQ(a.steps[i].obs.text, c.steps[i].obs.text) << b.name << " " << id;
        EXPECT_EQ(a.steps[i].reward, c.steps[i].reward) << b.name;
        const UserTurnInfo& u = *c.steps[i].info.user;
        EXPECT_NE(u.fallback.find(b.says), std::string::npos) << b.name << ": " << u.fallback;
        EXPECT_FALSE(u.external_reply);
        EXPECT_EQ(u.turn_fallbacks, 1);
        const json info = Env::info_json(*reg().task(id), c.steps[i].info);
        EXPECT_EQ(info["user"]["fallback"], u.fallback);
        EXPECT_EQ(info["reward"]["user_fallbacks"], 1);
      }
    }
  }
}

TEST(ExternalUser, UnknownUserNameIsRefusedNamingWhatIsOffered) {
  add_user("offered-one", rule_answer);
  try {
    reg().make("twenty_questions", {{"user", "nobody-here"}});
    FAIL() << "expected InvalidOption";
  } catch (const InvalidOption& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("nobody-here"), std::string::npos) << what;
    EXPECT_NE(what.find("offered-one"), std::string::npos) << what;
  }
  EXPECT_THROW(reg().make("twenty_questions", {{"user", 3}}), InvalidOption);
  // The spec names the user taking part.
  EXPECT_EQ(reg().make("twenty_questions", {{"user", "offered-one"}}).spec()["user"],
            "offered-one");
  EXPECT_TRUE(reg().make("twenty_questions").spec()["user"].is_null());
}

TEST(ExternalUser, MrForwardSamplesCallConcurrentlyAndDeterministically) {
  auto u = add_user(
      "slow-rephrase",
      [](const json& req) {
        json a = rule_answer(req);
        a["reply"] = "~" + req["rule"]["reply"].get<std::string>();
        return a;
      },
      std::chrono::milliseconds(30));
  const json opts = {
      {"user", "slow-rephrase"}, {"reward", "mr"}, {"mr_samples", 4}, {"mr_window", 2}};
  std::vector<double> rewards[2];
  for (auto& rs : rewards) {
    Env env = reg().make("twenty_questions", opts);
    env.reset(9);
    const StepResult s = env.step(Action::from_text("Is it alive?"));
    rs.push_back(s.reward);
    // The turn's own call and those of 4 samples of up to 2 forward turns.
    EXPECT_EQ(s.info.user->calls, 1);
    EXPECT_GT(s.info.user->turn_calls, 4);
    EXPECT_LE(s.info.user->turn_calls, 1 + 4 * 2);
    const StepResult s2 = env.step(Action::from_text("Is it bigger than a bread box?"));
    rs.push_back(s2.reward);
  }
  EXPECT_EQ(rewards[0], rewards[1]);
  EXPECT_GE(u->max_in_flight(), 2);
  // The same rewards as with the rule-based user: phrasing changes nothing the evaluator sees.
  json plain = opts;
  plain.erase("user");
  Env env = reg().make("twenty_questions", plain);
  env.reset(9);
  EXPECT_EQ(env.step(Action::from_text("Is it alive?")).reward, rewards[0][0]);
}

struct TempDir {
  fs::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::temp_directory_path() / fmt::format("collab_user_{}_{}", getpid(), info->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

TEST(ExternalUser, RecordThenReplayGivesByteIdenticalTracesWithoutTheUser) {
  TempDir dir;
  const std::string cache = dir / "user.jsonl";
  int n = 0;
  auto live = std::make_shared<ScriptedUser>("live", [&n](const json& req) -> json {
    if (++n % 5 == 0) throw UserFailure("no reply within 1 s");  // recorded as a fallback
    json a = rule_answer(req);
    a["reply"] = fmt::format("[{}] {}", n, req["rule"]["reply"].get<std::string>());
    return a;
  });
  const json opts = {{"user", "cached"}, {"reward", "mr"}, {"mr_samples", 2}, {"mr_window", 1}};
  auto record = [&](UserCacheMode mode, std::shared_ptr<UserModel> inner) {
    register_user(std::make_shared<CachedUser>(inner, "cached", cache, mode));
    std::string all;
    for (uint64_t seed : {11, 12}) all += play("twenty_questions", opts, seed).trace;
    return all;
  };
  const std::string recorded = record(UserCacheMode::kRecord, live);
  const int live_calls = live->calls();
  EXPECT_GT(live_calls, 4);
  EXPECT_NE(recorded.find("\"fallback\":\"no reply within 1 s\""), std::string::npos);
  const std::string replayed = record(UserCacheMode::kReplay, nullptr);
  EXPECT_EQ(recorded, replayed);
  // Recording again uses the entries: no new call.
  EXPECT_EQ(record(UserCacheMode::kRecord, live), recorded);
  EXPECT_EQ(live->calls(), live_calls);

  // The trace replays (the environment is re-made with the user it names, from the cache).
  {
    std::istringstream in(recorded);
    const ReplayReport rep = replay_trace(in, dir / "t.jsonl", reg());
    EXPECT_EQ(rep.episodes, 2);
  }
  // A replay that needs an entry the run did not record fails, naming it.
  register_user(std::make_shared<CachedUser>(nullptr, "cached", cache, UserCacheMode::kReplay));
  try {
    play("twenty_questions", opts, 99);
    FAIL() << "expected an Error";
  } catch (const UserFailure& e) {
    FAIL() << "a missing entry must not fall back: " << e.what();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("no entry for request"), std::string::npos) << what;
    EXPECT_NE(what.find(cache), std::string::npos) << what;
  }
}

TEST(ExternalUser, CacheFileErrorsNameTheFileAndLine) {
  TempDir dir;
  const std::string cache = dir / "bad.jsonl";
  std::ofstream(cache) << R"({"key":"a-1","answer":{}})" << "\n" << "{not json\n";
  try {
    CachedUser c(nullptr, "x", cache, UserCacheMode::kReplay);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(cache + ":2:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(CachedUser(nullptr, "x", dir / "missing.jsonl", UserCacheMode::kReplay), Error);
  EXPECT_THROW(CachedUser(nullptr, "x", dir / "new.jsonl", UserCacheMode::kRecord), InvalidOption);
  EXPECT_THROW(parse_user_cache_mode("replay-ish"), InvalidOption);
}

TEST(ExternalUser, ConcurrentIdenticalRequestsMakeOneCallWhenRecording) {
  TempDir dir;
  auto inner = std::make_shared<ScriptedUser>(
      "inner", [](const json& req) { return json{{"reply", req["agent_text"]}}; },
      std::chrono::milliseconds(50));
  CachedUser cache(inner, "c", dir / "c.jsonl", UserCacheMode::kRecord);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      const std::string text = t % 2 == 0 ? "same" : "other";
      if (cache.call({{"op", "turn"}, {"agent_text", text}})["reply"] != text) ++wrong;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(inner->calls(), 2);  // one per distinct request
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.counters()["cache"]["hits"], 4);
}

TEST(ExternalUser, RequestKeysAreStableAndDistinct) {
  const json a = {{"op", "turn"}, {"turn", 1}, {"agent_text", "Is it red?"}};
  json b = a;
  b["agent_text"] = "Is it red!";
  EXPECT_EQ(user_request_key(a), user_request_key(json::parse(a.dump())));
  EXPECT_NE(user_request_key(a), user_request_key(b));
}

}  // namespace
}  // namespace collab
