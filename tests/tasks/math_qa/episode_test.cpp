// The math_qa episode: the simulated user, the evaluator, the encodings, and goal-blindness of the
// built-in policies on constructed pairs of episodes that share a dialogue but not the hidden values.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/tasks/math_qa/mq_test_util.h"

namespace collab::tasks::math_qa {
namespace {

using testing::problem;
using testing::task;

const Persona& persona(const MathQa& t, const std::string& name) {
  for (const auto& p : t.setup().personas) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no persona " + name);
}

// A travel_time game: distance 240 km, speed 60 km/h (answer 4 h), opening `kind` with the
// distance (variable 0) affected.
std::unique_ptr<Game> travel(OpeningKind kind, double slip = 0, const char* who = "precise",
                             double distance = 240) {
  const MathQa& t = task();
  const Problem& p = problem(t, "travel_time");
  Rng rng(1);
  const std::vector<size_t> hidden = {0};
  auto o = t.make_opening(p, {distance, 60}, kind, rng, &hidden);
  if (kind == OpeningKind::kBlur) {  // force the vague form on the distance
    o->shown = {Known::kVague, Known::kClear};
    o->said = {std::nan(""), 60};
  }
  return t.make_game(p, {distance, 60}, *o, persona(t, who), slip);
}

UserReply act(Game& g, int32_t a, Rng& rng) {
  const Content c = g.compose(a);
  const std::string text = g.render(a, c);
  return g.respond(AgentTurn{a, c, text, false}, rng);
}

TEST(MathQaUser, OpeningLeavesOutOrBlursWhatThePersonaChose) {
  EXPECT_NE(travel(OpeningKind::kComplete)->opening().find("240 km"), std::string::npos);
  EXPECT_NE(travel(OpeningKind::kComplete)->opening().find("60 km/h"), std::string::npos);
  const auto omitted = travel(OpeningKind::kOmitOne);
  EXPECT_EQ(omitted->opening().find("240"), std::string::npos) << omitted->opening();
  EXPECT_NE(omitted->opening().find("some distance"), std::string::npos);
  EXPECT_EQ(omitted->known()[0], Known::kMissing);
  EXPECT_NE(travel(OpeningKind::kBlur)->opening().find("a long way"), std::string::npos);
}

TEST(MathQaUser, AnswersWhatIsAskedAndNoMore) {
  auto g = travel(OpeningKind::kOmitOne);
  Rng rng(3);
  const MathQa& t = task();
  UserReply r = act(*g, t.ask_act(0), rng);
  EXPECT_EQ(r.text, "The distance is 240 km.");
  EXPECT_EQ(r.event, Event::kInformative);
  EXPECT_FALSE(r.ended);
  EXPECT_EQ(g->known()[0], Known::kClear);
  r = act(*g, t.ask_act(1), rng);  // stated in the opening
  EXPECT_EQ(r.event, Event::kRedundant);
  EXPECT_NE(r.text.find("As I said"), std::string::npos);
  // A question about something the problem does not have.
  const Content none;
  r = g->respond(AgentTurn{std::nullopt, none, "What's the price of fuel?", true}, rng);
  EXPECT_EQ(r.event, Event::kIrrelevant);
  EXPECT_NE(r.text.find("not sure"), std::string::npos) << r.text;
  r = g->respond(AgentTurn{std::nullopt, none, "How long does the trip take?", true}, rng);
  EXPECT_NE(r.text.find("work out"), std::string::npos) << r.text;
  r = g->respond(AgentTurn{std::nullopt, none, "Banana.", true}, rng);
  EXPECT_FALSE(r.event.has_value());
  EXPECT_NE(r.text.find("don't follow"), std::string::npos);
}

TEST(MathQaUser, ASlipIsHedgedAndCorrectedWhenConfirmed) {
  const MathQa& t = task();
  auto g = travel(OpeningKind::kOmitOne, /*slip=*/1.0);
  Rng rng(4);
  UserReply r = act(*g, t.ask_act(0), rng);
  EXPECT_EQ(g->known()[0], Known::kHedged);
  EXPECT_NE(r.text.find("I think"), std::string::npos) << r.text;
  EXPECT_NE(g->assumed(0), 240);
  EXPECT_FALSE(t.setup().problems.empty());
  r = act(*g, t.confirm_act(0), rng);
  EXPECT_NE(r.text.find("misremembered"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("240 km"), std::string::npos) << r.text;
  EXPECT_EQ(r.event, Event::kInformative);
  EXPECT_EQ(g->known()[0], Known::kClear);
  EXPECT_EQ(g->assumed(0), 240);
  r = act(*g, t.confirm_act(0), rng);  // nothing left to confirm
  EXPECT_EQ(r.event, Event::kRedundant);
}

TEST(MathQaUser, AUnitLessNumberIsExplainedWhenConfirmed) {
  const MathQa& t = task();
  const Problem& p = problem(t, "travel_distance");  // time in hours, blurred as minutes
  Opening o;
  o.kind = OpeningKind::kBlur;
  o.shown = {Known::kNoUnit, Known::kClear};
  o.said = {90, 12};
  o.shown_number = {90, 12};
  auto g = t.make_game(p, {1.5, 12}, o, persona(t, "precise"), 0);
  EXPECT_NE(g->opening().find("rides for 90 at"), std::string::npos) << g->opening();
  EXPECT_FALSE(p.correct(g->eager_answer(), 18));  // 90 h * 12 km/h: the eager reading is wrong
  Rng rng(5);
  const UserReply r = act(*g, t.confirm_act(0), rng);
  EXPECT_NE(r.text.find("90 minutes"), std::string::npos) << r.text;
  EXPECT_TRUE(p.correct(g->eager_answer(), 18));
}

TEST(MathQaUser, AnAnswerEndsTheConversationWithAVerdict) {
  const MathQa& t = task();
  Rng rng(6);
  auto g = travel(OpeningKind::kComplete);
  Content right{{}, 4.0};
  UserReply r = g->respond(AgentTurn{t.answer_act(), right, "4 hours", true}, rng);
  EXPECT_TRUE(r.ended);
  EXPECT_NE(r.text.find("That's right"), std::string::npos);
  EXPECT_EQ(g->score().task, 1.0);
  EXPECT_TRUE(g->score().success);

  auto h = travel(OpeningKind::kComplete);
  EXPECT_EQ(h->score().task, 0.0);  // unfinished: no answer yet
  Content wrong{{}, 4.5};
  r = h->respond(AgentTurn{t.answer_act(), wrong, "4.5 hours", true}, rng);
  EXPECT_TRUE(r.ended);
  EXPECT_NE(r.text.find("not right"), std::string::npos);
  EXPECT_EQ(h->score().task, 0.0);
  EXPECT_FALSE(h->score().success);
  // Within tolerance counts (0.5% relative by default).
  auto k = travel(OpeningKind::kComplete);
  Content close{{}, 4.01};
  k->respond(AgentTurn{t.answer_act(), close, "about 4.01 hours", true}, rng);
  EXPECT_TRUE(k->score().success);
}

TEST(MathQaUser, PatienceRunsOut) {
  const MathQa& t = task();
  auto g = travel(OpeningKind::kComplete, 0, "scattered");
  Rng rng(7);
  UserReply r;
  int turns = 0;
  while (!r.ended) {
    r = act(*g, t.ask_act(1), rng);
    ++turns;
  }
  EXPECT_EQ(turns, persona(t, "scattered").patience);
  EXPECT_NE(r.text.find("work it out myself"), std::string::npos);
  EXPECT_FALSE(g->score().success);
}

TEST(MathQaEncodings, FeaturesAndActFeaturesDescribeTheDialogue) {
  const MathQa& t = task();
  auto g = travel(OpeningKind::kOmitOne);
  std::vector<float> f(t.feature_names().size());
  std::vector<float> af(t.acts().size() * t.act_feature_names().size());
  std::vector<uint8_t> m(t.acts().size());
  g->features(f);
  g->act_features(af);
  g->mask(m);
  const size_t K = t.act_feature_names().size();
  // Slot 0 (distance) missing, slot 1 (speed) clear; slots 2+ absent (legal: irrelevant asks).
  EXPECT_EQ(f[0], 1);  // present
  EXPECT_EQ(f[2], 1);  // missing
  EXPECT_EQ(f[7 + 1], 1);  // var1 clear
  EXPECT_EQ(m[t.ask_act(0)], 1);
  EXPECT_EQ(m[t.ask_act(2)], 1);
  EXPECT_EQ(m[t.confirm_act(2)], 1);
  EXPECT_EQ(f[7 * 2], 0) << "slot 2 is not present";
  EXPECT_EQ(m[t.answer_act()], 1);
  EXPECT_EQ(af[t.ask_act(0) * K + 5], 1);   // ask:var0 targets a missing quantity
  EXPECT_EQ(af[t.ask_act(1) * K + 4], 1);   // ask:var1 targets a clear one
  EXPECT_EQ(af[t.ask_act(0) * K + 10], 1);  // it would settle all that is open
  EXPECT_EQ(af[t.answer_act() * K + 10], 0.5f);  // 1 of 2 quantities unknown
  Rng rng(8);
  act(*g, t.ask_act(0), rng);
  g->act_features(af);
  EXPECT_EQ(af[t.answer_act() * K + 10], 0.0f);
  EXPECT_EQ(af[t.ask_act(0) * K + 9], 1);  // asked
}

TEST(MathQaPolicies, BlindToHiddenValuesOnSharedDialogues) {
  // Pairs of games with the same template, opening and replies but different hidden values (the
  // left-out quantities, the persona): the expert, passive, features and act features agree.
  const MathQa& t = task();
  int compared = 0;
  for (const auto& p : t.setup().problems) {
    if (p.vars.size() < 2) continue;
    Rng rng(11);
    std::vector<double> a, b;
    ASSERT_TRUE(sample_values(p, rng, &a));
    // b: the same values, except the last variable (left out of both openings).
    b = a;
    for (int tries = 0; tries < 50 && b.back() == a.back(); ++tries) {
      std::vector<double> c;
      sample_values(p, rng, &c);
      b.back() = c.back();
    }
    if (b.back() == a.back() || !solve(p, b)) continue;
    const std::vector<size_t> hidden = {p.vars.size() - 1};
    Rng r1(1), r2(1);
    auto oa = t.make_opening(p, a, OpeningKind::kOmitOne, r1, &hidden);
    auto ob = t.make_opening(p, b, OpeningKind::kOmitOne, r2, &hidden);
    auto ga = t.make_game(p, a, *oa, t.setup().personas[0], 0);
    auto gb = t.make_game(p, b, *ob, t.setup().personas[1], 0);
    ASSERT_EQ(ga->opening(), gb->opening()) << p.id;
    ASSERT_NE(ga->goal(), gb->goal());
    // Play: ask the first variable (stated: the same reply), then compare.
    Rng u1(2), u2(2);
    const UserReply ra = act(*ga, t.ask_act(0), u1), rb = act(*gb, t.ask_act(0), u2);
    ASSERT_EQ(ra.text, rb.text) << p.id;
    Rng e1(3), e2(3);
    const Task& base = t;
    EXPECT_EQ(base.expert(*ga, e1).act, base.expert(*gb, e2).act) << p.id;
    EXPECT_EQ(base.passive(*ga, e1).act, base.passive(*gb, e2).act) << p.id;
    std::vector<float> fa(t.feature_names().size()), fb(fa.size());
    std::vector<float> aa(t.acts().size() * t.act_feature_names().size()), ab(aa.size());
    ga->features(fa);
    gb->features(fb);
    ga->act_features(aa);
    gb->act_features(ab);
    EXPECT_EQ(fa, fb) << p.id;
    EXPECT_EQ(aa, ab) << p.id;
    EXPECT_EQ(ga->compose(t.answer_act()), gb->compose(t.answer_act())) << p.id;
    ++compared;
  }
  EXPECT_GE(compared, 25);
}

}  // namespace
}  // namespace collab::tasks::math_qa
