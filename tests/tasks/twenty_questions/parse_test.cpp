#include <gtest/gtest.h>

#include "tests/tasks/twenty_questions/tq_test_util.h"

namespace collab::tasks::twenty_questions {
namespace {

using testing::act_index;
using testing::make_env;

struct Case {
  const char* text;
  const char* act;  // nullptr: parses to nothing
};

// Natural phrasings and the act a reasonable reader takes them to mean.
constexpr Case kCases[] = {
    {"Is it alive?", "ask:alive"},
    {"Is it a living thing?", "ask:alive"},
    {"IS IT ALIVE???", "ask:alive"},
    {"Does it breathe?", "ask:alive"},
    {"Can you eat it?", "ask:edible"},
    {"is it food", "ask:edible"},
    {"Would I find it in a kitchen?", "ask:found_in_kitchen"},
    {"Is it something you cook with?", "ask:found_in_kitchen"},
    {"Is it an animal?", "ask:animal"},
    {"Is it a mammal?", "ask:animal"},
    {"Is it a plant?", "ask:plant"},
    {"Does it have wheels?", "ask:has_wheels"},
    {"Has it got legs?", "ask:has_legs"},
    {"Can it fly?", "ask:can_fly"},
    {"Does it fly through the air?", "ask:can_fly"},
    {"Is it made of metal?", "ask:made_of_metal"},
    {"Is it wooden?", "ask:made_of_wood"},
    {"Is it bigger than a breadbox?", "ask:bigger_than_breadbox"},
    {"Is it bigger than a car?", "ask:bigger_than_car"},
    {"Is it bigger than a dog?", "ask:bigger_than_breadbox"},
    {"Is it heavier than a horse?", "ask:heavier_than_person"},
    {"Would it fit in your hand?", "ask:fits_in_hand"},
    {"Is it electronic?", "ask:needs_power"},
    {"Does it need batteries?", "ask:needs_power"},
    {"Is it dangerous?", "ask:dangerous"},
    {"Is it expensive?", "ask:costs_over_100_dollars"},
    {"Is it usually found outdoors?", "ask:found_outdoors"},
    {"Do people keep it as a pet?", "ask:pet"},
    {"Does it lay eggs?", "ask:lays_eggs"},
    {"Is it a fruit?", "ask:fruit_or_vegetable"},
    {"Does it taste sweet?", "ask:sweet"},
    {"Does it make noise?", "ask:makes_sound"},
    {"Is it something you wear?", "ask:worn"},
    {"Is it used in sports?", "ask:sport_or_game"},
    {"Is it a tool?", "ask:is_tool"},
    {"Can you go inside it?", "ask:can_go_inside"},
    {"Is it furry?", "ask:furry"},
    {"Does it have a screen?", "ask:has_screen"},
    {"Is it a liquid?", "ask:liquid"},
    {"Is it used for cleaning?", "ask:used_for_cleaning"},
    {"Is it a dog?", "guess:dog"},
    {"is it a puppy", "guess:dog"},
    {"Is it an apple?", "guess:apple"},
    {"My guess is a cat.", "guess:cat"},
    {"I think it's a horse", "guess:horse"},
    {"Could it be a kitten?", "guess:cat"},
    {"elephant?", "guess:elephant"},
    {"Is it a bald eagle?", "guess:eagle"},
    {"hello there", nullptr},
    {"What's the weather like?", nullptr},
    {"", nullptr},
    {"?!", nullptr},
};

TEST(TwentyQuestionsParse, NaturalPhrasingsMapToTheRightAct) {
  Env env = make_env();
  env.reset(0);
  int checked = 0;
  for (const Case& c : kCases) {
    const auto got = env.episode().parse(c.text).act;
    if (c.act == nullptr) {
      EXPECT_FALSE(got.has_value())
          << '"' << c.text << "\" parsed to " << env.task().acts()[static_cast<size_t>(*got)];
    } else {
      const int32_t want = act_index(env, c.act);
      ASSERT_GE(want, 0) << "no act " << c.act;
      ASSERT_TRUE(got.has_value()) << '"' << c.text << "\" parsed to nothing";
      EXPECT_EQ(env.task().acts()[static_cast<size_t>(*got)], c.act) << '"' << c.text << '"';
      ++checked;
    }
  }
  EXPECT_GE(checked, 40);
}

TEST(TwentyQuestionsParse, EverySynonymIsAGuessOfItsObject) {
  Env env = make_env();
  env.reset(0);
  for (const auto& o : testing::tq(env).catalog().objects) {
    for (const auto& s : o.synonyms) {
      const auto got = env.episode().parse("Is it " + s + "?").act;
      ASSERT_TRUE(got.has_value()) << s;
      EXPECT_EQ(env.task().acts()[static_cast<size_t>(*got)], "guess:" + o.name) << s;
    }
  }
}

}  // namespace
}  // namespace collab::tasks::twenty_questions
