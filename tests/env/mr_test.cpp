// The multiturn-aware reward on a task small enough to reason about by hand (tiny_task.h).
#include <gtest/gtest.h>

#include <thread>

#include "env/env.h"
#include "tests/env/tiny_task.h"

namespace collab {
namespace {

Env tiny(const nlohmann::json& o = nlohmann::json::object()) {
  return Env(std::make_shared<testing::TinyTask>(), o);
}

constexpr int32_t kAsk = 0;
int32_t answer(int digit) { return 1 + digit; }
int digit_of(const Env& env) { return std::stoi(env.episode().goal()); }

TEST(Mr, ClarifyingBeatsActingWhenTheGoalIsUnknown) {
  // Averaged over goals: asking first lets the rollout answer correctly; answering blind is right
  // a quarter of the time.
  double ask = 0, act = 0;
  const int n = 200;
  for (uint64_t seed = 0; seed < n; ++seed) {
    Env env = tiny();
    env.reset(seed);
    Env other = env.clone();
    ask += env.step(Action::from_act(kAsk)).info.reward.mr;
    act += other.step(Action::from_act(answer(0))).info.reward.mr;
  }
  EXPECT_GT(ask / n, act / n + 0.3);
}

TEST(Mr, AnsweringBeatsAskingAgainOnceTheGoalIsKnown) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Env env = tiny();
    env.reset(seed);
    env.step(Action::from_act(kAsk));
    Env again = env.clone();
    const double mr_answer = env.step(Action::from_act(answer(digit_of(env)))).info.reward.mr;
    const double mr_ask = again.step(Action::from_act(kAsk)).info.reward.mr;
    EXPECT_GT(mr_answer, mr_ask) << "seed " << seed;
  }
}

TEST(Mr, ImmediateEqualsMrWithAZeroWindow) {
  for (uint64_t seed = 0; seed < 10; ++seed) {
    Env a = tiny({{"reward", "immediate"}});
    Env b = tiny({{"reward", "mr"}, {"mr_window", 0}});
    a.reset(seed);
    b.reset(seed);
    for (int32_t act : {kAsk, kAsk, answer(1)}) {
      if (a.done()) break;
      EXPECT_DOUBLE_EQ(a.step(Action::from_act(act)).reward, b.step(Action::from_act(act)).reward);
    }
  }
}

TEST(Mr, DeltaTelescopesToFinalRewardMinusStartPotential) {
  for (const std::string policy : {"expert", "random"}) {
    for (uint64_t seed = 0; seed < 10; ++seed) {
      Env env = tiny({{"reward", "mr_delta"}, {"rollout_policy", policy}});
      env.reset(seed);
      const double phi0 = env.conversation_reward();
      double sum = 0;
      for (int32_t act : {kAsk, kAsk, kAsk, answer(static_cast<int>(seed % 4))}) {
        if (env.done()) break;
        sum += env.step(Action::from_act(act)).reward;
      }
      ASSERT_TRUE(env.done());
      EXPECT_NEAR(sum, env.conversation_reward() - phi0, 1e-12) << policy << " seed " << seed;
    }
  }
}

TEST(Mr, TruncationAlsoTelescopes) {
  Env env = tiny({{"reward", "mr_delta"}, {"max_turns", 3}});
  env.reset(4);
  const double phi0 = env.conversation_reward();
  double sum = 0;
  while (!env.done()) sum += env.step(Action::from_act(kAsk)).reward;
  EXPECT_TRUE(env.truncated());
  EXPECT_NEAR(sum, env.conversation_reward() - phi0, 1e-12);
}

TEST(Mr, InfoCarriesTheComponents) {
  Env env = tiny({{"mr_samples", 5}, {"rollout_policy", "random"}});
  env.reset(11);
  const StepResult r = env.step(Action::from_act(kAsk));
  const RewardInfo& ri = r.info.reward;
  EXPECT_EQ(ri.samples, 5);
  EXPECT_DOUBLE_EQ(r.reward, ri.mr);
  EXPECT_GT(ri.spread, 0.0);                      // random futures disagree
  EXPECT_DOUBLE_EQ(ri.interactivity, 2.0 / 3.0);  // one informative question
  EXPECT_DOUBLE_EQ(ri.total, ri.task + ri.interactivity - ri.token_cost);
  const auto j = Env::info_json(env.task(), r.info);
  EXPECT_EQ(j["reward"]["samples"], 5);
  EXPECT_EQ(j["event"], "informative");
}

TEST(Mr, TerminalPaysOnlyAtTheEnd) {
  Env env = tiny({{"reward", "terminal"}});
  env.reset(2);
  EXPECT_EQ(env.step(Action::from_act(kAsk)).reward, 0.0);
  const StepResult last = env.step(Action::from_act(answer(digit_of(env))));
  EXPECT_TRUE(last.terminated);
  EXPECT_DOUBLE_EQ(last.reward, last.info.reward.total);
  EXPECT_GT(last.reward, 1.0);
}

std::vector<double> episode_rewards(uint64_t seed) {
  Env env = tiny({{"rollout_policy", "random"}, {"mr_samples", 4}});
  env.reset(seed);
  std::vector<double> out;
  for (int32_t act : {kAsk, kAsk, answer(2)}) {
    if (env.done()) break;
    const StepResult r = env.step(Action::from_act(act));
    out.push_back(r.reward);
    out.push_back(r.info.reward.spread);
  }
  return out;
}

TEST(Mr, DeterministicAndIndependentOfThreadsAndOtherEpisodes) {
  std::vector<std::vector<double>> sequential;
  for (uint64_t s = 0; s < 16; ++s) sequential.push_back(episode_rewards(s));
  EXPECT_EQ(sequential[3], episode_rewards(3));
  std::vector<std::vector<double>> parallel(16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t s = static_cast<uint64_t>(t); s < 16; s += 4) parallel[s] = episode_rewards(s);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(parallel, sequential);
}

TEST(Mr, DoesNotDisturbTheRealEpisode) {
  Env with_mr = tiny({{"reward", "mr"}, {"mr_samples", 8}, {"rollout_policy", "random"}});
  Env without = tiny({{"reward", "terminal"}});
  with_mr.reset(21);
  without.reset(21);
  for (int32_t act : {kAsk, kAsk, kAsk, answer(0)}) {
    if (with_mr.done()) break;
    const StepResult a = with_mr.step(Action::from_act(act));
    const StepResult b = without.step(Action::from_act(act));
    EXPECT_EQ(a.obs.text, b.obs.text);
    EXPECT_EQ(a.obs.features, b.obs.features);
    EXPECT_EQ(a.terminated, b.terminated);
    EXPECT_EQ(a.info.reward.total, b.info.reward.total);
  }
}

TEST(Mr, CustomRolloutPolicyIsUsed) {
  Env env = tiny({{"mr_samples", 2}});
  int calls = 0;
  env.set_rollout_policy([&calls](const Observation&, Rng&) {
    ++calls;
    return Action::from_act(answer(3));
  });
  env.reset(0);
  env.step(Action::from_act(kAsk));
  EXPECT_EQ(calls, 2);     // one call per sample: answering ends each future at once
  Env copy = env.clone();  // clones share the policy
  copy.step(Action::from_act(kAsk));
  EXPECT_EQ(calls, 4);
}

}  // namespace
}  // namespace collab
