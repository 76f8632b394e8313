#include <gtest/gtest.h>

#include "agents/evaluate.h"
#include "tests/tasks/twenty_questions/tq_test_util.h"

namespace collab::tasks::twenty_questions {
namespace {

agents::Summary run(const std::string& agent, const nlohmann::json& options, int episodes) {
  Env env = testing::make_env(options);
  auto a = agents::make_agent(agent);
  agents::RunConfig cfg;
  cfg.episodes = episodes;
  cfg.seed = 1000;
  return agents::evaluate(env, *a, cfg);
}

TEST(TwentyQuestionsExpert, SolvesTheTestSplitWithoutNoise) {
  const auto s = run("expert", {{"split", "test"}, {"noise", 0.0}, {"reward", "terminal"}}, 500);
  EXPECT_GE(s.stats.success.mean, 0.90);
  EXPECT_GT(s.stats.turns.mean, 3.0);  // it asks before it guesses
}

TEST(TwentyQuestionsExpert, PassiveRarelySucceeds) {
  const auto s = run("passive", {{"split", "test"}, {"noise", 0.0}, {"reward", "terminal"}}, 500);
  EXPECT_LE(s.stats.success.mean, 0.10);
}

TEST(TwentyQuestionsExpert, StaysStrongUnderAnswerNoise) {
  const auto s = run("expert", {{"split", "test"}, {"noise", 0.05}, {"reward", "terminal"}}, 300);
  EXPECT_GE(s.stats.success.mean, 0.75);
}

TEST(TwentyQuestionsExpert, AsksTheMostInformativeQuestionFirst) {
  // At the start every object is possible: the expert's first act is a question, and it splits the
  // candidates better than the median question does.
  Env env = testing::make_env({{"split", "all"}, {"reward", "terminal"}});
  env.reset(0);
  Rng rng(0);
  const int32_t first = *env.task().expert(env.episode(), rng).act;
  const auto& task = testing::tq(env);
  ASSERT_TRUE(task.is_ask(first));
  const auto& objs = task.catalog().objects;
  auto balance = [&](size_t a) {
    double yes = 0;
    for (const auto& o : objs) yes += o.values[a] == Value::kYes;
    return std::abs(yes / objs.size() - 0.5);
  };
  std::vector<double> all;
  for (size_t a = 0; a < task.catalog().attributes.size(); ++a) all.push_back(balance(a));
  std::sort(all.begin(), all.end());
  EXPECT_LE(balance(static_cast<size_t>(first)), all[all.size() / 2]);
}

}  // namespace
}  // namespace collab::tasks::twenty_questions
