// Built-in policies' accuracy, and the MR reward's verdicts: over-asking loses on fully specified
// problems, answering at once loses on underspecified ones.
#include <gtest/gtest.h>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "tests/tasks/math_qa/mq_test_util.h"

namespace collab::tasks::math_qa {
namespace {

struct Tally {
  int n = 0, correct = 0, complete = 0, passive_right_on_complete = 0;
};

// Plays `policy` ("expert" / "passive") through the env's act channel.
Tally play(const char* policy, const char* split, int episodes, const nlohmann::json& extra = {}) {
  nlohmann::json o = {{"split", split}, {"reward", "terminal"}};
  if (extra.is_object()) o.update(extra);
  Env env = testing::make_env(o);
  Tally t;
  for (int s = 0; s < episodes; ++s) {
    env.reset(static_cast<uint64_t>(s));
    t.complete += testing::game(env).opening_kind() == OpeningKind::kComplete;
    while (!env.done()) {
      Rng rng(static_cast<uint64_t>(s));
      const Action a = std::string(policy) == "expert" ? env.task().expert(env.episode(), rng)
                                                       : env.task().passive(env.episode(), rng);
      env.step(a);
    }
    ++t.n;
    t.correct += testing::game(env).score().success;
  }
  return t;
}

TEST(MathQaPolicies, ExpertSolvesNearlyEverything) {
  for (const char* split : {"train", "test"}) {
    const Tally e = play("expert", split, 300);
    EXPECT_GE(e.correct, 297) << split;
  }
  // The fixed problems too.
  Env env = builtin_registry().make(
      "math_qa-v0", {{"scenario", builtin_registry().default_scenario_path("math_qa-v0").substr(
                                      0, builtin_registry().default_scenario_path("math_qa-v0").rfind('/')) +
                                      "/fixed.json"},
                     {"split", "all"}});
  int correct = 0;
  for (int s = 0; s < 200; ++s) {
    env.reset(static_cast<uint64_t>(s));
    while (!env.done()) {
      Rng rng(1);
      env.step(env.task().expert(env.episode(), rng));
    }
    correct += env.episode().score().success;
  }
  EXPECT_GE(correct, 198);
}

TEST(MathQaPolicies, PassiveIsRightAboutAsOftenAsNothingIsMissing) {
  for (const char* split : {"train", "test"}) {
    const Tally p = play("passive", split, 600);
    const double acc = static_cast<double>(p.correct) / p.n;
    const double share = static_cast<double>(p.complete) / p.n;
    // Left-out or blurred quantities always matter (the sampler ensures it), so passive is right
    // exactly on the complete openings.
    EXPECT_NEAR(acc, share, 0.01) << split;
    EXPECT_GT(share, 0.2) << split;
    EXPECT_LT(share, 0.5) << split;
  }
}

TEST(MathQaPolicies, OpeningOptionControlsTheKind) {
  EXPECT_EQ(play("passive", "train", 100, {{"opening", "complete"}}).correct, 100);
  EXPECT_EQ(play("passive", "train", 100, {{"opening", "omit_one"}}).correct, 0);
  EXPECT_EQ(play("passive", "train", 100, {{"opening", "blur"}}).correct, 0);
}

// The first-turn MR of an act, from the episode at `seed` with the given opening kind.
double first_mr(int32_t act_or_minus, uint64_t seed, const char* opening, const char* policy) {
  Env env = testing::make_env({{"reward", "mr"}, {"opening", opening}, {"mr_samples", 3}});
  env.reset(seed);
  Rng rng(seed);
  int32_t a = act_or_minus;
  if (a < 0) {
    a = std::string(policy) == "expert" ? *env.task().expert(env.episode(), rng).act
                                        : *env.task().passive(env.episode(), rng).act;
  }
  return env.step(Action::from_act(a)).info.reward.mr;
}

TEST(MathQaMr, AskingEverythingLosesOnFullySpecifiedProblems) {
  // The over-asking policy's first move is a question about a quantity already stated.
  const MathQa& t = testing::task();
  double expert = 0, asker = 0;
  const int n = 40;
  for (uint64_t s = 0; s < n; ++s) {
    expert += first_mr(-1, s, "complete", "expert");
    asker += first_mr(t.ask_act(0), s, "complete", "");
  }
  EXPECT_GT(expert / n, asker / n + 0.1);
}

TEST(MathQaMr, AnsweringAtOnceLosesOnUnderspecifiedProblems) {
  double expert = 0, passive = 0;
  const int n = 40;
  for (const char* kind : {"omit_one", "omit_two", "blur"}) {
    expert = passive = 0;
    for (uint64_t s = 0; s < n; ++s) {
      expert += first_mr(-1, s, kind, "expert");
      passive += first_mr(-1, s, kind, "passive");
    }
    EXPECT_GT(expert / n, passive / n + 0.3) << kind;
  }
}

TEST(MathQaMr, AnAskingAgentPlaysWholeEpisodesWorse) {
  // An over-asking agent (asks about every quantity, confirms each, then answers) against the
  // expert on fully specified problems, by R* of the finished conversation.
  const MathQa& t = testing::task();
  double expert = 0, asker = 0;
  const int n = 60;
  for (uint64_t s = 0; s < n; ++s) {
    Env a = testing::make_env({{"reward", "terminal"}, {"opening", "complete"}});
    Env b = testing::make_env({{"reward", "terminal"}, {"opening", "complete"}});
    a.reset(s);
    b.reset(s);
    while (!a.done()) {
      Rng rng(1);
      a.step(t.expert(a.episode(), rng));
    }
    const size_t vars = testing::game(b).problem().vars.size();
    for (size_t k = 0; k < vars && !b.done(); ++k) b.step(Action::from_act(t.ask_act(k)));
    for (size_t k = 0; k < vars && !b.done(); ++k) b.step(Action::from_act(t.confirm_act(k)));
    if (!b.done()) b.step(Action::from_act(t.answer_act()));
    expert += a.conversation_reward();
    asker += b.conversation_reward();
  }
  EXPECT_GT(expert / n, asker / n + 0.2);
}

}  // namespace
}  // namespace collab::tasks::math_qa
