// Rollout agents (env/rollout_agent.h): MR futures played by an agent outside the Env, asked in
// batches by depth (MrBatch), with counted fallbacks to the expert.
#include "env/rollout_agent.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <span>
#include <thread>

#include "env/env.h"
#include "env/error.h"
#include "env/policy.h"
#include "env/step_info.h"
#include "env/vector_env.h"
#include "tasks/register_all.h"
#include "tests/env/tiny_task.h"

namespace collab {
namespace {

// Answers like the built-in random policy, from each query's own stream; records what it saw.
class RandomAgent : public RolloutAgent {
 public:
  explicit RandomAgent(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::vector<RolloutAnswer> act_many(std::span<const RolloutQuery> queries) override {
    std::lock_guard lock(mu);
    ++calls;
    std::vector<RolloutAnswer> out;
    for (const RolloutQuery& q : queries) {
      seen.push_back(q);
      dialogues.push_back(*q.dialogue);
      Rng rng(q.seed);
      out.push_back({answer(q, rng), ""});
    }
    return out;
  }
  virtual std::optional<Action> answer(const RolloutQuery& q, Rng& rng) {
    return Action::from_act(random_legal_act(q.obs.action_mask, rng));
  }
  std::mutex mu;
  int calls = 0;
  std::vector<RolloutQuery> seen;
  std::vector<std::vector<std::string>> dialogues;

 private:
  std::string name_;
};

// Never has an action: every future falls back at its first turn.
class SilentAgent final : public RandomAgent {
 public:
  using RandomAgent::RandomAgent;
  std::optional<Action> answer(const RolloutQuery&, Rng&) override { return std::nullopt; }
};

// Answers an act the environment refuses (a masked one, when there is one).
class MaskedAgent final : public RandomAgent {
 public:
  using RandomAgent::RandomAgent;
  std::optional<Action> answer(const RolloutQuery& q, Rng&) override {
    for (size_t a = 0; a < q.obs.action_mask.size(); ++a) {
      if (!q.obs.action_mask[a]) return Action::from_act(static_cast<int32_t>(a));
    }
    return Action::from_act(static_cast<int32_t>(q.obs.action_mask.size()));  // out of range
  }
};

// A run error (a replay that misses its entry, say): not a failed call.
class ThrowingAgent final : public RolloutAgent {
 public:
  std::string name() const override { return "throwing"; }
  std::vector<RolloutAnswer> act_many(std::span<const RolloutQuery>) override {
    throw Error("replay: no entry for this request");
  }
};

template <class A>
std::shared_ptr<A> offer(const std::string& name) {
  auto agent = std::make_shared<A>(name);
  register_rollout_agent(agent);
  return agent;
}

Env tiny(const nlohmann::json& o) { return Env(std::make_shared<testing::TinyTask>(), o); }

const nlohmann::json kMr = {{"reward", "mr"}, {"mr_samples", 4}, {"mr_window", 3}};

nlohmann::json with(nlohmann::json o, const std::string& policy) {
  o["rollout_policy"] = policy;
  return o;
}

// Steps `env` from `seed` with acts drawn from a fixed stream; returns each step's result.
std::vector<StepResult> play(Env env, uint64_t seed, int turns) {
  std::vector<StepResult> out;
  ResetResult r = env.reset(seed);
  std::vector<uint8_t> mask = r.obs.action_mask;
  Rng acts(seed * 7 + 1);
  for (int t = 0; t < turns && !env.done(); ++t) {
    out.push_back(env.step(Action::from_act(random_legal_act(mask, acts))));
    mask = out.back().obs.action_mask;
  }
  return out;
}

TEST(RolloutAgent, ARandomAgentGivesTheBuiltInRandomRewardsOnEveryTask) {
  auto agent = offer<RandomAgent>("test-random");
  const Registry& reg = tasks::builtin_registry();
  for (const std::string& id : reg.ids()) {
    for (uint64_t seed : {1u, 9u}) {
      const auto remote = play(reg.make(id, with(kMr, "test-random")), seed, 6);
      const auto local = play(reg.make(id, with(kMr, "random")), seed, 6);
      ASSERT_EQ(remote.size(), local.size()) << id;
      for (size_t t = 0; t < remote.size(); ++t) {
        EXPECT_EQ(remote[t].reward, local[t].reward) << id << " seed " << seed << " turn " << t;
        EXPECT_EQ(remote[t].info.reward.spread, local[t].info.reward.spread) << id;
        EXPECT_EQ(remote[t].info.reward.rollout_fallbacks, 0) << id;
        EXPECT_TRUE(remote[t].info.reward.remote_rollouts);
        EXPECT_FALSE(local[t].info.reward.remote_rollouts);
      }
    }
  }
}

TEST(RolloutAgent, QueriesCarryTheFuturesOwnConversationAndStreams) {
  auto agent = offer<RandomAgent>("test-seen");
  Env env = tiny(with(kMr, "test-seen"));
  env.reset(4);
  const StepResult r = env.step(Action::from_act(0));
  ASSERT_FALSE(r.terminated);
  // Depth 1: the 4 samples; later depths: the futures still running.
  ASSERT_GE(agent->seen.size(), 4u);
  EXPECT_EQ(r.info.reward.rollout_calls, static_cast<int>(agent->seen.size()));
  EXPECT_LE(agent->calls, 3);
  std::set<int> samples;
  std::set<uint64_t> seeds;
  for (size_t i = 0; i < agent->seen.size(); ++i) {
    const RolloutQuery& q = agent->seen[i];
    const auto& d = agent->dialogues[i];
    samples.insert(q.sample);
    seeds.insert(q.seed);
    EXPECT_EQ(q.episode_seed, 4u);
    EXPECT_EQ(q.spec, &env.spec());
    EXPECT_EQ(d.size() % 2, 1u);  // opening, then agent and user alternately
    EXPECT_EQ(q.obs.text, d.back());
    EXPECT_EQ(static_cast<size_t>(q.obs.turn), d.size() / 2);
    EXPECT_GE(q.obs.turn, 1);  // the real turn is already in the conversation
  }
  EXPECT_EQ(samples, (std::set<int>{0, 1, 2, 3}));
  EXPECT_EQ(seeds.size(), agent->seen.size());  // each future turn its own stream
  const nlohmann::json info = Env::info_json(env.task(), r.info);
  EXPECT_EQ(info["reward"]["rollout_calls"], r.info.reward.rollout_calls);
  EXPECT_EQ(info["reward"]["rollout_fallbacks"], 0);
}

TEST(RolloutAgent, FailedQueriesFallBackToTheExpertAndAreCounted) {
  offer<SilentAgent>("test-silent");
  offer<MaskedAgent>("test-masked");
  const Registry& reg = tasks::builtin_registry();
  for (const char* name : {"test-silent", "test-masked"}) {
    for (const std::string& id : reg.ids()) {
      const auto got = play(reg.make(id, with(kMr, name)), 5, 5);
      const auto expert = play(reg.make(id, with(kMr, "expert")), 5, 5);
      ASSERT_EQ(got.size(), expert.size());
      for (size_t t = 0; t < got.size(); ++t) {
        EXPECT_EQ(got[t].reward, expert[t].reward) << name << " " << id << " turn " << t;
        const RewardInfo& ri = got[t].info.reward;
        // Every future asked once, at its first turn, then played by the expert.
        EXPECT_EQ(ri.rollout_fallbacks, ri.rollout_calls) << name << " " << id;
        if (!got[t].terminated && !got[t].truncated) {
          EXPECT_EQ(ri.rollout_calls, 4);
        }
      }
    }
  }
}

TEST(RolloutAgent, AnErrorOfTheRunPropagates) {
  register_rollout_agent(std::make_shared<ThrowingAgent>());
  Env env = tiny(with(kMr, "throwing"));
  env.reset(1);
  EXPECT_THROW(env.step(Action::from_act(0)), Error);
}

TEST(RolloutAgent, VectorEnvAsksOncePerDepthForTheWholeBatch) {
  auto agent = offer<RandomAgent>("test-vector");
  for (int threads : {1, 2}) {
    VectorEnv remote(tiny(with(kMr, "test-vector")), 16, threads);
    VectorEnv local(tiny(with(kMr, "random")), 16, threads);
    std::vector<uint8_t> masks = remote.reset(30).masks;
    local.reset(30);
    const size_t na = static_cast<size_t>(remote.env(0).num_acts());
    Rng acts(3);
    for (int step = 0; step < 8; ++step) {
      std::vector<int32_t> a(16);
      for (size_t i = 0; i < 16; ++i) {
        a[i] = random_legal_act(std::span<const uint8_t>(masks).subspan(i * na, na), acts);
      }
      const int before = agent->calls;
      const VectorBatch& r = remote.step(a);
      const VectorBatch& l = local.step(a);
      EXPECT_LE(agent->calls - before, 3) << "threads " << threads;  // mr_window
      for (int i = 0; i < 16; ++i) {
        EXPECT_EQ(r.rewards[static_cast<size_t>(i)], l.rewards[static_cast<size_t>(i)])
            << "env " << i << " step " << step;
        EXPECT_EQ(r.terminated[static_cast<size_t>(i)], l.terminated[static_cast<size_t>(i)]);
      }
      masks = r.masks;
    }
  }
  EXPECT_GT(agent->calls, 8);  // the futures were asked for
}

TEST(RolloutAgent, UnknownNamesAreRefusedNamingWhatIsOffered) {
  offer<RandomAgent>("test-offered");
  try {
    tiny(with(kMr, "remote:tcp://127.0.0.1:1"));
    FAIL() << "expected InvalidOption";
  } catch (const InvalidOption& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("\"remote:tcp://127.0.0.1:1\""), std::string::npos) << what;
    EXPECT_NE(what.find("\"test-offered\""), std::string::npos) << what;
    EXPECT_NE(what.find("\"expert\""), std::string::npos) << what;
  }
  EXPECT_THROW(register_rollout_agent(std::make_shared<RandomAgent>("expert")), InvalidOption);
  EXPECT_THROW(register_rollout_agent(std::make_shared<RandomAgent>("")), InvalidOption);
  EXPECT_EQ(find_rollout_agent("nobody"), nullptr);
}

TEST(RolloutAgent, ConcurrentEnvironmentsShareOneAgentSafely) {
  auto agent = offer<RandomAgent>("test-threads");
  std::vector<double> rewards(8);
  std::vector<std::thread> threads;
  for (size_t k = 0; k < rewards.size(); ++k) {
    threads.emplace_back([&, k] {
      for (const StepResult& r : play(tiny(with(kMr, "test-threads")), k, 4)) rewards[k] += r.reward;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t k = 0; k < rewards.size(); ++k) {
    double local = 0;
    for (const StepResult& r : play(tiny(with(kMr, "random")), k, 4)) local += r.reward;
    EXPECT_EQ(rewards[k], local) << k;
  }
}

}  // namespace
}  // namespace collab
