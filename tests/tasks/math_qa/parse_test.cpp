// The math_qa text channel: which act a message means and the number an answer carries. Cases are
// written as people write (terse and chatty), across templates; none is a rendering of an act.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "tests/tasks/math_qa/mq_test_util.h"

namespace collab::tasks::math_qa {
namespace {

struct Case {
  const char* problem;
  const char* missing;  // a variable the opening left out ("" = none)
  const char* text;
  const char* want;  // "ask:<var>", "confirm:<var>", "ask:#k" / "confirm:#k" (slot k), "answer=X", "none"
};

// clang-format off
const Case kCases[] = {
    // travel_time: distance (km), speed (km/h) -> hours
    {"travel_time", "distance", "How far is it?", "ask:distance"},
    {"travel_time", "distance", "what's the distance in km?", "ask:distance"},
    {"travel_time", "distance", "How long is the trip?", "ask:distance"},
    {"travel_time", "distance", "How fast is the car going?", "ask:speed"},
    {"travel_time", "distance", "What speed is the car doing", "ask:speed"},
    {"travel_time", "distance", "Could you tell me the distance", "ask:distance"},
    {"travel_time", "distance", "I need the distance to solve this.", "ask:distance"},
    {"travel_time", "distance", "Distance?", "ask:distance"},
    {"travel_time", "distance", "how many kilometers is the trip?", "ask:distance"},
    {"travel_time", "distance", "how far are we talking?", "ask:distance"},
    {"travel_time", "distance", "what distance?", "ask:distance"},
    {"travel_time", "distance", "Let me know the distance and I'll finish it.", "ask:distance"},
    {"travel_time", "distance", "To work this out I'd divide distance by speed: at 60 km/h that's d/60 hours. But how far does the car go?", "ask:distance"},
    {"travel_time", "distance", "The time is distance over speed, 120 / 60 = 2. What's the distance, though?", "ask:distance"},
    {"travel_time", "distance", "Great question! Before I can give you an answer, I need one more detail: how fast is the car going?", "ask:speed"},
    {"travel_time", "distance", "Sure! Time = distance \xC3\xB7 speed. Could you tell me how far the car travels?", "ask:distance"},
    {"travel_time", "distance", "I'd guess the answer is around 5 hours, but could you tell me the distance first?", "ask:distance"},
    {"travel_time", "", "How long does the trip take? Distance over speed: 240 / 60 = 4 hours.", "answer=4"},
    {"travel_time", "", "The answer is 4 hours.", "answer=4"},
    {"travel_time", "", "\\boxed{4}", "answer=4"},
    {"travel_time", "", "So it takes 2.5 hours.", "answer=2.5"},
    {"travel_time", "", "It takes 150 minutes.", "answer=2.5"},
    {"travel_time", "", "2 hours and 30 minutes", "answer=2.5"},
    {"travel_time", "", "About 3 and a half hours", "answer=3.5"},
    {"travel_time", "", "three and a half hours", "answer=3.5"},
    {"travel_time", "", "Twelve hours.", "answer=12"},
    {"travel_time", "", "It'll take roughly 1.5 h", "answer=1.5"},
    {"travel_time", "", "Is it 2 hours?", "answer=2"},
    {"travel_time", "", "Is the answer 2 hours?", "answer=2"},
    {"travel_time", "", "Final answer: 3/4 of an hour", "answer=0.75"},
    {"travel_time", "", "I get 1 3/4 hours.", "answer=1.75"},
    {"travel_time", "", "It's 4.", "answer=4"},
    {"travel_time", "", "Answer = 3.2", "answer=3.2"},
    {"travel_time", "", "t = d / v = 300 / 75 = 4 h", "answer=4"},
    {"travel_time", "", "The trip takes 4 hours (300 km at 75 km/h).", "answer=4"},
    {"travel_time", "", "The trip takes 4 hours at 75 km/h.", "answer=4"},
    {"travel_time", "", "\xE2\x89\x88 2.67 hours", "answer=2.67"},
    {"travel_time", "", "**Answer:** 5 hours", "answer=5"},
    {"travel_time", "", "$\\boxed{\\frac{5}{2}}$", "answer=2.5"},
    {"travel_time", "", "\\boxed{2.5 \\text{ hours}}", "answer=2.5"},
    {"travel_time", "", "Let me think. If the car covers 300 km at 75 km/h, the time is 300/75 = 4 hours. So the trip takes 4 hours.", "answer=4"},
    {"travel_time", "speed", "I'll assume 60 km/h. Then the trip takes 3 hours.", "answer=3"},
    {"travel_time", "speed", "Hmm, what speed should I assume? If it's 60 km/h the trip takes 3 hours.", "answer=3"},
    {"travel_time", "", "It takes 2\xC2\xBD hours", "answer=2.5"},
    {"travel_time", "", "1.5e0 hours", "answer=1.5"},
    {"travel_time", "", "Did you mean 120 km or miles?", "confirm:distance"},
    {"travel_time", "", "Is the speed 60 km/h?", "confirm:speed"},
    {"travel_time", "", "Can you double-check the speed?", "confirm:speed"},
    {"travel_time", "", "Just to be sure, is that distance in kilometers?", "confirm:distance"},
    {"travel_time", "", "What is the first quantity?", "ask:#0"},
    {"travel_time", "", "Could you confirm the third quantity, with its unit?", "confirm:#2"},
    {"travel_time", "", "What's the weather like?", "none"},
    {"travel_time", "", "Hello!", "none"},
    {"travel_time", "", "What is the fuel price?", "none"},
    {"travel_time", "", "How long does the trip take?", "none"},
    {"travel_time", "", "Which one do you mean?", "none"},
    {"travel_time", "", "Thanks!", "none"},
    // discount_price: price ($), discount (%) -> $
    {"discount_price", "discount", "How much is the discount?", "ask:discount"},
    {"discount_price", "discount", "What percent off is it?", "ask:discount"},
    {"discount_price", "discount", "How much did the jacket cost originally?", "ask:price"},
    {"discount_price", "discount", "What's the regular price?", "ask:price"},
    {"discount_price", "", "Is the discount 20%?", "confirm:discount"},
    {"discount_price", "", "The sale price is $75.", "answer=75"},
    {"discount_price", "", "You'll pay $1,250.50", "answer=1250.5"},
    {"discount_price", "", "It comes to 80 dollars.", "answer=80"},
    {"discount_price", "", "Final price: $48", "answer=48"},
    {"discount_price", "", "Forty-eight dollars.", "answer=48"},
    {"discount_price", "", "What is the sale price?", "none"},
    // percent_increase: -> %
    {"percent_increase", "", "The population grew by 12.5%.", "answer=12.5"},
    {"percent_increase", "", "That's an increase of twelve percent", "answer=12"},
    {"percent_increase", "before", "How many residents were there last year?", "ask:before"},
    {"percent_increase", "before", "What's the current population?", "ask:after"},
    // rectangle_area: length, width (m) -> m2
    {"rectangle_area", "width", "How wide is the garden?", "ask:width"},
    {"rectangle_area", "width", "How long is it?", "ask:length"},
    {"rectangle_area", "", "Is that length in centimeters or meters?", "confirm:length"},
    {"rectangle_area", "", "The area is 120 m\xC2\xB2.", "answer=120"},
    {"rectangle_area", "", "120 square meters", "answer=120"},
    {"rectangle_area", "", "It's 1,200,000 square centimeters", "answer=120"},
    // work_together: t1, t2 (h) -> h
    {"work_together", "t1", "How long does Alice take on her own?", "ask:t1"},
    {"work_together", "t2", "And Bob?", "ask:t2"},
    {"work_together", "t2", "How long does Bob take?", "ask:t2"},
    {"work_together", "", "Together they need 2.4 hours.", "answer=2.4"},
    {"work_together", "", "They'd finish in 2 hours 24 minutes.", "answer=2.4"},
    // compound_interest: principal ($), rate (%), years -> $
    {"compound_interest", "rate", "What's the interest rate?", "ask:rate"},
    {"compound_interest", "years", "How many years is it invested for?", "ask:years"},
    {"compound_interest", "principal", "How much money are you investing?", "ask:principal"},
    {"compound_interest", "", "After 10 years it's worth $16,288.95.", "answer=16288.95"},
    // mix_concentration
    {"mix_concentration", "c2", "What's the concentration of the second solution?", "ask:c2"},
    {"mix_concentration", "v1", "How much of the first solution is there?", "ask:v1"},
    {"mix_concentration", "", "The mix is 17.5% salt.", "answer=17.5"},
    // recipe_scale: flour (g) -> g
    {"recipe_scale", "guests", "How many people are coming?", "ask:guests"},
    {"recipe_scale", "flour", "How much flour does the recipe need?", "ask:flour"},
    {"recipe_scale", "", "You need 375 g of flour.", "answer=375"},
    {"recipe_scale", "", "You need 0.375 kg of flour.", "answer=375"},
    {"recipe_scale", "", "You need three hundred and seventy-five grams.", "answer=375"},
    // age_future
    {"age_future", "age", "How old is Tom?", "ask:age"},
    {"age_future", "years", "In how many years?", "ask:years"},
    {"age_future", "", "His father will be 41 years old.", "answer=41"},
    // trains_meet
    {"trains_meet", "speed2", "How fast is the second train?", "ask:speed2"},
    {"trains_meet", "speed1", "What's the speed of the first train?", "ask:speed1"},
    {"trains_meet", "distance", "How far apart do they start?", "ask:distance"},
    {"trains_meet", "speed2", "ok and how fast is the other one", "ask:speed2"},
    {"trains_meet", "", "They meet after 1.25 hours, i.e. 75 minutes.", "answer=1.25"},
    // workers_days: days1 (days), -> days
    {"workers_days", "days1", "How many days did the first crew need?", "ask:days1"},
    {"workers_days", "", "It would take them 7.5 days.", "answer=7.5"},
    {"workers_days", "", "One and a half weeks", "answer=10.5"},
};
// clang-format on

std::string describe(const MathQa& t, const Problem& p, const Parsed& r) {
  if (!r.act) return "none";
  if (*r.act == t.answer_act()) {
    return r.content.number ? fmt::format("answer={}", format_number(*r.content.number))
                            : std::string("answer=?");
  }
  const size_t slot = t.slot_of(*r.act);
  const std::string name =
      slot < p.vars.size() ? p.vars[slot].name : fmt::format("#{}", slot);
  return fmt::format("{}:{}", t.is_ask(*r.act) ? "ask" : "confirm", name);
}

TEST(MathQaParse, UnderstandsQuestionsAndAnswersAsWritten) {
  const MathQa& t = testing::task();
  int failures = 0;
  for (const Case& c : kCases) {
    const Problem& p = testing::problem(t, c.problem);
    std::vector<Known> known(p.vars.size(), Known::kClear);
    for (size_t i = 0; i < p.vars.size(); ++i) {
      if (p.vars[i].name == c.missing) known[i] = Known::kMissing;
    }
    const Parsed r = t.parse_text(p, known, c.text);
    std::string got = describe(t, p, r);
    std::string want = c.want;
    if (want.rfind("ask:#", 0) == 0 || want.rfind("confirm:#", 0) == 0) {
      // A slot by number: compare act indices.
      const size_t slot = std::stoul(want.substr(want.find('#') + 1));
      const int32_t a = want[0] == 'a' ? t.ask_act(slot) : t.confirm_act(slot);
      EXPECT_EQ(r.act, std::optional<int32_t>(a)) << c.text;
      continue;
    }
    if (want.rfind("answer=", 0) == 0 && r.act == t.answer_act() && r.content.number) {
      const double x = std::stod(want.substr(7));
      if (std::abs(*r.content.number - x) < 1e-6 * std::max(1.0, std::abs(x))) got = want;
    }
    EXPECT_EQ(got, want) << "\"" << c.text << "\" (" << c.problem << ")";
    failures += got != want;
  }
  EXPECT_GE(std::size(kCases), 80u);
  EXPECT_EQ(failures, 0);
}

TEST(MathQaParse, RenderingsParseBackForEveryProblemAndState) {
  const MathQa& t = testing::task();
  Rng rng(5);
  for (const auto& p : t.setup().problems) {
    for (Known k : {Known::kClear, Known::kMissing, Known::kNoUnit}) {
      const std::vector<Known> known(p.vars.size(), k);
      for (int32_t a = 0; a < static_cast<int32_t>(t.acts().size()); ++a) {
        Content c;
        if (a == t.answer_act()) c.number = round_answer(1 + rng.uniform() * 5000);
        const std::string text = t.render_act(p, a, c);
        const Parsed r = t.parse_text(p, known, text);
        EXPECT_EQ(r.act, std::optional<int32_t>(a)) << p.id << ": " << text;
        EXPECT_EQ(r.content, c) << p.id << ": " << text;
      }
    }
  }
}

TEST(MathQaNumbers, WordsAndDigits) {
  auto read = [](const std::string& s) -> std::optional<double> {
    const auto t = tokenize(s);
    size_t end = 0;
    return read_number_words(t, 0, &end);
  };
  EXPECT_EQ(read("twelve"), 12);
  EXPECT_EQ(read("twenty-five"), 25);
  EXPECT_EQ(read("one hundred and five"), 105);
  EXPECT_EQ(read("three thousand two hundred"), 3200);
  EXPECT_EQ(read("a dozen"), 12);
  EXPECT_EQ(read("two thirds"), 2.0 / 3);
  EXPECT_EQ(read("a quarter"), 0.25);
  EXPECT_EQ(read("two point five"), 2.5);
  EXPECT_EQ(read("one and three quarters"), 1.75);
  EXPECT_EQ(read("the"), std::nullopt);
  EXPECT_EQ(number_words(0), "zero");
  EXPECT_EQ(number_words(45), "forty-five");
  EXPECT_EQ(number_words(105), "one hundred and five");
  EXPECT_EQ(number_words(2300), "two thousand three hundred");
  for (long long n : {1LL, 13LL, 40LL, 99LL, 120LL, 999LL, 4005LL}) {
    EXPECT_EQ(read(number_words(n)), static_cast<double>(n)) << number_words(n);
  }
  const auto t = tokenize("It's 1,250.5 and -3 and 3/4, not 1,25.");
  std::vector<double> nums;
  for (const auto& x : t) {
    if (x.kind == Token::Kind::kNumber) nums.push_back(x.value);
  }
  EXPECT_EQ(nums, (std::vector<double>{1250.5, -3, 0.75, 1, 25}));
}

}  // namespace
}  // namespace collab::tasks::math_qa
