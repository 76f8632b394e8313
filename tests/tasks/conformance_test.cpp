// The checker run over every registered environment id (DESIGN §3): determinism, cloning, errors,
// masks, text round trips and trace replay. A new task gets all of this by registering.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>
#include <fstream>
#include <sstream>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "env/error.h"
#include "env/trace.h"
#include "env/vector_env.h"
#include "tasks/register_all.h"

namespace collab {
namespace {

const Registry& reg() { return tasks::builtin_registry(); }

// The text form of `act` in the env's current state (its composed content, rendered).
std::string said(const Env& env, int32_t act) {
  return env.episode().render(act, env.episode().compose(act));
}

// Plays one episode with the random agent, sending every other action as text, into a trace.
std::string play_traced(Env& env, uint64_t seed) {
  std::ostringstream out;
  TraceWriter trace(out);
  auto agent = agents::make_agent("random");
  ResetResult rr = env.reset(seed);
  trace.begin(env, rr);
  Observation obs = rr.obs;
  while (!env.done()) {
    Rng rng = agents::policy_rng(env);
    Action a = agents::decide(*agent, env, obs, rng);
    if (env.turn() % 2 == 1) a = Action::from_text(said(env, *a.act));
    StepResult r = env.step(a);
    trace.step(env, a, r);
    obs = std::move(r.obs);
  }
  return out.str();
}

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  Env make(const nlohmann::json& o = {{"mr_samples", 2}}) { return reg().make(GetParam(), o); }
};

TEST_P(Conformance, SameSeedGivesTheSameTraceByteForByte) {
  Env a = make(), b = make();
  const std::string ta = play_traced(a, 123);
  const std::string tb = play_traced(b, 123);
  EXPECT_FALSE(ta.empty());
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, play_traced(a, 124));
}

TEST_P(Conformance, DifferentSeedsGiveDifferentGoals) {
  Env env = make();
  std::set<std::string> goals;
  for (uint64_t s = 0; s < 20; ++s) {
    env.reset(s);
    goals.insert(env.episode().goal());
  }
  EXPECT_GT(goals.size(), 1u);
}

TEST_P(Conformance, CloneReplaysIdenticallyAndLeavesTheOriginalAlone) {
  Env env = make();
  // A mid-episode state: two random steps from the first seed (from 77 on) that leaves the
  // episode running (in some tasks a random act may end it at once).
  auto agent = agents::make_agent("random");
  Observation obs;
  for (uint64_t seed = 77; seed < 177; ++seed) {
    obs = env.reset(seed).obs;
    for (int i = 0; i < 2 && !env.done(); ++i) {
      Rng rng = agents::policy_rng(env);
      obs = env.step(agents::decide(*agent, env, obs, rng)).obs;
    }
    if (!env.done()) break;
  }
  ASSERT_FALSE(env.done()) << "no seed in [77, 177) survives two random steps";
  const Observation before = env.observe();
  const int turn_before = env.turn();

  Env copy = env.clone();
  std::vector<Action> actions;
  std::vector<StepResult> copy_results;
  Observation cobs = before;
  while (!copy.done()) {
    Rng rng = agents::policy_rng(copy);
    actions.push_back(agents::decide(*agent, copy, cobs, rng));
    copy_results.push_back(copy.step(actions.back()));
    cobs = copy_results.back().obs;
  }
  // The original did not move.
  EXPECT_EQ(env.turn(), turn_before);
  EXPECT_EQ(env.observe().features, before.features);
  EXPECT_EQ(env.observe().action_mask, before.action_mask);
  // And the same actions give the same results.
  for (size_t i = 0; i < actions.size(); ++i) {
    const StepResult r = env.step(actions[i]);
    const StepResult& c = copy_results[i];
    EXPECT_EQ(r.obs.text, c.obs.text);
    EXPECT_EQ(r.obs.features, c.obs.features);
    EXPECT_EQ(r.obs.action_mask, c.obs.action_mask);
    EXPECT_EQ(r.reward, c.reward);
    EXPECT_EQ(r.terminated, c.terminated);
    EXPECT_EQ(r.truncated, c.truncated);
  }
  EXPECT_TRUE(env.done());
}

TEST_P(Conformance, ContractViolationsRaise) {
  Env env = make();
  EXPECT_THROW(env.step(Action::from_act(0)), ResetNeeded);
  env.reset(5);
  EXPECT_THROW(env.step(Action::from_act(env.num_acts())), InvalidAction);
  EXPECT_THROW(env.step(Action::from_act(-1)), InvalidAction);
  EXPECT_THROW(env.step(Action{}), InvalidAction);
  // Play to the end with the expert, looking for a masked act on the way.
  std::optional<int32_t> masked;
  auto expert = agents::make_agent("expert");
  Observation obs = env.observe();
  while (!env.done()) {
    for (size_t a = 0; a < obs.action_mask.size() && !masked; ++a) {
      if (!obs.action_mask[a]) {
        masked = static_cast<int32_t>(a);
        try {
          env.step(Action::from_act(*masked));
          ADD_FAILURE() << "masked act " << a << " was accepted";
        } catch (const InvalidAction& e) {
          EXPECT_NE(std::string(e.what()).find(env.task().acts()[a]), std::string::npos)
              << "the message should name the act: " << e.what();
        }
      }
    }
    Rng rng = agents::policy_rng(env);
    obs = env.step(agents::decide(*expert, env, obs, rng)).obs;
  }
  EXPECT_THROW(env.step(Action::from_act(0)), ResetNeeded);
}

TEST_P(Conformance, MasksAndFeaturesMatchTheSpec) {
  Env env = make();
  const auto spec = env.spec();
  const size_t n_acts = spec["acts"].size();
  const size_t n_feats = spec["features"].size();
  EXPECT_EQ(spec["action_space"]["n"].get<size_t>(), n_acts);
  std::set<std::string> unique(env.task().acts().begin(), env.task().acts().end());
  EXPECT_EQ(unique.size(), n_acts) << "act names must be unique";
  auto agent = agents::make_agent("random");
  for (uint64_t seed = 0; seed < 5; ++seed) {
    ResetResult rr = env.reset(seed);
    Observation obs = rr.obs;
    while (true) {
      ASSERT_EQ(obs.action_mask.size(), n_acts);
      ASSERT_EQ(obs.features.size(), n_feats);
      for (float f : obs.features) ASSERT_TRUE(std::isfinite(f));
      if (env.done()) break;
      size_t legal = 0;
      for (auto m : obs.action_mask) legal += m;
      ASSERT_GT(legal, 0u) << "no legal act at turn " << env.turn();
      Rng rng = agents::policy_rng(env);
      obs = env.step(agents::decide(*agent, env, obs, rng)).obs;
    }
  }
}

TEST_P(Conformance, EveryActsRenderingParsesBackToItAndItsContent) {
  Env env = make();
  env.reset(1);
  for (int32_t a = 0; a < env.num_acts(); ++a) {
    const Content c = env.episode().compose(a);
    const std::string text = env.episode().render(a, c);
    const Parsed p = env.episode().parse(text);
    EXPECT_EQ(p.act, std::optional<int32_t>(a))
        << env.task().acts()[static_cast<size_t>(a)] << " renders as \"" << text << "\"";
    EXPECT_EQ(p.content, c) << text;
  }
}

TEST_P(Conformance, TheAgentsTextReachesTheEpisode) {
  // Sending an act's rendering as text does what the act does, and the episode receives the text
  // and its content (info.agent_text / info.content); both channels together use the text.
  Env env = make({{"reward", "terminal"}});
  auto agent = agents::make_agent("random");
  for (uint64_t seed = 0; seed < 4; ++seed) {
    Observation obs = env.reset(seed).obs;
    while (!env.done()) {
      Rng rng = agents::policy_rng(env);
      const int32_t a = *agents::decide(*agent, env, obs, rng).act;
      const std::string text = said(env, a);
      Env by_act = env.clone(), by_both = env.clone();
      const StepResult ra = by_act.step(Action::from_act(a));
      const StepResult rb = by_both.step(Action{text, a});
      const StepResult rt = env.step(Action::from_text(text));
      ASSERT_EQ(rt.info.act, std::optional<int32_t>(a)) << text;
      EXPECT_EQ(rt.info.agent_text, text);
      EXPECT_EQ(rt.info.content, ra.info.content) << text;
      EXPECT_EQ(rt.obs.text, ra.obs.text) << text;
      EXPECT_EQ(rb.obs.text, ra.obs.text) << text;
      EXPECT_EQ(rb.info.agent_text, text);
      EXPECT_EQ(ra.info.agent_text, text) << "act mode says the rendering";
      obs = rt.obs;
    }
  }
}

TEST_P(Conformance, ActFeaturesHaveTheSpecShapeAndAreDeterministic) {
  Env a = make(), b = make();
  const auto& spec = a.spec();
  const size_t A = spec["acts"].size(), K = spec["act_features"].size();
  EXPECT_EQ(spec["observation_space"]["act_features"]["shape"], nlohmann::json({A, K}));
  EXPECT_EQ(static_cast<size_t>(a.num_act_features()), K);
  auto agent = agents::make_agent("random");
  for (uint64_t seed = 0; seed < 3; ++seed) {
    Observation oa = a.reset(seed).obs, ob = b.reset(seed).obs;
    while (true) {
      ASSERT_EQ(oa.act_features.size(), A * K);
      for (float f : oa.act_features) ASSERT_TRUE(std::isfinite(f));
      ASSERT_EQ(oa.act_features, ob.act_features);
      ASSERT_EQ(a.observe().act_features, oa.act_features) << "observe() agrees with step()";
      if (a.done()) break;
      Rng rng = agents::policy_rng(a);
      const Action act = agents::decide(*agent, a, oa, rng);
      oa = a.step(act).obs;
      ob = b.step(act).obs;
    }
  }
}

// Every observation lies in the bounds spec() publishes (Gymnasium's Boxes): each feature in its
// declared range and each act-feature column in its own, for random, passive and expert play,
// every persona the task offers, garbled text turns, and a turn limit far above the task's own
// (so the user's patience, not the limit, bounds the counts).
TEST_P(Conformance, FeaturesStayWithinTheDeclaredRanges) {
  const Env probe = make();
  const auto& spec = probe.spec();
  const auto& fs = spec["observation_space"]["features"];
  const auto& afs = spec["observation_space"]["act_features"];
  const size_t F = spec["features"].size(), K = spec["act_features"].size();
  ASSERT_EQ(fs["low"].size(), F);
  ASSERT_EQ(fs["high"].size(), F);
  ASSERT_EQ(afs["low"].size(), K);
  ASSERT_EQ(afs["high"].size(), K);
  const auto ranges = probe.task().feature_ranges();
  const auto act_ranges = probe.task().act_feature_ranges();
  for (size_t i = 0; i < F; ++i) {
    EXPECT_TRUE(ranges[i].bounded()) << "a built-in task bounds every feature: " << spec["features"][i];
    EXPECT_LE(ranges[i].low, ranges[i].high) << spec["features"][i];
    EXPECT_EQ(fs["low"][i].get<float>(), ranges[i].low);
  }
  for (size_t k = 0; k < K; ++k) {
    EXPECT_TRUE(act_ranges[k].bounded()) << spec["act_features"][k];
    EXPECT_EQ(afs["high"][k].get<float>(), act_ranges[k].high);
  }
  std::vector<nlohmann::json> personas = {nullptr};
  if (spec["options"].contains("persona")) {
    for (const auto& p : spec["options"]["persona"]["choices"]) personas.push_back(p);
  }
  int observations = 0;
  for (const char* who : {"random", "passive", "expert"}) {
    auto agent = agents::make_agent(who);
    for (size_t p = 0; p < personas.size(); ++p) {
      nlohmann::json o = {{"reward", "terminal"}, {"max_turns", 200}};
      if (!personas[p].is_null()) o["persona"] = personas[p];
      Env env = make(o);
      for (uint64_t seed = 0; seed < 12; ++seed) {
        Observation obs = env.reset(seed * 31 + p).obs;
        while (true) {
          ++observations;
          for (size_t i = 0; i < F; ++i) {
            ASSERT_GE(obs.features[i], ranges[i].low) << who << " " << spec["features"][i];
            ASSERT_LE(obs.features[i], ranges[i].high) << who << " " << spec["features"][i];
          }
          for (size_t j = 0; j < obs.act_features.size(); ++j) {
            const auto& r = act_ranges[j % K];
            ASSERT_GE(obs.act_features[j], r.low) << who << " " << spec["act_features"][j % K];
            ASSERT_LE(obs.act_features[j], r.high) << who << " " << spec["act_features"][j % K];
          }
          if (env.done()) break;
          Rng rng = agents::policy_rng(env);
          Action a = agents::decide(*agent, env, obs, rng);
          if (std::string(who) == "random" && env.turn() % 3 == 2) a = Action::from_text("hmm");
          obs = env.step(a).obs;
        }
      }
    }
  }
  EXPECT_GT(observations, 100);
}

TEST_P(Conformance, PoliciesAndActFeaturesAreBlindToTheHiddenGoal) {
  // Play the same act sequence from many seeds; wherever two episodes have the same dialogue so
  // far (opening and every reply) but different hidden goals, the expert and the passive policy
  // must decide the same, and the features and act features must be equal. Anything that peeks at
  // the goal fails this for some pair.
  Env env = make({{"reward", "terminal"}});
  const Task& task = env.task();
  int compared_at_all = 0;
  for (int prefix = 0; prefix <= 2; ++prefix) {
    std::vector<int32_t> script;
    {
      env.reset(uint64_t{1000});
      for (int k = 0; k < prefix && !env.done(); ++k) {
        Rng rng(7);
        const Action x = task.expert(env.episode(), rng);
        script.push_back(*x.act);
        env.step(x);
      }
    }
    struct Seen {
      std::string goal, choice;
      std::vector<float> features, act_features;
    };
    std::map<std::string, Seen> seen;  // by dialogue
    int compared = 0;
    for (uint64_t seed = 0; seed < 300; ++seed) {
      std::string dialogue = env.reset(seed).obs.text;
      bool ok = true;
      for (int32_t act : script) {
        if (env.done() || !env.observe().action_mask[static_cast<size_t>(act)]) {
          ok = false;
          break;
        }
        dialogue.push_back('\n');
        dialogue.append(env.step(Action::from_act(act)).obs.text);
      }
      if (!ok || env.done()) continue;
      Rng r1(99), r2(99);
      const Action e = task.expert(env.episode(), r1), p = task.passive(env.episode(), r2);
      const Observation obs = env.observe();
      Seen now{env.episode().goal(),
               fmt::format("{}|{}|{}|{}", e.act.value_or(-1), e.text, p.act.value_or(-1), p.text),
               obs.features, obs.act_features};
      auto [it, fresh] = seen.emplace(dialogue, now);
      if (!fresh && it->second.goal != now.goal) {
        ++compared;
        // The policies, the features and the act features see the dialogue, not the goal.
        EXPECT_EQ(it->second.choice, now.choice)
            << "same dialogue, goals " << it->second.goal << " and " << now.goal << ":\n"
            << dialogue;
        EXPECT_EQ(it->second.features, now.features) << "features differ for goals "
                                                     << it->second.goal << " and " << now.goal;
        EXPECT_EQ(it->second.act_features, now.act_features)
            << "act features differ for goals " << it->second.goal << " and " << now.goal;
      }
    }
    compared_at_all += compared;
  }
  // Deeper prefixes may find no pairs in tasks whose replies reveal most of the goal (math_qa
  // states numbers); the check must compare something somewhere, or it proves nothing.
  EXPECT_GT(compared_at_all, 0) << "no two episodes shared a dialogue; the check compared nothing";
}

TEST_P(Conformance, TracesReplayExactlyAndTamperingIsCaught) {
  Env env = make();
  std::string trace = play_traced(env, 9) + play_traced(env, 10);
  // Format 2: every agent line records what its act carried.
  std::istringstream lines(trace);
  int agent_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] == "header") {
      EXPECT_EQ(j["format"], "collabgym-trace/2");
    }
    if (j.value("who", "") == "agent") {
      ++agent_lines;
      EXPECT_TRUE(j.contains("content")) << line;
    }
  }
  EXPECT_GT(agent_lines, 1);
  std::istringstream in(trace);
  const ReplayReport report = replay_trace(in, "trace", reg());
  EXPECT_EQ(report.episodes, 2);
  EXPECT_GT(report.steps, 1);

  // Change one user reply: replay must fail and say where.
  const auto pos = trace.find("\"who\":\"user\"", trace.find("\"turn\":1"));
  ASSERT_NE(pos, std::string::npos);
  const auto text_pos = trace.find("\"text\":\"", pos) + 8;
  trace.insert(text_pos, "X");
  std::istringstream bad(trace);
  try {
    replay_trace(bad, "trace", reg());
    FAIL() << "tampered trace replayed";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("trace:"), std::string::npos) << e.what();
  }
}

// The random agent's actions for one episode of `env` from `seed` (text-free, act channel).
std::vector<int32_t> random_actions(Env env, uint64_t seed) {
  auto agent = agents::make_agent("random");
  std::vector<int32_t> acts;
  agents::play_episode(env, *agent, seed, nlohmann::json::object(), nullptr, &acts);
  return acts;
}

TEST_P(Conformance, ImmediateEqualsMrWithAZeroWindow) {
  Env imm = make({{"reward", "immediate"}});
  Env mr0 = make({{"reward", "mr"}, {"mr_window", 0}});
  for (uint64_t seed = 0; seed < 3; ++seed) {
    imm.reset(seed);
    mr0.reset(seed);
    for (int32_t a : random_actions(make({{"reward", "terminal"}}), seed)) {
      EXPECT_DOUBLE_EQ(imm.step(Action::from_act(a)).reward, mr0.step(Action::from_act(a)).reward);
    }
  }
}

TEST_P(Conformance, MrDeltaSumsToFinalRewardMinusStartPotential) {
  for (const char* policy : {"expert", "random"}) {
    Env env = make({{"reward", "mr_delta"}, {"rollout_policy", policy}});
    for (uint64_t seed = 0; seed < 3; ++seed) {
      env.reset(seed);
      const double phi0 = env.conversation_reward();
      double sum = 0;
      for (int32_t a : random_actions(make({{"reward", "terminal"}}), seed)) {
        sum += env.step(Action::from_act(a)).reward;
      }
      ASSERT_TRUE(env.done());
      EXPECT_NEAR(sum, env.conversation_reward() - phi0, 1e-9) << policy << " seed " << seed;
    }
  }
}

TEST_P(Conformance, MrDoesNotDisturbTheRealEpisode) {
  Env with_mr = make({{"reward", "mr"}, {"mr_samples", 4}, {"rollout_policy", "random"}});
  Env without = make({{"reward", "terminal"}});
  with_mr.reset(31);
  without.reset(31);
  for (int32_t a : random_actions(make({{"reward", "terminal"}}), 31)) {
    const StepResult x = with_mr.step(Action::from_act(a));
    const StepResult y = without.step(Action::from_act(a));
    EXPECT_EQ(x.obs.text, y.obs.text);
    EXPECT_EQ(x.obs.features, y.obs.features);
    EXPECT_EQ(x.info.reward.total, y.info.reward.total);
    EXPECT_EQ(x.terminated, y.terminated);
  }
}

TEST_P(Conformance, MrIsDeterministicWhateverTheThreadCount) {
  const Env proto = make({{"reward", "mr"}, {"rollout_policy", "random"}});
  auto run = [&](int threads) {
    VectorEnv v(proto, 6, threads);
    const VectorBatch* b = &v.reset(11);
    std::vector<double> rewards;
    Rng rng(5);
    for (int t = 0; t < 12; ++t) {
      std::vector<int32_t> acts(6);
      for (size_t i = 0; i < 6; ++i) {
        std::vector<int32_t> legal;
        for (int a = 0; a < b->num_acts; ++a) {
          if (b->masks[i * static_cast<size_t>(b->num_acts) + static_cast<size_t>(a)])
            legal.push_back(a);
        }
        acts[i] = legal.empty() ? 0 : legal[rng.below(legal.size())];
      }
      b = &v.step(acts);
      rewards.insert(rewards.end(), b->rewards.begin(), b->rewards.end());
    }
    return rewards;
  };
  EXPECT_EQ(run(1), run(2));
}

// The lowercase words of `text` (runs of letters and digits; '_' separates) of 3+ characters,
// without the function words that any two texts share by chance.
std::set<std::string> words_of(const std::string& text) {
  static const std::set<std::string> kFunction = {"the", "and", "for", "with", "from", "that",
                                                  "this", "not", "are", "any", "all", "its",
                                                  "you", "your", "one", "has", "was", "but"};
  std::set<std::string> out;
  std::string w;
  for (size_t i = 0; i <= text.size(); ++i) {
    const unsigned char c = i < text.size() ? static_cast<unsigned char>(text[i]) : ' ';
    if (std::isalnum(c)) {
      w.push_back(static_cast<char>(std::tolower(c)));
    } else {
      if (w.size() >= 3 && !kFunction.contains(w)) out.insert(w);
      w.clear();
    }
  }
  return out;
}

TEST_P(Conformance, InstructionsAreTheSameForEveryGoalAndNameNoneOfThem) {
  // The agent-facing instructions (env/instructions.h) come from the task and scenario, never the
  // episode: equal for every split, before and after resets, and free of every word that tells
  // one goal from another (the words some goals' descriptions have and others lack).
  Env env = make({{"split", "all"}, {"max_turns", 7}});
  const std::string text = env.spec().at("instructions").get<std::string>();
  ASSERT_GE(text.size(), 80u) << "instructions too short to tell an agent anything: " << text;
  EXPECT_NE(text.find('7'), std::string::npos) << "the turn limit is not stated:\n" << text;
  EXPECT_EQ(text.find("{max_turns}"), std::string::npos) << "an unfilled placeholder:\n" << text;
  for (const char* split : {"train", "test"}) {
    Env other = make({{"split", split}, {"max_turns", 7}});
    EXPECT_EQ(other.spec().at("instructions"), text) << split;
  }
  std::vector<std::set<std::string>> goals;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    env.reset(seed);
    goals.push_back(words_of(env.episode().goal()));
    EXPECT_EQ(env.spec().at("instructions"), text);
  }
  std::set<std::string> in_all = goals.front(), in_some;
  for (const auto& g : goals) {
    in_some.insert(g.begin(), g.end());
    std::set<std::string> keep;
    for (const auto& w : in_all) {
      if (g.contains(w)) keep.insert(w);
    }
    in_all = std::move(keep);
  }
  size_t varying = 0;
  for (const auto& w : in_some) {
    if (in_all.contains(w)) continue;
    ++varying;
    EXPECT_FALSE(words_of(text).contains(w))
        << "the instructions name '" << w << "', which only some goals have:\n" << text;
  }
  EXPECT_GT(varying, 0u) << "the goals did not differ; the check compared nothing";
}

INSTANTIATE_TEST_SUITE_P(AllRegistered, Conformance, ::testing::ValuesIn(reg().ids()),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (auto& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

TEST(Trace, Version1TracesAreRefusedWithAReason) {
  Env env = reg().make("twenty_questions");
  std::string trace = play_traced(env, 3);
  const auto pos = trace.find("collabgym-trace/2");
  ASSERT_NE(pos, std::string::npos);
  trace = trace.substr(0, pos) + "collabgym-trace/1" + trace.substr(pos + 17);
  std::istringstream in(trace);
  try {
    replay_trace(in, "old.jsonl", reg());
    FAIL() << "a v1 trace replayed";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("record it again"), std::string::npos) << e.what();
  }
}

TEST(Registry, ValidateReturnsEveryProblemWithoutThrowing) {
  const std::string path = testing::TempDir() + "/bad_guess_number.json";
  std::ofstream(path) << R"({"task": "guess_number", "low": 5, "high": 2, "patience": 0,
                            "thresholds": [1, "x"], "colour": 1})";
  const auto problems = reg().validate("guess_number", path);
  ASSERT_GE(problems.size(), 4u);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  for (const char* where : {"/high", "/patience", "/thresholds/1", "/colour"}) {
    EXPECT_NE(all.find(std::string(": ") + where + ":"), std::string::npos) << where << "\n" << all;
  }
  EXPECT_NE(all.find(path), std::string::npos) << all;
  EXPECT_TRUE(reg().validate("guess_number", reg().default_scenario_path("guess_number")).empty());
}

TEST(Registry, ScenarioInstructionsReplaceTheTasksAndAreValidated) {
  const std::string base = reg().default_scenario_path("guess_number");
  std::ifstream in(base);
  nlohmann::json j = nlohmann::json::parse(in);
  j["instructions"] = {"Play nicely.", "You have {max_turns} turns; {{braces}} stay."};
  const std::string good = testing::TempDir() + "/gn_instructions.json";
  std::ofstream(good) << j.dump();
  Env env = reg().make("guess_number", {{"scenario", good}, {"max_turns", 9}});
  EXPECT_EQ(env.spec().at("instructions"), "Play nicely.\nYou have 9 turns; {braces} stay.");
  const std::pair<nlohmann::json, const char*> bad[] = {
      {"", "empty"},
      {"Use {turns} turns.", "unknown placeholder {turns}"},
      {"An open { brace", "unmatched '{'"},
      {nlohmann::json::array({"ok", 3}), "/instructions/1"},
      {nlohmann::json::array(), "a string or a non-empty array"},
      {42, "a string or a non-empty array"},
      {std::string(20000, 'x'), "at most"}};
  for (const auto& [value, expect] : bad) {
    j["instructions"] = value;
    const std::string path = testing::TempDir() + "/gn_bad_instructions.json";
    std::ofstream(path) << j.dump();
    std::string all;
    for (const auto& p : reg().validate("guess_number", path)) all += p + "\n";
    EXPECT_NE(all.find(expect), std::string::npos) << value.dump().substr(0, 40) << ":\n" << all;
    EXPECT_NE(all.find("/instructions"), std::string::npos) << all;
  }
}

TEST(Registry, UnknownIdsSuggestNearOnes) {
  try {
    reg().make("twenty_question-v0");
    FAIL() << "expected UnknownTask";
  } catch (const UnknownTask& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean twenty_questions-v0"), std::string::npos)
        << e.what();
  }
  try {
    reg().make("twenty_questions-v9");
    FAIL() << "expected UnknownTask";
  } catch (const UnknownTask& e) {
    EXPECT_NE(std::string(e.what()).find("v0, v1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(reg().resolve("twenty_questions"), "twenty_questions-v2");  // the latest
  EXPECT_THROW(reg().make("nothing-like-it"), UnknownTask);
}

}  // namespace
}  // namespace collab
