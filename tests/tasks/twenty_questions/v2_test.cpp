// twenty_questions-v2: the larger catalog (and its validation report), replies that say what was
// understood, the honest "I can't say", and v0/v1 left exactly as they were.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "env/scenario.h"
#include "tests/tasks/twenty_questions/tq_test_util.h"

namespace collab::tasks::twenty_questions {
namespace {

using testing::act_index;
using testing::target;
using testing::tq;

Env make_v2(const nlohmann::json& options = nlohmann::json::object()) {
  return builtin_registry().make("twenty_questions-v2", options);
}

StepResult say(Env& env, const std::string& text) { return env.step(Action::from_text(text)); }

TEST(TwentyQuestionsV2, TheBareNameIsV2AndOlderVersionsKeepTheirCatalogAndParser) {
  EXPECT_EQ(builtin_registry().resolve("twenty_questions"), "twenty_questions-v2");
  for (const char* id : {"twenty_questions-v0", "twenty_questions-v1"}) {
    Env env = builtin_registry().make(id, {{"noise", 0.0}, {"reward", "terminal"}});
    const Catalog& c = tq(env).catalog();
    EXPECT_EQ(c.attributes.size(), 58u) << id;
    EXPECT_EQ(c.objects.size(), 309u) << id;
    EXPECT_EQ(env.task().acts().size(), 58u + 309u) << id;  // no ask_other
    // The legacy reading: "mammal" is a phrase of animal, the whole message is matched.
    EXPECT_EQ(tq(env).parse_text("Is it a mammal?"), act_index(env, "ask:animal")) << id;
    EXPECT_EQ(tq(env).parse_text("OK, so it's not an animal. Is it a plant?"),
              act_index(env, "ask:animal"))
        << id;
    env.reset(3);
    const StepResult r = say(env, "Is it alive?");
    EXPECT_TRUE(r.obs.text == "Yes." || r.obs.text == "No." ||
                r.obs.text == "Hmm, not sure. Sometimes.")
        << id << ": " << r.obs.text;
  }
  Env v2 = make_v2();
  const Catalog& c = tq(v2).catalog();
  EXPECT_GE(c.attributes.size(), 100u);
  EXPECT_EQ(c.objects.size(), 309u);
  EXPECT_EQ(v2.task().acts().size(), c.attributes.size() + c.objects.size() + 1);
  EXPECT_EQ(v2.task().acts().back(), kAskOther);
  EXPECT_EQ(v2.task().act_feature_names().size(), TwentyQuestions::kActFeatures);
}

TEST(TwentyQuestionsV2, RepliesSayWhatWasUnderstoodInThePersonasVoice) {
  const std::map<std::string, std::pair<std::string, std::string>> voices = {
      {"careful", {"Yes \u2014 ", "No \u2014 "}}, {"casual", {"Yep \u2014 ", "Nope \u2014 "}}};
  for (const auto& [persona, words] : voices) {
    Env env = make_v2({{"noise", 0.0}, {"persona", persona}, {"split", "all"}});
    for (uint64_t seed = 0; seed < 10; ++seed) {
      env.reset(seed);
      const Object& obj = target(env);
      const size_t mammal = static_cast<size_t>(act_index(env, "ask:mammal"));
      const StepResult r = say(env, "OK so. Would you say it's a mammal?");
      const Value v = obj.values[mammal];
      const std::string want = v == Value::kYes  ? words.first + "it is a mammal."
                               : v == Value::kNo ? words.second + "it is not a mammal."
                                                 : "";
      if (!want.empty()) {
        EXPECT_EQ(r.obs.text, want) << persona << " / " << obj.name;
      }
      EXPECT_EQ(r.info.act, act_index(env, "ask:mammal"));
    }
  }
}

TEST(TwentyQuestionsV2, AQuestionTheCatalogCannotAnswerGetsAnHonestNotSure) {
  Env env = make_v2({{"noise", 0.0}, {"reward", "terminal"}});
  const std::vector<float> before = env.reset(1).obs.features;
  const StepResult r = say(env, "Is it from France?");
  EXPECT_TRUE(r.info.understood);
  EXPECT_EQ(r.info.act, *tq(env).ask_other_act());
  EXPECT_NE(r.obs.text.find("can't really say"), std::string::npos) << r.obs.text;
  EXPECT_EQ(r.obs.text.rfind("Yes", 0), std::string::npos) << r.obs.text;
  EXPECT_EQ(r.obs.text.rfind("No", 0), std::string::npos) << r.obs.text;
  // Nothing was learned: only the question count moved.
  const auto& after = r.obs.features;
  const size_t na = tq(env).catalog().attributes.size();
  for (size_t i = 0; i < 2 * na + 1; ++i) EXPECT_EQ(after[i], before[i]) << i;
  EXPECT_FALSE(r.terminated);
}

TEST(TwentyQuestionsV2, ANonQuestionConfusesAndAGuessNeedsTheRightName) {
  Env env = make_v2({{"noise", 0.0}, {"reward", "terminal"}});
  env.reset(2);
  StepResult r = say(env, "Thanks, that helps.");
  EXPECT_FALSE(r.info.understood);
  EXPECT_NE(r.obs.text.find("I don't follow"), std::string::npos) << r.obs.text;
  const std::string goal = env.episode().goal();
  const std::string other = goal == "dog" ? "cat" : "dog";
  r = say(env, fmt::format("Hmm. My guess is {}.", with_article(other)));
  EXPECT_EQ(r.info.act, act_index(env, "guess:" + other));
  EXPECT_FALSE(r.terminated);
  r = say(env, fmt::format("That sounds like {} to me!", with_article(goal)));
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(env.episode().score().success);
}

TEST(TwentyQuestionsV2, ActModeStillWorksWithTheExtraAct) {
  Env env = make_v2({{"noise", 0.0}, {"reward", "terminal"}});
  env.reset(4);
  const int32_t other = *tq(env).ask_other_act();
  EXPECT_EQ(env.mask()[static_cast<size_t>(other)], 1);
  const StepResult r = env.step(Action::from_act(other));
  EXPECT_NE(r.obs.text.find("can't really say"), std::string::npos) << r.obs.text;
  EXPECT_EQ(tq(env).parse_text(tq(env).render_act(other)), other);
  const auto& af = r.obs.act_features;
  const size_t k = TwentyQuestions::kActFeatures;
  EXPECT_EQ(af[static_cast<size_t>(other) * k], 1.0f);      // is_question
  EXPECT_EQ(af[static_cast<size_t>(other) * k + 1], 0.0f);  // no yes share: nothing to learn
}

// The validation report: values that look inconsistent with the object's category or with another
// attribute. Each rule reads "if <condition> then <requirement>"; every object is checked.
TEST(TwentyQuestionsV2, CatalogValuesAreConsistentObjectByObject) {
  for (const char* file : {"common-v2.json", "small-v2.json"}) {
    const Catalog c = Catalog::load(
        load_scenario_file(scenario_dir() + "/twenty_questions/" + std::string(file)));
    std::map<std::string, size_t> index;
    for (size_t a = 0; a < c.attributes.size(); ++a) index[c.attributes[a].name] = a;
    std::vector<std::string> report;
    for (const auto& o : c.objects) {
      auto v = [&](const char* a) { return o.values.at(index.at(a)); };
      auto yes = [&](const char* a) { return v(a) == Value::kYes; };
      auto no = [&](const char* a) { return v(a) == Value::kNo; };
      auto rule = [&](bool ok, const char* what) {
        if (!ok) report.push_back(fmt::format("{} ({}): {}", o.name, o.category, what));
      };
      for (const auto& [attr, cat] :
           std::vector<std::pair<const char*, const char*>>{{"food", "food"},
                                                            {"vehicle", "vehicle"},
                                                            {"place", "place"},
                                                            {"household_item", "household"},
                                                            {"clothing", "clothing"},
                                                            {"electronic_device", "electronics"},
                                                            {"furniture", "furniture"},
                                                            {"sports_equipment", "sport"},
                                                            {"part_of_nature", "nature"}}) {
        rule(yes(attr) == (o.category == cat), "a category attribute disagrees with the category");
      }
      rule(!(o.category == "animal") || yes("animal"), "an animal that is not an animal");
      rule(!(o.category == "plant") || !no("plant"), "a plant that is not a plant");
      for (const char* cls : {"mammal", "bird", "fish", "reptile", "insect"}) {
        rule(no(cls) || yes("animal"), "an animal class on something that is not an animal");
      }
      rule(!(yes("animal") && no("has_legs")) || yes("fish") || yes("reptile") ||
               !no("lives_in_water"),
           "an animal with no legs that is not a fish, a snake or a water animal");
      rule(no("four_legs") || !no("has_legs"), "four legs but no legs");
      rule(no("two_legs") || !no("has_legs"), "two legs but no legs");
      rule(no("many_legs") || !no("has_legs") || o.name == "octopus", "many legs but no legs");
      rule(!yes("bird") || (yes("has_feathers") && yes("has_wings") && yes("lays_eggs")),
           "a bird without feathers, wings or eggs");
      rule(!yes("has_feathers") || yes("bird") || !yes("alive"), "feathers on a non-bird");
      rule(!yes("mammal") || (no("lays_eggs") && no("cold_blooded")), "an egg-laying mammal");
      rule(!yes("fish") || (yes("lives_in_water") && yes("has_fins") && yes("cold_blooded")),
           "a fish out of water");
      rule(!yes("insect") || yes("many_legs"), "an insect without six legs");
      rule(!yes("vehicle") || (yes("used_for_transport") && yes("man_made")),
           "a vehicle not used for transport");
      rule(!yes("food") || !no("edible"), "a food you cannot eat");
      for (const char* eaten : {"is_fruit", "is_vegetable", "dessert", "dairy", "baked", "is_drink",
                                "grain_food", "needs_cooking"}) {
        rule(no(eaten) || !no("edible"), "a kind of food that is not edible");
      }
      rule(no("is_fruit") || !no("fruit_or_vegetable"), "a fruit that is no fruit or vegetable");
      rule(no("is_vegetable") || !no("fruit_or_vegetable"), "a vegetable that is neither");
      rule(!yes("fruit_or_vegetable") || !no("is_fruit") || !no("is_vegetable"),
           "a fruit or vegetable that is neither a fruit nor a vegetable");
      rule(!yes("is_drink") || !no("liquid"), "a drink that is not liquid");
      rule(!yes("bigger_than_house") || !no("bigger_than_car"), "bigger than a house, not a car");
      rule(!yes("bigger_than_car") || !no("bigger_than_person"), "bigger than a car, not a person");
      rule(!yes("bigger_than_person") || !no("bigger_than_breadbox"),
           "bigger than a person, not a breadbox");
      rule(!yes("fits_in_pocket") || (!no("fits_in_hand") && !yes("bigger_than_breadbox")),
           "fits in a pocket but not in a hand");
      rule(!yes("tiny") || !no("fits_in_pocket"), "smaller than a coin, not pocket-sized");
      rule(no("uses_batteries") || !no("needs_power"), "batteries without power");
      rule(no("plugs_in") || !no("needs_power"), "plugs in without power");
      rule(!yes("electronic_device") || !no("needs_power"), "electronics without power");
      for (const char* w : {"worn_on_head", "worn_on_feet", "worn_on_hands", "jewelry"}) {
        rule(no(w) || !no("worn"), "worn somewhere but not worn");
      }
      rule(no("has_wheels_four") || !no("has_wheels"), "four wheels but no wheels");
      rule(no("two_wheels") || !no("has_wheels"), "two wheels but no wheels");
      rule(no("lives_in_sea") || !no("lives_in_water"), "lives in the sea, not in water");
      for (const char* living : {"lives_in_water", "wild", "domesticated", "farm_animal",
                                 "eats_meat", "nocturnal", "mammal", "cold_blooded"}) {
        rule(no(living) || !no("alive"), "a property of living things on something not alive");
      }
      rule(!yes("farm_animal") || !no("domesticated"), "a farm animal that is not domesticated");
      rule(!yes("pet") || !no("domesticated"), "a pet that is not domesticated");
      rule(no("is_flower") || yes("plant"), "a flower that is not a plant");
      rule(no("has_leaves") || !no("plant") || !no("fruit_or_vegetable"), "leaves on a non-plant");
      rule(!yes("musical_instrument") || yes("plays_music"), "an instrument that plays no music");
      rule(v("natural") == (v("man_made") == Value::kYes  ? Value::kNo
                            : v("man_made") == Value::kNo ? Value::kYes
                                                          : Value::kSometimes),
           "natural is not the opposite of man-made");
    }
    std::string all;
    for (const auto& r : report) all += "  " + r + "\n";
    EXPECT_TRUE(report.empty()) << file << ": " << report.size() << " inconsistent values:\n"
                                << all;
    EXPECT_TRUE(Catalog::problems(
                    load_scenario_file(scenario_dir() + "/twenty_questions/" + std::string(file)))
                    .empty())
        << file;
  }
}

TEST(TwentyQuestionsV2, SmallScenarioAgreesWithTheFullCatalog) {
  const Catalog big =
      Catalog::load(load_scenario_file(scenario_dir() + "/twenty_questions/common-v2.json"));
  const Catalog small =
      Catalog::load(load_scenario_file(scenario_dir() + "/twenty_questions/small-v2.json"));
  ASSERT_EQ(small.attributes.size(), big.attributes.size());
  for (const auto& o : small.objects) {
    const auto it = std::find_if(big.objects.begin(), big.objects.end(),
                                 [&](const Object& b) { return b.name == o.name; });
    ASSERT_NE(it, big.objects.end()) << o.name;
    EXPECT_EQ(o.values, it->values) << o.name;
  }
}

}  // namespace
}  // namespace collab::tasks::twenty_questions
