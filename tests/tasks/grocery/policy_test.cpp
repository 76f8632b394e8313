// The mission's scenario: ordering before asking scores low, the expert scores high, and MR
// prefers asking for the address over adding an item at the opening turn. Plus the scenario
// checks and the simulated user's objections.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "env/error.h"
#include "tests/tasks/grocery/gr_test_util.h"

namespace collab::tasks::grocery {
namespace {

double mean_score(const char* policy, int episodes, double* success = nullptr) {
  Env env = testing::make_env({{"split", "test"}, {"reward", "terminal"}});
  double total = 0;
  int ok = 0;
  for (int s = 0; s < episodes; ++s) {
    env.reset(static_cast<uint64_t>(s));
    while (!env.done()) {
      Rng rng(static_cast<uint64_t>(s));
      env.step(std::string(policy) == "expert" ? env.task().expert(env.episode(), rng)
                                               : env.task().passive(env.episode(), rng));
    }
    total += env.episode().score().task;
    ok += env.episode().score().success;
  }
  if (success != nullptr) *success = static_cast<double>(ok) / episodes;
  return total / episodes;
}

TEST(GroceryPolicies, OrderingBeforeAskingScoresLowAndTheExpertHigh) {
  double success = 0;
  EXPECT_LE(mean_score("passive", 200), 0.2);
  EXPECT_GE(mean_score("expert", 200, &success), 0.9);
  EXPECT_GE(success, 0.9);
}

TEST(GroceryMr, AskingTheAddressFirstBeatsAddingAnItemFirst) {
  double ask = 0, add = 0;
  const int n = 40;
  for (uint64_t s = 0; s < n; ++s) {
    for (int first = 0; first < 2; ++first) {
      Env env = testing::make_env({{"split", "test"}, {"reward", "mr"}, {"mr_samples", 3}});
      env.reset(s);
      Rng rng(s);
      const int32_t a = first == 0 ? testing::task().ask_act(Slot::kAddress)
                                   : *env.task().passive(env.episode(), rng).act;  // adds at once
      if (first == 1) {
        ASSERT_TRUE(testing::task().is_add(a));
      }
      (first == 0 ? ask : add) += env.step(Action::from_act(a)).info.reward.mr;
    }
  }
  EXPECT_GT(ask / n, add / n + 0.05);
}

TEST(GroceryUser, OpeningsAreVagueByPersona) {
  const Grocery& t = testing::task();
  EXPECT_EQ(t.make_game(testing::profile("u002"), testing::persona("terse"))->opening(),
            "Help me buy groceries on the delivery app.");
  const auto busy = t.make_game(testing::profile("u002"), testing::persona("busy"));
  EXPECT_NE(busy->opening().find("I shop at FreshMart"), std::string::npos) << busy->opening();
  EXPECT_NE(busy->opening().find("oat milk"), std::string::npos) << busy->opening();
  EXPECT_EQ(busy->opening().find("Portland"), std::string::npos) << "the city is not volunteered";
}

TEST(GroceryUser, ObjectsToUnwantedItemsNamingTheDiet) {
  // u002 is vegan, in Portland; whole milk is not vegan and not on the list.
  auto g = testing::task().make_game(testing::profile("u002"), testing::persona("terse"));
  Rng rng(1);
  Content c;
  c.number = 1;
  g->respond({testing::act("choose_store:freshmart_portland"), c, "", false}, rng);
  const UserReply r = g->respond({testing::act("add:horizon_whole_milk_1_gal"), c, "", false}, rng);
  EXPECT_NE(r.text.find("I didn't ask for whole milk"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("I'm vegan"), std::string::npos) << r.text;
  EXPECT_EQ(g->state().objections, 1);
  // An answer to a question says what was asked and nothing else.
  const UserReply b = g->respond({testing::act("ask:budget"), c, "", false}, rng);
  EXPECT_EQ(b.event, std::optional<Event>(Event::kInformative));
  EXPECT_EQ(b.text.find("Portland"), std::string::npos) << b.text;
  const UserReply again = g->respond({testing::act("ask:budget"), c, "", false}, rng);
  EXPECT_EQ(again.event, std::optional<Event>(Event::kRedundant));
}

TEST(GroceryScenario, ProblemsNameTheFileAndTheJsonPath) {
  auto j =
      nlohmann::json::parse(std::ifstream(builtin_registry().default_scenario_path("grocery-v0")));
  j["stores"][2]["products"][5]["price"] = "cheap";
  j["profiles"][0]["colour"] = "blue";
  j["profiles"][1]["store"] = "nowhere_mart";
  const std::string path = ::testing::TempDir() + "broken_grocery.json";
  std::ofstream(path) << j.dump();
  try {
    Grocery::from_file(path);
    FAIL() << "a broken scenario loaded";
  } catch (const ScenarioError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("broken_grocery.json: /stores/2/products/5/price"), std::string::npos) << m;
    EXPECT_NE(m.find("/profiles/0/colour: unknown key"), std::string::npos) << m;
    EXPECT_NE(m.find("/profiles/1/store: \"nowhere_mart\": no such store"), std::string::npos) << m;
  }
  std::remove(path.c_str());
}

TEST(GroceryScenario, TheShippedCatalogIsBigEnough) {
  const grocery::Setup& s = testing::task().setup();
  std::set<std::string> cities;
  for (const auto& st : s.stores) {
    cities.insert(st.city);
    EXPECT_GE(std::count_if(st.items.begin(), st.items.end(),
                            [](const auto& x) { return x.has_value(); }),
              150)
        << st.id;
  }
  EXPECT_GE(cities.size(), 4u);
  EXPECT_GE(s.profiles.size(), 120u);
  for (const auto& p : s.profiles) {
    EXPECT_GE(p.items.size(), 3u);
    EXPECT_LE(p.items.size(), 10u);
  }
}

}  // namespace
}  // namespace collab::tasks::grocery
