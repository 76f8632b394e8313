#include "env/reward.h"

#include <gtest/gtest.h>

#include "env/error.h"

namespace collab {
namespace {

TEST(RewardConfig, DefaultsAreCollabLlms) {
  const RewardConfig c = RewardConfig::from_options(nlohmann::json::object());
  EXPECT_EQ(c.mode, RewardMode::kMr);
  EXPECT_EQ(c.window, 2);
  EXPECT_EQ(c.samples, 3);
  EXPECT_DOUBLE_EQ(c.token_cost, 5e-4);
  EXPECT_EQ(c.rollout_policy, "expert");
}

TEST(RewardConfig, BadValuesNameTheOptionAndRange) {
  auto message = [](const nlohmann::json& o) -> std::string {
    try {
      RewardConfig::from_options(o);
    } catch (const InvalidOption& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message({{"reward", "mrr"}}).find("'reward' = \"mrr\""), std::string::npos);
  EXPECT_NE(message({{"mr_window", 21}}).find("[0, 20]"), std::string::npos);
  EXPECT_NE(message({{"mr_samples", 0}}).find("'mr_samples' = 0"), std::string::npos);
  EXPECT_NE(message({{"mr_samples", 1.5}}).find("integer"), std::string::npos);
  EXPECT_NE(message({{"token_cost", -1}}).find("[0, 1]"), std::string::npos);
  EXPECT_NE(message({{"w_itr", "x"}}).find("'w_itr'"), std::string::npos);
  EXPECT_NE(message({{"rollout_policy", "smart"}}).find("\"smart\""), std::string::npos);
  EXPECT_EQ(message({{"reward", "terminal"}, {"mr_window", 0}, {"rollout_policy", "random"}}), "");
}

TEST(Interactivity, IsASmoothedShareOfGoodMoves) {
  EventCounts none;
  EXPECT_DOUBLE_EQ(interactivity(none), 0.5);
  EventCounts good;
  good.add(Event::kInformative);
  good.add(Event::kInformative);
  EXPECT_DOUBLE_EQ(interactivity(good), 0.75);
  EventCounts bad;
  bad.add(Event::kRedundant);
  bad.add(Event::kIgnored);
  EXPECT_DOUBLE_EQ(interactivity(bad), 0.25);
  EXPECT_GT(interactivity(good), interactivity(none));
  EXPECT_LT(interactivity(bad), interactivity(none));
}

TEST(ConversationReward, CombinesAndCapsTheTokenCost) {
  RewardConfig c;
  RewardInfo info;
  EventCounts none;
  const double r = conversation_reward(c, 1.0, none, 100, &info);
  EXPECT_DOUBLE_EQ(info.token_cost, 0.05);
  EXPECT_DOUBLE_EQ(r, 1.0 + 0.5 - 0.05);
  EXPECT_DOUBLE_EQ(info.total, r);
  conversation_reward(c, 0.0, none, 1'000'000, &info);
  EXPECT_DOUBLE_EQ(info.token_cost, 1.0);  // min(lambda * tokens, 1)
  c.w_task = 2;
  c.w_itr = 0;
  EXPECT_DOUBLE_EQ(conversation_reward(c, 0.5, none, 0), 1.0);
}

}  // namespace
}  // namespace collab
