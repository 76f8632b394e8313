#include <gtest/gtest.h>

#include <sstream>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "env/error.h"
#include "tasks/register_all.h"

namespace collab::agents {
namespace {

TEST(Agents, FactoryKnowsTheBuiltinsAndSuggests) {
  for (const auto& n : builtin_agent_names()) EXPECT_EQ(make_agent(n)->name(), n);
  try {
    make_agent("expret");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean expert"), std::string::npos) << e.what();
  }
}

TEST(Agents, RandomOnlyPicksLegalActs) {
  Env env = tasks::builtin_registry().make("twenty_questions-v0", {{"reward", "terminal"}});
  auto agent = make_agent("random");
  for (uint64_t seed = 0; seed < 30; ++seed) {
    Observation obs = env.reset(seed).obs;
    while (!env.done()) {
      Rng rng = policy_rng(env);
      const Action a = decide(*agent, env, obs, rng);
      ASSERT_TRUE(a.act.has_value());
      ASSERT_TRUE(obs.action_mask[static_cast<size_t>(*a.act)]);
      obs = env.step(a).obs;
    }
  }
}

TEST(Evaluate, IsDeterministicAndCountsEpisodes) {
  Env env = tasks::builtin_registry().make("twenty_questions-v0", {{"reward", "terminal"}});
  auto agent = make_agent("random");
  RunConfig cfg;
  cfg.episodes = 25;
  cfg.seed = 3;
  std::vector<EpisodeRecord> a, b;
  const Summary s1 = evaluate(env, *agent, cfg, &a);
  const Summary s2 = evaluate(env, *agent, cfg, &b);
  ASSERT_EQ(a.size(), 25u);
  EXPECT_EQ(s1.to_json(), s2.to_json());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].seed, 3 + i);
    EXPECT_EQ(a[i].turns, b[i].turns);
    EXPECT_GT(a[i].agent_tokens, 0);
  }
  EXPECT_GE(s1.stats.success.mean, 0.0);
  EXPECT_LE(s1.stats.success.mean, 1.0);
}

TEST(Evaluate, TraceHeadersNameTheAgentAndReplay) {
  const Registry& reg = tasks::builtin_registry();
  Env env = reg.make("guess_number", {{"reward", "terminal"}});
  std::ostringstream out;
  RunConfig cfg;
  cfg.episodes = 2;
  cfg.trace = &out;
  for (const char* name : {"random", "expert"}) {
    auto agent = make_agent(name);
    evaluate(env, *agent, cfg);
  }
  std::vector<std::string> agents;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] == "header") agents.push_back(j.value("agent", "(none)"));
  }
  EXPECT_EQ(agents, (std::vector<std::string>{"random", "random", "expert", "expert"}));
  std::istringstream in(out.str());
  const ReplayReport report = replay_trace(in, "run.jsonl", reg);
  EXPECT_EQ(report.episodes, 4);
  EXPECT_EQ(report.agents, (std::vector<std::string>{"random", "expert"}));
}

}  // namespace
}  // namespace collab::agents
