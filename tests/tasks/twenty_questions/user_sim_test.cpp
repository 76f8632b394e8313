#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "env/error.h"
#include "tests/tasks/twenty_questions/tq_test_util.h"

namespace collab::tasks::twenty_questions {
namespace {

using testing::act_index;
using testing::make_env;
using testing::target;
using testing::tq;

std::string expected_answer(Value v) {
  return v == Value::kYes ? "Yes." : v == Value::kNo ? "No." : "Hmm, not sure. Sometimes.";
}

TEST(TwentyQuestionsUser, AnswersFollowTheCatalogWithoutNoise) {
  Env env =
      make_env({{"noise", 0.0}, {"split", "all"}, {"reward", "terminal"}, {"max_turns", 100}});
  const auto& attrs = tq(env).catalog().attributes;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    env.reset(seed);
    const Object& obj = target(env);
    // Ask 19 questions (the 20th would end the game), rotating through the attributes.
    for (size_t k = 0; k < 19; ++k) {
      const size_t a = (seed + k * 7) % attrs.size();
      if (!env.mask()[a]) continue;
      const StepResult r = env.step(Action::from_act(static_cast<int32_t>(a)));
      EXPECT_EQ(r.obs.text, expected_answer(obj.values[a])) << obj.name << " / " << attrs[a].name;
    }
  }
}

TEST(TwentyQuestionsUser, NoiseFlipsYesNoAnswersAtTheGivenRate) {
  Env env = make_env({{"noise", 0.3}, {"split", "all"}, {"reward", "terminal"}});
  const auto& attrs = tq(env).catalog().attributes;
  int flips = 0, clear = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    env.reset(seed);
    const Object& obj = target(env);
    for (size_t a = 0; a < 10; ++a) {
      const StepResult r = env.step(Action::from_act(static_cast<int32_t>(a)));
      if (obj.values[a] == Value::kSometimes) {
        EXPECT_EQ(r.obs.text, expected_answer(Value::kSometimes));  // borderline: always unsure
        continue;
      }
      ++clear;
      flips += r.obs.text != expected_answer(obj.values[a]);
    }
  }
  const double rate = static_cast<double>(flips) / clear;
  EXPECT_NEAR(rate, 0.3, 0.04) << flips << " of " << clear;
  (void)attrs;
}

TEST(TwentyQuestionsUser, PatienceEndsTheGameAtTwentyQuestions) {
  Env env = make_env({{"reward", "terminal"}});
  env.reset(3);
  StepResult r;
  for (int q = 0; q < 20; ++q) {
    ASSERT_FALSE(env.done()) << "ended early at " << q;
    r = env.step(Action::from_act(q));  // ask:<attribute q>
  }
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.truncated);
  EXPECT_NE(r.obs.text.find("out of questions"), std::string::npos) << r.obs.text;
  EXPECT_NE(r.obs.text.find(env.episode().goal()), std::string::npos);
  EXPECT_FALSE(env.score().success);
  EXPECT_EQ(env.score().task, 0.0);
}

TEST(TwentyQuestionsUser, RepeatedQuestionIsRedundantAndAnsweredAgain) {
  Env env = make_env({{"noise", 0.0}, {"reward", "terminal"}});
  env.reset(5);
  const StepResult first = env.step(Action::from_text("Is it alive?"));
  EXPECT_EQ(first.info.event, Event::kInformative);
  // The act channel refuses a repeat (masked); the text channel answers it as said.
  EXPECT_THROW(env.step(Action::from_act(act_index(env, "ask:alive"))), InvalidAction);
  const StepResult again = env.step(Action::from_text("Is it a living thing?"));
  EXPECT_EQ(again.info.event, Event::kRedundant);
  EXPECT_NE(again.obs.text.find("already"), std::string::npos);
  EXPECT_NE(again.obs.text.find(first.obs.text), std::string::npos);
  EXPECT_EQ(env.turn(), 2);
}

TEST(TwentyQuestionsUser, CorrectGuessWinsWithAScoreThatFallsWithQuestions) {
  Env env = make_env({{"reward", "terminal"}});
  env.reset(8);
  const std::string goal = env.episode().goal();
  env.step(Action::from_text("Is it alive?"));
  env.step(Action::from_text("Is it round?"));
  const StepResult r = env.step(Action::from_text("Is it a " + goal + "?"));
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.info.success);
  EXPECT_DOUBLE_EQ(r.info.score, 1.0 - 0.5 * 2 / 19);
  EXPECT_EQ(env.episode().score_components()["questions_used"], 3);
}

TEST(TwentyQuestionsUser, UserGivesUpAfterFiveWrongGuesses) {
  Env env = make_env({{"reward", "terminal"}});
  env.reset(9);
  const auto& objs = tq(env).catalog().objects;
  const std::string goal = env.episode().goal();
  int wrong = 0;
  StepResult r;
  for (const auto& o : objs) {
    if (o.name == goal) continue;
    r = env.step(Action::from_act(act_index(env, "guess:" + o.name)));
    EXPECT_NE(r.obs.text.find("No, it's not"), std::string::npos);
    if (++wrong == 5) break;
    EXPECT_FALSE(r.terminated);
  }
  EXPECT_TRUE(r.terminated);
  EXPECT_NE(r.obs.text.find("give up"), std::string::npos) << r.obs.text;
  EXPECT_EQ(env.episode().score_components()["gave_up"], true);
  EXPECT_FALSE(env.score().success);
}

TEST(TwentyQuestionsUser, GuessingARuledOutObjectIgnoresTheAnswers) {
  Env env = make_env({{"noise", 0.0}, {"reward", "terminal"}});
  env.reset(10);
  const auto& objs = tq(env).catalog().objects;
  const size_t alive = static_cast<size_t>(act_index(env, "ask:alive"));
  const Value v = target(env).values[alive];
  env.step(Action::from_act(static_cast<int32_t>(alive)));
  // An object whose "alive" value contradicts the answer.
  for (const auto& o : objs) {
    if (v != Value::kSometimes && o.values[alive] != v && o.values[alive] != Value::kSometimes) {
      const StepResult r = env.step(Action::from_act(act_index(env, "guess:" + o.name)));
      EXPECT_EQ(r.info.event, Event::kIgnored);
      return;
    }
  }
}

TEST(TwentyQuestionsUser, OpeningIsVagueAndUnparsedTextIsConfusing) {
  Env env = make_env({{"reward", "terminal"}});
  for (uint64_t seed = 0; seed < 30; ++seed) {
    const ResetResult rr = env.reset(seed);
    EXPECT_EQ(rr.obs.text.find(env.episode().goal()), std::string::npos) << rr.obs.text;
  }
  const StepResult r = env.step(Action::from_text("tell me a joke"));
  EXPECT_FALSE(r.info.understood);
  EXPECT_NE(r.obs.text.find("don't follow"), std::string::npos);
  EXPECT_EQ(env.episode().score_components()["questions_used"], 1);  // it still costs a question
}

TEST(TwentyQuestionsUser, SplitsSampleTheirOwnObjects) {
  Env env = make_env({{"split", "test"}, {"reward", "terminal"}});
  for (uint64_t seed = 0; seed < 100; ++seed) {
    env.reset(seed);
    EXPECT_TRUE(target(env).test);
  }
  env.reset(0, {{"split", "train"}});
  EXPECT_FALSE(target(env).test);
  EXPECT_THROW(env.reset(0, {{"split", "validation"}}), InvalidOption);
  EXPECT_THROW(make_env({{"noise", 0.9}}), InvalidOption);
  EXPECT_THROW(make_env({{"persona", "nobody"}}), InvalidOption);
}

}  // namespace
}  // namespace collab::tasks::twenty_questions

namespace collab::tasks::twenty_questions {
namespace {

TEST(TwentyQuestionsUser, PersonasShapeTheOpeningAndTheNoise) {
  Env chatty = testing::make_env({{"persona", "chatty"}, {"reward", "terminal"}});
  const ResetResult rr = chatty.reset(1);
  EXPECT_NE(rr.obs.text.find(testing::target(chatty).category), std::string::npos) << rr.obs.text;
  // The sampled persona mix includes noisy users: over many episodes some answer is wrong.
  Env mixed = testing::make_env({{"split", "all"}, {"reward", "terminal"}});
  int wrong = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    mixed.reset(seed);
    const Object& obj = testing::target(mixed);
    for (size_t a = 0; a < 10; ++a) {
      const StepResult r = mixed.step(Action::from_act(static_cast<int32_t>(a)));
      if (obj.values[a] == Value::kYes) wrong += r.obs.text == "No.";
      if (obj.values[a] == Value::kNo) wrong += r.obs.text == "Yes.";
    }
  }
  EXPECT_GT(wrong, 0);
}

}  // namespace
}  // namespace collab::tasks::twenty_questions

// ---- Openings come from the scenario (issue 14).

namespace collab::tasks::twenty_questions {
namespace {

const char* kInstruments = R"({
  "task": "twenty_questions",
  "description": "Musical instruments.",
  "user": {
    "patience": 15, "max_wrong_guesses": 3,
    "personas": [{"name": "player", "weight": 1, "noise": 0},
                 {"name": "fan", "weight": 1, "noise": 0, "hints_category": true}],
    "openings": ["I'm thinking of a musical instrument. You have {questions} yes-or-no questions.",
                 "Name that instrument in {questions} questions!"],
    "category_opening": "It's an instrument from the {category} family. {questions} questions."
  },
  "attributes": [
    {"name": "strings", "question": "Does it have strings?", "phrases": ["strings", "stringed"]},
    {"name": "blown", "question": "Do you blow into it?", "phrases": ["blow", "blown", "wind instrument"]},
    {"name": "keys", "question": "Does it have keys?", "phrases": ["keys", "keyboard"]},
    {"name": "electric", "question": "Does it need electricity?", "phrases": ["electricity", "electric"]},
    {"name": "hit", "question": "Do you hit it to play it?", "phrases": ["hit", "strike"]},
    {"name": "brass", "question": "Is it made of brass?", "phrases": ["brass"]},
    {"name": "bigger_than_person", "question": "Is it bigger than a person?", "phrases": ["bigger than a person", "big"]},
    {"name": "bow", "question": "Is it played with a bow?", "phrases": ["bow"]},
    {"name": "reed", "question": "Does it use a reed?", "phrases": ["reed"]}
  ],
  "objects": [
    {"name": "violin", "category": "string", "attributes": {"strings": "yes", "blown": "no", "keys": "no", "electric": "no", "hit": "no", "brass": "no", "bigger_than_person": "no", "bow": "yes", "reed": "no"}},
    {"name": "cello", "category": "string", "attributes": {"strings": "yes", "blown": "no", "keys": "no", "electric": "no", "hit": "no", "brass": "no", "bigger_than_person": "yes", "bow": "yes", "reed": "no"}},
    {"name": "guitar", "category": "string", "attributes": {"strings": "yes", "blown": "no", "keys": "no", "electric": "sometimes", "hit": "no", "brass": "no", "bigger_than_person": "no", "bow": "no", "reed": "no"}},
    {"name": "trumpet", "category": "brass", "attributes": {"strings": "no", "blown": "yes", "keys": "no", "electric": "no", "hit": "no", "brass": "yes", "bigger_than_person": "no", "bow": "no", "reed": "no"}},
    {"name": "tuba", "category": "brass", "attributes": {"strings": "no", "blown": "yes", "keys": "no", "electric": "no", "hit": "no", "brass": "yes", "bigger_than_person": "yes", "bow": "no", "reed": "no"}},
    {"name": "flute", "category": "woodwind", "attributes": {"strings": "no", "blown": "yes", "keys": "no", "electric": "no", "hit": "no", "brass": "no", "bigger_than_person": "no", "bow": "no", "reed": "no"}},
    {"name": "clarinet", "category": "woodwind", "attributes": {"strings": "no", "blown": "yes", "keys": "yes", "electric": "no", "hit": "no", "brass": "no", "bigger_than_person": "no", "bow": "no", "reed": "yes"}},
    {"name": "saxophone", "synonyms": ["sax"], "category": "woodwind", "attributes": {"strings": "no", "blown": "yes", "keys": "yes", "electric": "no", "hit": "no", "brass": "yes", "bigger_than_person": "no", "bow": "no", "reed": "yes"}},
    {"name": "synthesizer", "synonyms": ["synth"], "category": "keyboard", "attributes": {"strings": "no", "blown": "no", "keys": "yes", "electric": "yes", "hit": "no", "brass": "no", "bigger_than_person": "no", "bow": "no", "reed": "no"}},
    {"name": "drum", "synonyms": ["drums", "drum kit"], "category": "percussion", "split": "test", "attributes": {"strings": "no", "blown": "no", "keys": "no", "electric": "no", "hit": "yes", "brass": "no", "bigger_than_person": "no", "bow": "no", "reed": "no"}},
    {"name": "piano", "category": "keyboard", "split": "test", "attributes": {"strings": "yes", "blown": "no", "keys": "yes", "electric": "no", "hit": "no", "brass": "no", "bigger_than_person": "yes", "bow": "no", "reed": "no"}}
  ]})";

std::string write_scenario(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

std::set<std::string> openings_over_seeds(Env& env, uint64_t seeds) {
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < seeds; ++seed) seen.insert(env.reset(seed).obs.text);
  return seen;
}

TEST(TwentyQuestionsUser, ACustomCatalogSpeaksItsOwnOpenings) {
  const std::string path = write_scenario("tq_instruments.json", kInstruments);
  Env player = make_env({{"scenario", path}, {"persona", "player"}, {"reward", "terminal"}});
  EXPECT_EQ(tq(player).catalog().objects.size(), 11u);
  const std::set<std::string> want = {
      "I'm thinking of a musical instrument. You have 15 yes-or-no questions.",
      "Name that instrument in 15 questions!"};
  EXPECT_EQ(openings_over_seeds(player, 60), want);

  Env fan = make_env({{"scenario", path}, {"persona", "fan"}, {"reward", "terminal"}});
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const std::string text = fan.reset(seed).obs.text;
    EXPECT_EQ(text,
              "It's an instrument from the " + target(fan).category + " family. 15 questions.");
    EXPECT_EQ(text.find("everyday"), std::string::npos);
  }
  // The catalog plays: its text forms parse back, so the expert can solve it.
  fan.reset(3);
  EXPECT_EQ(fan.step(Action::from_text("Is it a " + fan.episode().goal() + "?")).info.understood,
            true);
}

TEST(TwentyQuestionsUser, TheShippedScenariosKeepTodaysOpenings) {
  const std::vector<std::string> today = {
      "I'm thinking of something. You have 20 yes-or-no questions to find it.",
      "Guess what I have in mind! Ask me up to 20 yes-or-no questions.",
      "I've picked an everyday thing. 20 questions, go.",
  };
  for (const char* name : {"common", "small"}) {
    const std::string path = scenario_dir() + "/twenty_questions/" + name + ".json";
    Env careful = make_env({{"scenario", path}, {"persona", "careful"}, {"reward", "terminal"}});
    EXPECT_EQ(openings_over_seeds(careful, 60), std::set<std::string>(today.begin(), today.end()))
        << path;
    Env chatty = make_env({{"scenario", path}, {"persona", "chatty"}, {"reward", "terminal"}});
    for (uint64_t seed = 0; seed < 10; ++seed) {
      const std::string text = chatty.reset(seed).obs.text;
      EXPECT_EQ(text, "I'm thinking of something in the category \"" + target(chatty).category +
                          "\". You have 20 questions.");
    }
  }
  // Without "openings" a catalog gets the same three templates.
  EXPECT_EQ(Catalog{}.openings, Catalog::default_openings());
  EXPECT_EQ(Catalog{}.openings.size(), 3u);
}

// new_episode (task.cpp) must draw the opening variant from openings.size(), not a fixed 3.
TEST(TwentyQuestionsUser, EveryOpeningOfTheScenarioCanBeDrawn) {
  nlohmann::json j = nlohmann::json::parse(kInstruments);
  j["user"]["openings"] = {"One: {questions}.", "Two: {questions}.", "Three: {questions}.",
                           "Four: {questions}.", "Five: {questions}."};
  const std::string path = write_scenario("tq_five_openings.json", j.dump());
  Env env = make_env({{"scenario", path}, {"persona", "player"}, {"reward", "terminal"}});
  EXPECT_EQ(openings_over_seeds(env, 200).size(), 5u);
}

}  // namespace
}  // namespace collab::tasks::twenty_questions
