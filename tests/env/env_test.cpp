#include "env/env.h"

#include <gtest/gtest.h>

#include "env/error.h"
#include "tests/env/tiny_task.h"

namespace collab {
namespace {

Env make_tiny(const nlohmann::json& options = nlohmann::json::object()) {
  return Env(std::make_shared<testing::TinyTask>(), options);
}

TEST(Env, StepBeforeResetIsResetNeeded) {
  Env env = make_tiny();
  EXPECT_THROW(env.step(Action::from_act(0)), ResetNeeded);
  EXPECT_THROW(env.episode(), ResetNeeded);
}

TEST(Env, StepAfterTerminationIsResetNeeded) {
  Env env = make_tiny();
  env.reset(1);
  const StepResult r = env.step(Action::from_act(1));  // answering ends the episode
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.truncated);
  try {
    env.step(Action::from_act(0));
    FAIL() << "expected ResetNeeded";
  } catch (const ResetNeeded& e) {
    EXPECT_NE(std::string(e.what()).find("terminated"), std::string::npos) << e.what();
  }
  env.reset(2);  // and a reset makes it usable again
  EXPECT_NO_THROW(env.step(Action::from_act(0)));
}

TEST(Env, TurnLimitTruncatesNotTerminates) {
  Env env = make_tiny({{"max_turns", 3}});
  env.reset(1);
  StepResult r;
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(env.done());
    r = env.step(Action::from_act(0));
  }
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(r.obs.turn, 3);
  EXPECT_THROW(env.step(Action::from_act(0)), ResetNeeded);
}

TEST(Env, OutOfRangeAndEmptyActionsAreInvalid) {
  Env env = make_tiny();
  env.reset(1);
  try {
    env.step(Action::from_act(99));
    FAIL() << "expected InvalidAction";
  } catch (const InvalidAction& e) {
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[0, 5)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(env.step(Action::from_act(-1)), InvalidAction);
  EXPECT_THROW(env.step(Action{}), InvalidAction);
  EXPECT_EQ(env.turn(), 0);  // rejected actions do not use a turn
}

TEST(Env, UnparsedTextGetsAConfusedReplyAndUsesATurn) {
  Env env = make_tiny();
  env.reset(1);
  const StepResult r = env.step(Action::from_text("blah blah"));
  EXPECT_FALSE(r.info.understood);
  EXPECT_FALSE(r.info.act.has_value());
  EXPECT_EQ(r.obs.text, "Sorry, I don't follow.");
  EXPECT_EQ(r.obs.turn, 1);
  EXPECT_EQ(env.agent_tokens(), 2);
}

TEST(Env, TextAndActChannelsAgree) {
  Env a = make_tiny(), b = make_tiny();
  a.reset(5);
  b.reset(5);
  const StepResult ra = a.step(Action::from_act(0));
  const StepResult rb = b.step(Action::from_text("what is it?"));
  EXPECT_EQ(ra.obs.text, rb.obs.text);
  EXPECT_EQ(ra.info.act, rb.info.act);
  EXPECT_EQ(ra.info.agent_text, "what is it?");  // act-only: the rendering is what was said
}

TEST(Env, TheEpisodeReceivesWhatTheAgentWrote) {
  Env env = make_tiny();
  env.reset(5);
  auto tiny = [&] { return dynamic_cast<const testing::TinyEp&>(env.episode()); };
  env.step(Action::from_text("what is it?"));
  EXPECT_EQ(tiny().last_text(), "what is it?");
  env.step(Action{"tell me the digit again, please", 0});  // both: the act happens, text is said
  EXPECT_EQ(tiny().last_text(), "tell me the digit again, please");
  const StepResult r = env.step(Action::from_act(0));  // act only: the rendering is said
  EXPECT_EQ(tiny().last_text(), "what is it?");
  EXPECT_EQ(r.info.agent_text, "what is it?");
}

TEST(Env, StepIntoWritesTheSameObservationAsStep) {
  Env a = make_tiny(), b = make_tiny();
  a.reset(2);
  b.reset(2);
  std::vector<float> f(2, -7.0f);
  std::vector<uint8_t> m(5, 9);
  StepResult rb;
  const StepResult ra = a.step(Action::from_act(0));
  b.step_into(Action::from_act(0), {f, {}, m}, rb);
  EXPECT_EQ(f, ra.obs.features);
  EXPECT_EQ(m, ra.obs.action_mask);
  EXPECT_EQ(rb.obs.text, ra.obs.text);
  EXPECT_EQ(rb.reward, ra.reward);
  EXPECT_TRUE(rb.obs.features.empty()) << "step_into leaves the arrays to the caller's buffers";
}

TEST(Env, UnknownOptionsFailWithSuggestions) {
  try {
    make_tiny({{"mr_windw", 2}});
    FAIL() << "expected InvalidOption";
  } catch (const InvalidOption& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean mr_window"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_tiny({{"max_turns", 0}}), InvalidOption);
  EXPECT_THROW(make_tiny({{"max_turns", "ten"}}), InvalidOption);
  EXPECT_THROW(make_tiny({{"level", "high"}}), InvalidOption);  // the task validates its keys
  EXPECT_THROW(make_tiny(nlohmann::json::array()), InvalidOption);
  Env env = make_tiny();
  EXPECT_THROW(env.reset(1, {{"reward", "mr"}}), InvalidOption);  // fixed at make()
  EXPECT_NO_THROW(env.reset(1, {{"level", 2}}));
  EXPECT_EQ(env.episode_options().at("level"), 2);
}

TEST(Env, ResetWithoutSeedIsDeterministicAfterASeededReset) {
  Env a = make_tiny(), b = make_tiny();
  a.reset(100);
  b.reset(100);
  std::vector<uint64_t> sa, sb;
  for (int i = 0; i < 5; ++i) {
    sa.push_back(a.reset().seed);
    sb.push_back(b.reset().seed);
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa[0], sa[1]);
  // Replaying a reported seed reproduces that episode.
  Env c = make_tiny();
  c.reset(sa[2]);
  a.reset(100);
  for (int i = 0; i < 3; ++i) a.reset();
  EXPECT_EQ(c.episode().goal(), a.episode().goal());
}

TEST(Env, CloneIsIndependent) {
  Env env = make_tiny();
  env.reset(9);
  Env copy = env.clone();
  const StepResult r1 = copy.step(Action::from_act(0));
  EXPECT_EQ(env.turn(), 0);
  EXPECT_EQ(copy.turn(), 1);
  const StepResult r2 = env.step(Action::from_act(0));
  EXPECT_EQ(r1.obs.text, r2.obs.text);  // same streams: same user noise
  EXPECT_EQ(r1.reward, r2.reward);
}

TEST(Env, EnvironmentsWithTheSameTaskAndOptionsShareOneSpec) {
  // The server makes one Env per session: their configuration (spec included) is shared, not
  // rebuilt, while each keeps its own seed and state.
  const auto task = std::make_shared<testing::TinyTask>();
  Env a(task, {{"max_turns", 4}}), b(task, {{"max_turns", 4}}), c(task, {{"max_turns", 5}});
  EXPECT_EQ(&a.spec(), &b.spec());
  EXPECT_NE(&a.spec(), &c.spec());
  EXPECT_EQ(c.spec()["max_turns"], 5);
  EXPECT_EQ(b.spec()["max_turns"], 4);
  // Another task object (say, another scenario) never shares, even with equal options.
  Env d(std::make_shared<testing::TinyTask>(), {{"max_turns", 4}});
  EXPECT_NE(&a.spec(), &d.spec());
  // Unseeded first resets draw fresh OS entropy per environment, shared config or not.
  EXPECT_NE(a.reset().seed, b.reset().seed);
  // Bad options still fail on every make, cached or not.
  EXPECT_THROW(Env(task, {{"max_turns", -1}}), InvalidOption);
  EXPECT_THROW(Env(task, {{"max_turns", -1}}), InvalidOption);
}

TEST(Env, SpecDescribesSpaces) {
  Env env = make_tiny();
  const auto spec = env.spec();
  EXPECT_EQ(spec["id"], "tiny-v0");
  EXPECT_EQ(spec["action_space"]["n"], 5);
  EXPECT_EQ(spec["acts"].size(), 5u);
  EXPECT_EQ(spec["features"].size(), 2u);
  EXPECT_EQ(spec["max_turns"], 6);
  EXPECT_EQ(spec["reward"]["reward"], "mr");
}

}  // namespace
}  // namespace collab
