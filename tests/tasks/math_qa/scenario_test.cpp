// math_qa scenario validation: every problem reported at once, with the file and JSON path.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/tasks/math_qa/mq_test_util.h"

namespace collab::tasks::math_qa {
namespace {

TEST(MathQaScenario, ShippedScenariosValidate) {
  const auto& reg = builtin_registry();
  const std::string dflt = reg.default_scenario_path("math_qa-v0");
  EXPECT_TRUE(reg.validate("math_qa-v0", dflt).empty());
  EXPECT_TRUE(reg.validate("math_qa-v0", dflt.substr(0, dflt.rfind('/')) + "/fixed.json").empty());
  EXPECT_GE(testing::task().setup().problems.size(), 30u);
  EXPECT_EQ(testing::task().acts().size(), 2 * testing::task().slots() + 1);
}

TEST(MathQaScenario, TheDescriptionCountsOnlyTheKindsOfProblemTheScenarioHas) {
  const auto& reg = builtin_registry();
  const std::string dflt = reg.default_scenario_path("math_qa-v0");
  const std::string templates = reg.task("math_qa-v0")->description();
  const std::string fixed =
      reg.task("math_qa-v0", dflt.substr(0, dflt.rfind('/')) + "/fixed.json")->description();
  EXPECT_NE(templates.find(" templates)"), std::string::npos) << templates;
  EXPECT_EQ(templates.find("fixed problems"), std::string::npos) << templates;  // not "0 fixed"
  EXPECT_NE(fixed.find(" fixed problems)"), std::string::npos) << fixed;
  EXPECT_EQ(fixed.find("templates"), std::string::npos) << fixed;
}

TEST(MathQaScenario, EveryProblemIsReportedWithItsPath) {
  const std::string path = ::testing::TempDir() + "/bad_math_qa.json";
  std::ofstream(path) << R"({
    "task": "math_qa", "colour": 1,
    "units": {"km": {"dimension": "length", "factor": 1000, "say": ["km"]},
              "h": {"dimension": "time", "factor": 3600, "say": ["hours", "km"]}},
    "dimensions": {"length": ["how far"], "time": ["how long"]},
    "user": {"personas": [{"name": "p", "weight": 1, "openings": {"complete": 1, "sometimes": 1},
                           "patience": 2}]},
    "templates": [
      {"id": "t1", "split": "both", "statement": "Go {distance} at {speed}. {extra}",
       "variables": [
         {"name": "distance", "label": "the distance", "unit": "km", "range": [10, 5], "guess": 1,
          "phrases": ["distance"], "missing": "far", "blur": {"vague": "far"}},
         {"name": "speed", "label": "the speed", "unit": "mph", "range": [1, 2], "guess": 1,
          "phrases": ["distance"], "missing": "fast", "wings": 2}],
       "solve": "distance / sped", "answer": {"label": "the time", "unit": "h"}},
      {"id": "t2", "split": "sometimes", "statement": "x {a}", "variables": [
         {"name": "a", "label": "a", "range": [1, 2], "guess": 1, "phrases": [], "missing": "m"}],
       "solve": "a - 5", "answer": {"label": "y"}}
    ]})";
  const auto problems = builtin_registry().validate("math_qa-v0", path);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  for (const char* where :
       {"/colour: unknown key", "/units/km/say/0: \"km\" already means unit \"h\"",
        "/user/personas/0/patience", "/user/personas/0/openings/sometimes: unknown key",
        "/templates/0/statement: placeholder {extra}", "/templates/0/variables/0/range",
        "/templates/0/variables/0/blur/vague", "/templates/0/variables/1/unit: unknown unit \"mph\"",
        "/templates/0/variables/1/wings: unknown key",
        "/templates/0/variables/1/phrases/0: \"distance\" already names variable \"distance\"",
        "/templates/0/solve: \"distance / sped\": at 11: unknown name 'sped'",
        "/templates/1/split", "/templates/1: no instance meets the constraints"}) {
    EXPECT_NE(all.find(std::string(": ") + where), std::string::npos) << where << "\n" << all;
  }
  EXPECT_NE(all.find(path), std::string::npos);
}

}  // namespace
}  // namespace collab::tasks::math_qa
