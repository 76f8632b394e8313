#include "env/vector_env.h"

#include <gtest/gtest.h>

#include "env/error.h"
#include "tests/env/tiny_task.h"

namespace collab {
namespace {

Env proto(const nlohmann::json& o = {{"rollout_policy", "random"}}) {
  return Env(std::make_shared<testing::TinyTask>(), o);
}

TEST(VectorEnv, ResetSeedsEachEnvironmentWithSeedPlusIndex) {
  VectorEnv v(proto(), 6, 2);
  v.reset(100);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(v.env(i).episode_seed(), 100u + static_cast<uint64_t>(i));
  }
  EXPECT_EQ(v.threads(), 2);
}

TEST(VectorEnv, NextStepAutoreset) {
  VectorEnv v(proto(), 2, 1);
  v.reset(0);
  // env 0 answers (ends), env 1 asks (continues).
  std::vector<int32_t> acts{1, 0};
  const VectorBatch& b = v.step(acts);
  EXPECT_TRUE(b.terminated[0]);
  ASSERT_TRUE(b.finished[0].has_value());
  EXPECT_EQ(b.finished[0]->turns, 1);
  EXPECT_FALSE(b.terminated[1]);
  EXPECT_FALSE(b.finished[1].has_value());
  // Next step: env 0's act is ignored and it is reset.
  const uint64_t old_seed = v.env(0).episode_seed();
  acts = {0, 0};
  const VectorBatch& c = v.step(acts);
  EXPECT_TRUE(c.reset[0]);
  EXPECT_EQ(c.rewards[0], 0.0);
  EXPECT_FALSE(c.terminated[0]);
  EXPECT_EQ(v.env(0).turn(), 0);
  EXPECT_NE(v.env(0).episode_seed(), old_seed);
  EXPECT_FALSE(c.reset[1]);
  EXPECT_EQ(v.env(1).turn(), 2);
}

std::vector<double> run(int threads) {
  VectorEnv v(proto(), 8, threads);
  v.reset(7);
  std::vector<double> out;
  Rng rng(1);
  for (int t = 0; t < 30; ++t) {
    std::vector<int32_t> acts(8);
    for (auto& a : acts) a = static_cast<int32_t>(rng.below(5));
    const VectorBatch& b = v.step(acts);
    out.insert(out.end(), b.rewards.begin(), b.rewards.end());
    out.insert(out.end(), b.features.begin(), b.features.end());
    out.insert(out.end(), b.masks.begin(), b.masks.end());
    out.insert(out.end(), b.terminated.begin(), b.terminated.end());
    out.insert(out.end(), b.truncated.begin(), b.truncated.end());
    out.insert(out.end(), b.reset.begin(), b.reset.end());
    for (const auto& f : b.finished) out.push_back(f ? f->ret : -99);
  }
  return out;
}

TEST(VectorEnv, ResultsDoNotDependOnThreadCount) {
  const auto one = run(1);
  EXPECT_EQ(one, run(2));
  EXPECT_EQ(one, run(4));
}

TEST(VectorEnv, BadInputNamesTheEnvironment) {
  EXPECT_THROW(VectorEnv(proto(), 0), InvalidOption);
  EXPECT_THROW(VectorEnv(proto(), 2, 0), InvalidOption);
  VectorEnv v(proto(), 3, 2);
  v.reset(0);
  std::vector<int32_t> wrong_size{0, 0};
  EXPECT_THROW(v.step(wrong_size), InvalidAction);
  std::vector<int32_t> bad{0, 0, 42};
  try {
    v.step(bad);
    FAIL() << "expected InvalidAction";
  } catch (const InvalidAction& e) {
    EXPECT_NE(std::string(e.what()).find("environment 2"), std::string::npos) << e.what();
  }
}

TEST(VectorEnv, EpisodeStatsSumTheRewards) {
  VectorEnv v(proto({{"reward", "mr_delta"}}), 4, 2);
  v.reset(3);
  std::vector<double> sums(4, 0.0);
  int finished = 0;
  for (int t = 0; t < 12; ++t) {
    std::vector<int32_t> acts{0, 0, 0, 0};
    if (t % 3 == 2) acts = {1, 2, 3, 4};
    const VectorBatch& b = v.step(acts);
    for (int i = 0; i < 4; ++i) {
      if (b.reset[i]) {
        sums[i] = 0;
        continue;
      }
      sums[i] += b.rewards[i];
      if (b.finished[i]) {
        EXPECT_NEAR(b.finished[i]->ret, sums[i], 1e-12);
        ++finished;
      }
    }
  }
  EXPECT_GE(finished, 8);
}

}  // namespace
}  // namespace collab
