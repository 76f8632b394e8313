// 20 Questions v1 act features (README "Act features"): shares, posterior, flags.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "tests/tasks/twenty_questions/tq_test_util.h"

namespace collab::tasks::twenty_questions {
namespace {

constexpr size_t K = TwentyQuestions::kActFeatures;

Env make_v1(const nlohmann::json& o) { return builtin_registry().make("twenty_questions-v1", o); }

TEST(TwentyQuestionsActFeatures, NamesAndShapeAndV0HasNone) {
  Env v1 = make_v1({{"reward", "terminal"}});
  EXPECT_EQ(v1.spec()["act_features"].size(), K);
  EXPECT_EQ(v1.spec()["act_features"][6], "posterior");
  Env v0 = testing::make_env({{"reward", "terminal"}});
  EXPECT_EQ(v0.num_act_features(), 0);
  // v2 (the bare name since 2026-12-01) keeps them, with one more row for ask_other.
  EXPECT_EQ(builtin_registry().resolve("twenty_questions"), "twenty_questions-v2");
  Env v2 = builtin_registry().make("twenty_questions-v2", {{"reward", "terminal"}});
  EXPECT_EQ(v2.spec()["act_features"], v1.spec()["act_features"]);
}

TEST(TwentyQuestionsActFeatures, SharesAndPosteriorAreDistributionsThatFollowTheAnswers) {
  Env env = make_v1({{"reward", "terminal"}, {"noise", 0.0}, {"split", "all"}});
  const auto& t = testing::tq(env);
  const size_t na = t.catalog().attributes.size(), n = t.catalog().objects.size();
  for (uint64_t seed = 0; seed < 6; ++seed) {
    env.reset(seed);
    const auto target = testing::target(env).name;
    for (int turn = 0; turn < 6 && !env.done(); ++turn) {
      const Observation obs = env.observe();
      ASSERT_EQ(obs.act_features.size(), (na + n) * K);
      double post_sum = 0;
      for (size_t o = 0; o < n; ++o) {
        const float* row = &obs.act_features[(na + o) * K];
        EXPECT_EQ(row[0], 0.0f);
        EXPECT_GE(row[6], 0.0f);
        post_sum += row[6];
        if (t.catalog().objects[o].name == target) {
          EXPECT_EQ(row[5], 1.0f) << "without noise the target stays consistent";
        }
        if (row[7] == 1.0f) {
          EXPECT_EQ(row[6], 0.0f) << "a guessed object has no posterior";
        }
      }
      EXPECT_NEAR(post_sum, 1.0, 1e-4);
      for (size_t a = 0; a < na; ++a) {
        const float* row = &obs.act_features[a * K];
        EXPECT_EQ(row[0], 1.0f);
        EXPECT_NEAR(row[1] + row[2] + row[3], 1.0, 1e-4);
        EXPECT_EQ(row[4], obs.action_mask[a] ? 0.0f : 1.0f) << "asked = no longer legal";
      }
      // Ask the expert's question (or make its guess) and go on.
      Rng rng(1);
      env.step(env.task().expert(env.episode(), rng));
    }
  }
}

TEST(TwentyQuestionsActFeatures, AnAnsweredQuestionSettlesItsShare) {
  Env env = make_v1({{"reward", "terminal"}, {"noise", 0.0}, {"split", "all"}});
  env.reset(4);
  const int32_t alive = testing::act_index(env, "ask:alive");
  ASSERT_GE(alive, 0);
  const Observation before = env.observe();
  const float* was = &before.act_features[static_cast<size_t>(alive) * K];
  const std::string reply = env.step(Action::from_act(alive)).obs.text;
  const Observation obs = env.observe();
  const float* row = &obs.act_features[static_cast<size_t>(alive) * K];
  EXPECT_EQ(row[4], 1.0f);
  EXPECT_EQ(was[4], 0.0f);
  // After "Yes." most posterior mass says yes (the noise model keeps some doubt), and more than
  // before; likewise for "No.".
  ASSERT_TRUE(reply == "Yes." || reply == "No." || reply.find("not sure") != std::string::npos);
  if (reply == "Yes.") {
    EXPECT_GT(row[1], 0.6f) << reply;
    EXPECT_GT(row[1], was[1] + 0.2f) << reply;
  } else if (reply == "No.") {
    EXPECT_GT(row[2], 0.6f) << reply;
    EXPECT_GT(row[2], was[2] + 0.2f) << reply;
  }
}

}  // namespace
}  // namespace collab::tasks::twenty_questions
