#include <gtest/gtest.h>

#include <fstream>

#include "env/error.h"
#include "tests/tasks/twenty_questions/tq_test_util.h"

namespace collab::tasks::twenty_questions {
namespace {

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

TEST(TwentyQuestionsCatalog, ShippedCatalogMeetsTheSpec) {
  Env env = testing::make_env();
  const Catalog& c = testing::tq(env).catalog();
  EXPECT_GE(c.objects.size(), 150u);
  EXPECT_GE(c.attributes.size(), 25u);
  size_t test = 0;
  std::set<std::string> categories;
  for (const auto& o : c.objects) {
    test += o.test;
    categories.insert(o.category);
  }
  EXPECT_GE(test, 30u);
  EXPECT_GE(c.objects.size() - test, 100u);
  EXPECT_GE(categories.size(), 6u);
  for (const auto& a : c.attributes) EXPECT_FALSE(a.phrases.empty()) << a.name;
}

TEST(TwentyQuestionsCatalog, SmallScenarioLoads) {
  Env env = testing::make_env({{"scenario", scenario_dir() + "/twenty_questions/small.json"}});
  EXPECT_EQ(testing::tq(env).catalog().objects.size(), 16u);
  EXPECT_EQ(env.spec()["scenario"]["objects"], 16);
}

TEST(TwentyQuestionsCatalog, EveryProblemIsReportedWithItsJsonPath) {
  const std::string path = write_temp("tq_bad.json", R"({
    "task": "twenty_questions",
    "attributes": [
      {"name": "alive", "question": "Is it alive?", "phrases": ["alive", "living"]},
      {"name": "big", "question": "Is it big?", "phrases": ["living"]}
    ],
    "objects": [
      {"name": "dog", "category": "animal", "attributes": {"alive": "yes", "big": "no"}},
      {"name": "Cat", "category": "animal", "split": "dev", "attributes": {"alive": "yes", "big": "no", "wings": "no"}},
      {"name": "puppy", "synonyms": ["dog"], "category": "animal", "attributes": {"alive": "maybe"}}
    ],
    "user": {"patience": 0}
  })");
  try {
    TwentyQuestions::from_file(path);
    FAIL() << "expected ScenarioError";
  } catch (const ScenarioError& e) {
    const std::string m = e.what();
    for (const char* want :
         {"/attributes/1/phrases/0: phrase \"living\" already belongs",
          "/objects/1/name: \"Cat\": expected lowercase", "/objects/1/split: \"dev\"",
          "/objects/1/attributes/wings: not an attribute",
          "/objects/2/synonyms/0: \"dog\" already names object \"dog\"",
          "/objects/2/attributes/alive: \"maybe\"", "/objects/2/attributes/big: missing",
          "/user/patience: 0: expected an integer in [1, 1000]"}) {
      EXPECT_NE(m.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << m;
    }
    EXPECT_NE(m.find(path), std::string::npos);
  }
}

TEST(TwentyQuestionsCatalog, IndistinguishableObjectsAreAProblem) {
  const std::string path = write_temp("tq_twins.json", R"({
    "task": "twenty_questions",
    "attributes": [{"name": "alive", "question": "Is it alive?", "phrases": ["alive"]}],
    "objects": [
      {"name": "dog", "category": "animal", "attributes": {"alive": "yes"}},
      {"name": "cat", "category": "animal", "split": "test", "attributes": {"alive": "yes"}}
    ]})");
  try {
    TwentyQuestions::from_file(path);
    FAIL() << "expected ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("same answers as object \"dog\""), std::string::npos)
        << e.what();
  }
}

TEST(TwentyQuestionsCatalog, UnreadableFilesFailClearly) {
  EXPECT_THROW(TwentyQuestions::from_file("/nonexistent/x.json"), ScenarioError);
  const std::string path = write_temp("tq_broken.json", "{ not json");
  try {
    TwentyQuestions::from_file(path);
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos);
  }
}

}  // namespace
}  // namespace collab::tasks::twenty_questions
