// MR behaviours CollabLLM's argument rests on, checked on 20 Questions.
#include <gtest/gtest.h>

#include "tests/tasks/twenty_questions/tq_test_util.h"

namespace collab::tasks::twenty_questions {
namespace {

using testing::act_index;
using testing::make_env;

TEST(TwentyQuestionsMr, AnInformativeQuestionEarlyBeatsAnEarlyGuess) {
  double ask = 0, guess = 0;
  const int n = 40;
  for (uint64_t seed = 0; seed < n; ++seed) {
    Env env = make_env({{"split", "test"}});
    env.reset(seed);
    Rng rng(seed);
    Env other = env.clone();
    const int32_t question = *env.task().expert(env.episode(), rng).act;
    ASSERT_TRUE(testing::tq(env).is_ask(question));
    const int32_t blind = *env.task().passive(env.episode(), rng).act;
    ask += env.step(Action::from_act(question)).info.reward.mr;
    guess += other.step(Action::from_act(blind)).info.reward.mr;
  }
  EXPECT_GT(ask / n, guess / n);
}

TEST(TwentyQuestionsMr, OnceTheObjectIsKnownGuessingBeatsAskingMore) {
  int compared = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Env env = make_env({{"split", "test"}, {"noise", 0.0}});
    env.reset(seed);
    // Let the expert ask until a single candidate is left.
    while (!env.done() &&
           env.observe().features.end()[-3] * testing::tq(env).catalog().objects.size() > 1.5f) {
      Rng rng(seed);
      const int32_t a = *env.task().expert(env.episode(), rng).act;
      if (!testing::tq(env).is_ask(a)) break;
      env.step(Action::from_act(a));
    }
    if (env.done()) continue;
    Env asking = env.clone();
    const std::string goal = env.episode().goal();
    const double mr_guess =
        env.step(Action::from_act(act_index(env, "guess:" + goal))).info.reward.mr;
    // Any question still open is redundant now.
    int32_t q = -1;
    for (size_t a = 0; a < testing::tq(asking).catalog().attributes.size(); ++a) {
      if (asking.mask()[a]) q = static_cast<int32_t>(a);
    }
    ASSERT_GE(q, 0);
    const double mr_ask = asking.step(Action::from_act(q)).info.reward.mr;
    EXPECT_GT(mr_guess, mr_ask) << "seed " << seed;
    ++compared;
  }
  EXPECT_GE(compared, 10);
}

}  // namespace
}  // namespace collab::tasks::twenty_questions
