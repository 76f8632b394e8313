#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>

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
          "/objects/1/attributes/wings: \"wings\": not an attribute",
          "/objects/2/synonyms/0: \"dog\" already names object \"dog\"",
          "/objects/2/attributes/alive: \"maybe\"", "/objects/2/attributes/big: missing",
          "/user/patience: 0: expected an integer in [2, 1000]"}) {
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

// ---- Strict scenarios (issue 14): a corpus of broken files, each problem asserted by its path.

using nlohmann::json;

// A small valid catalog: every rule holds (the spoon, in the test split, is at least 2 attributes
// away from every other object; every act's text form parses back to it).
json base_scenario() {
  return json::parse(R"({
    "task": "twenty_questions",
    "description": "A tiny catalog for validator tests.",
    "user": {"patience": 20, "max_wrong_guesses": 5,
             "personas": [{"name": "careful", "weight": 1.0, "noise": 0.0, "hints_category": false}]},
    "attributes": [
      {"name": "alive", "question": "Is it alive?", "phrases": ["alive", "living"]},
      {"name": "big", "question": "Is it bigger than a breadbox?", "phrases": ["bigger than a breadbox", "big"]},
      {"name": "metal", "question": "Is it made of metal?", "phrases": ["metal", "metallic"]},
      {"name": "wheels", "question": "Does it have wheels?", "phrases": ["wheels"]}
    ],
    "objects": [
      {"name": "dog", "synonyms": ["puppy"], "category": "animal", "split": "train",
       "attributes": {"alive": "yes", "big": "no", "metal": "no", "wheels": "no"}},
      {"name": "horse", "category": "animal",
       "attributes": {"alive": "yes", "big": "yes", "metal": "no", "wheels": "no"}},
      {"name": "bicycle", "synonyms": ["bike"], "category": "vehicle",
       "attributes": {"alive": "no", "big": "yes", "metal": "yes", "wheels": "yes"}},
      {"name": "spoon", "category": "household", "split": "test",
       "attributes": {"alive": "no", "big": "no", "metal": "yes", "wheels": "sometimes"}}
    ]})");
}

std::vector<std::string> problems_of(const std::string& name, const json& j) {
  return Catalog::problems(ScenarioFile{"corpus/" + name + ".json", "0", j});
}

struct Want {
  std::string path;  // the JSON path the problem names
  std::string says;  // a part of the message
};

struct Case {
  std::string name;
  std::function<void(json&)> mutate;
  std::vector<Want> want;
  bool only = true;  // no problem at any other path
};

std::vector<Case> broken_corpus() {
  const std::string did = "did you mean ";
  return {
      // Names that can never be typed.
      {"empty_object_name",
       [](json& j) { j["objects"][0]["name"] = ""; },
       {{"/objects/0/name", "\"\": expected a name with letters or digits"}}},
      {"name_without_letters",
       [](json& j) { j["objects"][1]["name"] = "?!"; },
       {{"/objects/1/name", "\"?!\": expected a name with letters or digits"}}},
      {"synonym_without_letters",
       [](json& j) {
         j["objects"][0]["synonyms"] = {"puppy", "--"};
       },
       {{"/objects/0/synonyms/1", "\"--\": expected a synonym with letters or digits"}}},
      {"synonym_not_a_string",
       [](json& j) { j["objects"][0]["synonyms"] = {7}; },
       {{"/objects/0/synonyms/0", "7: expected a synonym (a string)"}}},
      // Unknown keys at every level, with a did-you-mean.
      {"unknown_top_key",
       [](json& j) { j["descripton"] = "x"; },
       {{"/descripton", "unknown key \"descripton\" (" + did + "\"description\"?)"}}},
      {"misspelt_synonyms",
       [](json& j) { j["objects"][0]["synonym"] = {"pup"}; },
       {{"/objects/0/synonym", "unknown key \"synonym\" (" + did + "\"synonyms\"?)"}}},
      {"misspelt_patience",
       [](json& j) { j["user"]["patiense"] = 10; },
       {{"/user/patiense", "unknown key \"patiense\" (" + did + "\"patience\"?)"}}},
      {"misspelt_phrases",
       [](json& j) { j["attributes"][3]["phrase"] = {"wheel"}; },
       {{"/attributes/3/phrase", "(" + did + "\"phrases\"?)"}}},
      {"misspelt_persona_key",
       [](json& j) { j["user"]["personas"][0]["hint_category"] = true; },
       {{"/user/personas/0/hint_category", "(" + did + "\"hints_category\"?)"}}},
      {"unknown_attribute_value_key",
       [](json& j) {
         j["objects"][2]["attributes"]["wheel"] = "yes";
         j["objects"][2]["attributes"]["a/b"] = "no";
       },
       {{"/objects/2/attributes/wheel",
         "not an attribute declared in /attributes (" + did + "\"wheels\"?)"},
        {"/objects/2/attributes/a~1b", "\"a/b\": not an attribute declared"}}},
      {"unknown_key_without_near_match",
       [](json& j) { j["objects"][3]["zzzzzzzzzz"] = 1; },
       {{"/objects/3/zzzzzzzzzz",
         "unknown key \"zzzzzzzzzz\"; expected one of: name, synonyms, category, split, "
         "attributes"}}},
      // The README's rules.
      {"test_object_one_attribute_away",
       [](json& j) {
         j["objects"].push_back(
             {{"name", "fork"},
              {"category", "household"},
              {"attributes",
               {{"alive", "no"}, {"big", "no"}, {"metal", "yes"}, {"wheels", "no"}}}});
       },
       {{"/objects/3/attributes",
         "test object \"spoon\" differs in 1 attribute from \"fork\" at /objects/4 (only wheels: "
         "sometimes vs no); expected at least 2"}}},
      {"indistinguishable_objects",
       [](json& j) {
         json cat = j["objects"][0];
         cat["name"] = "cat";
         cat["synonyms"] = {"kitten"};
         j["objects"].push_back(cat);
       },
       {{"/objects/4/attributes", "same answers as object \"dog\" (/objects/0)"}}},
      {"no_test_split",
       [](json& j) { j["objects"][3]["split"] = "train"; },
       {{"/objects", "no test object"}}},
      {"bad_split",
       [](json& j) { j["objects"][1]["split"] = "dev"; },
       {{"/objects/1/split", "\"dev\": expected \"train\" or \"test\""}}},
      {"bad_and_missing_values",
       [](json& j) {
         j["objects"][1]["attributes"]["big"] = "maybe";
         j["objects"][1]["attributes"].erase("metal");
       },
       {{"/objects/1/attributes/big", "\"maybe\": expected \"yes\", \"no\" or \"sometimes\""},
        {"/objects/1/attributes/metal", "missing"}}},
      {"object_not_an_object",
       [](json& j) { j["objects"].push_back("kettle"); },
       {{"/objects/4", "\"kettle\": expected an object"}}},
      {"missing_and_empty_category",
       [](json& j) {
         j["objects"][0].erase("category");
         j["objects"][1]["category"] = " ";
       },
       {{"/objects/0/category", "missing; expected a category"},
        {"/objects/1/category", "\" \": expected a category with letters or digits"}}},
      // Names unique across the catalog.
      {"duplicate_object_name",
       [](json& j) { j["objects"][1]["name"] = "dog"; },
       {{"/objects/1/name", "\"dog\" already names object \"dog\""}}},
      {"synonym_names_another_object",
       [](json& j) { j["objects"][2]["synonyms"] = {"puppy"}; },
       {{"/objects/2/synonyms/0", "\"puppy\" already names object \"dog\""}}},
      {"synonym_repeats_own_name",
       [](json& j) {
         j["objects"][0]["synonyms"] = {"Dog", "puppy"};
       },
       {{"/objects/0/synonyms/0", "\"dog\": repeats a name or synonym of this object"}}},
      {"object_name_is_a_phrase",
       [](json& j) { j["objects"][3]["name"] = "metal"; },
       {{"/objects/3/name", "\"metal\" is also a phrase of attribute \"metal\""}}},
      {"uppercase_object_name",
       [](json& j) { j["objects"][1]["name"] = "Horse"; },
       {{"/objects/1/name", "\"Horse\": expected lowercase words"}}},
      // Attributes.
      {"duplicate_attribute_name",
       [](json& j) {
         j["attributes"].push_back(
             {{"name", "alive"}, {"question", "Does it breathe?"}, {"phrases", {"breathe"}}});
       },
       {{"/attributes/4/name", "duplicate attribute name \"alive\" (also /attributes/0)"}}},
      {"attribute_name_not_snake_case",
       [](json& j) {
         j["attributes"][3]["name"] = "Has Wheels";
         for (auto& o : j["objects"]) {
           o["attributes"]["Has Wheels"] = o["attributes"]["wheels"];
           o["attributes"].erase("wheels");
         }
       },
       {{"/attributes/3/name", "\"Has Wheels\": expected a snake_case identifier"}}},
      {"question_problems",
       [](json& j) {
         j["attributes"][0]["question"] = "";
         j["attributes"][1]["question"] = "Is it bigger than a breadbox";
         j["attributes"][2].erase("question");
       },
       {{"/attributes/0/question", "\"\": expected a yes/no question with letters or digits"},
        {"/attributes/1/question", "expected a question ending with '?'"},
        {"/attributes/2/question", "missing; expected a yes/no question"}}},
      {"phrase_problems",
       [](json& j) {
         j["attributes"][1]["phrases"] = {"big", "Big!", "alive"};
         j["attributes"][2]["phrases"] = json::array();
         j["attributes"][3]["phrases"] = "wheels";
       },
       {{"/attributes/1/phrases/1", "\"big\": repeats a phrase of this attribute"},
        {"/attributes/1/phrases/2", "phrase \"alive\" already belongs to attribute \"alive\""},
        {"/attributes/2/phrases", "[]: expected at least one phrase"},
        {"/attributes/3/phrases", "\"wheels\": expected an array of phrases"}}},
      {"no_attributes",
       [](json& j) {
         j["attributes"] = json::array();
         for (auto& o : j["objects"]) o["attributes"] = json::object();
       },
       {{"/attributes", "[]: expected at least one attribute"}},
       false},  // the objects, with no values at all, are also indistinguishable
      // The user.
      {"user_not_an_object",
       [](json& j) { j["user"] = json::array(); },
       {{"/user", "[]: expected an object"}}},
      {"patience_out_of_range",
       [](json& j) {
         j["user"]["patience"] = 1;
         j["user"]["max_wrong_guesses"] = 0;
       },
       {{"/user/patience", "1: expected an integer in [2, 1000]"},
        {"/user/max_wrong_guesses", "0: expected an integer in [1, 20]"}}},
      {"patience_not_an_integer",
       [](json& j) { j["user"]["patience"] = 12.5; },
       {{"/user/patience", "12.5: expected an integer in [2, 1000]"}}},
      {"more_wrong_guesses_than_questions",
       [](json& j) {
         j["user"]["patience"] = 8;
         j["user"]["max_wrong_guesses"] = 9;
       },
       {{"/user/max_wrong_guesses", "9: expected an integer in [1, 8] (at most patience"}}},
      {"duplicate_persona_names",
       [](json& j) {
         j["user"]["personas"].push_back({{"name", "careful"}, {"weight", 1}, {"noise", 0.1}});
       },
       {{"/user/personas/1/name", "duplicate persona name \"careful\" (also /user/personas/0)"}}},
      {"persona_ranges",
       [](json& j) {
         j["user"]["personas"] = {
             {{"name", "a"}, {"weight", 0}, {"noise", 0.7}},
             {{"name", "b"}, {"weight", -1}, {"noise", -0.1}, {"hints_category", "yes"}},
             {{"name", ""}, {"noise", 0.0}},
         };
       },
       {{"/user/personas/0/weight", "0: expected a number > 0"},
        {"/user/personas/0/noise", "0.7: expected a number in [0, 0.5]"},
        {"/user/personas/1/weight", "-1: expected a number > 0"},
        {"/user/personas/1/noise", "-0.1: expected a number in [0, 0.5]"},
        {"/user/personas/1/hints_category", "\"yes\": expected true or false"},
        {"/user/personas/2/name", "\"\": expected a persona name with letters or digits"},
        {"/user/personas/2/weight", "missing; expected a number"}}},
      {"no_personas",
       [](json& j) { j["user"]["personas"] = json::array(); },
       {{"/user/personas", "[]: expected at least one persona"}}},
      {"persona_not_an_object",
       [](json& j) { j["user"]["personas"].push_back(3); },
       {{"/user/personas/1", "3: expected an object"}}},
      // Openings.
      {"opening_problems",
       [](json& j) {
         j["user"]["openings"] = {"I'm thinking of {thing}.",
                                  "Pick one; {questions questions.",
                                  "",
                                  3,
                                  "Only {question} questions}",
                                  "Braces {{like this}}!"};
       },
       {{"/user/openings/0", "unknown placeholder {thing}; expected {questions}"},
        {"/user/openings/1", "unmatched '{' at character 10"},
        {"/user/openings/2", "\"\": expected an opening with letters or digits"},
        {"/user/openings/3", "3: expected an opening (a string)"},
        {"/user/openings/4", "unknown placeholder {question} (did you mean {questions}?)"}}},
      {"empty_openings",
       [](json& j) { j["user"]["openings"] = json::array(); },
       {{"/user/openings", "[]: expected at least one opening"}}},
      {"openings_not_an_array",
       [](json& j) { j["user"]["openings"] = "Hi"; },
       {{"/user/openings", "\"Hi\": expected an array of openings"}}},
      {"category_opening_problems",
       [](json& j) {
         j["user"]["category_opening"] = "It's a thing. {questions} questions.";
         j["user"]["openings"] = {"Which {category} is it?"};
       },
       {{"/user/category_opening", "expected the placeholder {category}"},
        {"/user/openings/0", "unknown placeholder {category}; expected {questions}"}}},
      {"stray_closing_brace",
       [](json& j) { j["user"]["category_opening"] = "{category} }"; },
       {{"/user/category_opening", "unmatched '}' at character 11"}}},
      // The top level.
      {"wrong_task_and_types",
       [](json& j) {
         j["task"] = "twenty_question";
         j["description"] = 5;
       },
       {{"/task", "\"twenty_question\": expected \"twenty_questions\""},
        {"/description", "5: expected a string"}}},
      {"missing_objects",
       [](json& j) { j.erase("objects"); },
       {{"/objects", "missing; expected an array"}}},
      // Text forms, checked with the latest parser (v2) once everything else holds: a question
      // about nothing the catalog records reads as ask_other.
      {"question_without_its_phrase",
       [](json& j) { j["attributes"][1]["question"] = "Is it large?"; },
       {{"/attributes/1/question", "\"Is it large?\" reads as ask_other; expected ask:big"}}},
      {"question_that_reads_as_a_guess",
       [](json& j) { j["attributes"][2]["question"] = "Is it a spoon, then?"; },
       {{"/attributes/2/question", "reads as guess:spoon; expected ask:metal"}}},
      {"name_shadowed_by_a_longer_synonym",
       [](json& j) { j["objects"][1]["synonyms"] = {"a dog"}; },
       {{"/objects/0/name", "\"Is it a dog?\" reads as guess:horse; expected guess:dog"}}},
  };
}

TEST(TwentyQuestionsCatalog, TextFormsAreCheckedWithTheParserOfTheVersionLoading) {
  // The legacy parser (v0, v1) takes any message naming an object after a cue as a guess; v2 reads
  // "a spoon, or some other metal thing" as a question about metal.
  json j = base_scenario();
  j["attributes"][2]["question"] = "Is it a spoon, or some other metal thing?";
  const ScenarioFile file{"corpus/legacy.json", "0", j};
  const auto v1 = Catalog::problems(file, 1);
  ASSERT_EQ(v1.size(), 1u);
  EXPECT_NE(v1[0].find("reads as guess:spoon; expected ask:metal"), std::string::npos) << v1[0];
  EXPECT_EQ(Catalog::problems(file, 2), std::vector<std::string>{});
}

TEST(TwentyQuestionsCatalog, TheBaseOfTheBrokenCorpusIsValid) {
  EXPECT_EQ(problems_of("base", base_scenario()), std::vector<std::string>{});
}

TEST(TwentyQuestionsCatalog, EveryBrokenScenarioIsReportedAtItsJsonPath) {
  for (const Case& c : broken_corpus()) {
    SCOPED_TRACE(c.name);
    json j = base_scenario();
    c.mutate(j);
    const std::string file = "corpus/" + c.name + ".json";
    const auto problems = problems_of(c.name, j);
    std::string all;
    for (const auto& p : problems) all += "  " + p + "\n";
    for (const Want& w : c.want) {
      const std::string head = file + ": " + w.path + ": ";
      const bool found = std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
        return p.rfind(head, 0) == 0 && p.find(w.says) != std::string::npos;
      });
      EXPECT_TRUE(found) << "expected \"" << head << "…" << w.says << "…\" in:\n" << all;
    }
    if (c.only) {
      for (const auto& p : problems) {
        const bool expected = std::any_of(c.want.begin(), c.want.end(), [&](const Want& w) {
          return p.rfind(file + ": " + w.path + ": ", 0) == 0;
        });
        EXPECT_TRUE(expected) << "unexpected problem: " << p;
      }
    }
  }
}

TEST(TwentyQuestionsCatalog, EveryProblemIsCollectedNotJustTheFirst) {
  json j = base_scenario();
  j["objects"][0]["name"] = "";
  j["user"]["patiense"] = 10;
  j["user"]["personas"][0]["noise"] = 0.9;
  j["attributes"][0]["question"] = "Alive";
  const std::string path = write_temp("tq_many.json", j.dump(2));
  try {
    TwentyQuestions::from_file(path);
    FAIL() << "expected ScenarioError";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.problems().size(), 4u) << e.what();
    for (const auto& p : e.problems()) EXPECT_EQ(p.rfind(path + ": /", 0), 0u) << p;
  }
}

TEST(TwentyQuestionsCatalog, ShippedScenariosAreValidUnderTheStrictRules) {
  for (const char* name : {"common", "small"}) {
    const std::string path = scenario_dir() + "/twenty_questions/" + name + ".json";
    EXPECT_EQ(Catalog::problems(load_scenario_file(path)), std::vector<std::string>{}) << path;
  }
}

TEST(TwentyQuestionsCatalog, OpeningTemplatesFillTheirPlaceholders) {
  EXPECT_EQ(fill_template("{questions} questions about a {category}, {{literally}}",
                          {{"questions", "12"}, {"category", "tool"}}),
            "12 questions about a tool, {literally}");
  EXPECT_EQ(template_problem("{questions} and {{}}", {"questions"}), std::nullopt);
  EXPECT_NE(template_problem("{}", {"questions"}), std::nullopt);  // no positional arguments
  EXPECT_NE(template_problem("{a{b}", {"questions"}), std::nullopt);
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
