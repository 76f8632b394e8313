#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agents/agent.h"
#include "env/bleu.h"
#include "tests/tasks/doc_edit/de_test_util.h"

namespace collab::tasks::doc_edit {
namespace {

using testing::doc_index;
using testing::make_env;
using testing::task;

const Game& game(const Env& env) { return dynamic_cast<const Game&>(env.episode()); }

TEST(Scenario, ShipsFortyDocumentsInBothSplits) {
  const auto& docs = task().setup().docs;
  EXPECT_GE(docs.size(), 40u);
  size_t test = 0;
  for (const auto& d : docs) {
    test += d.split == "test";
    const size_t words = text::bleu_tokens(render_source(d)).size();
    EXPECT_GE(words, 80u) << d.id;  // tokens include punctuation: 80+ words give more
    EXPECT_LE(words, 360u) << d.id;
  }
  EXPECT_GE(test, 8u);
  EXPECT_GE(docs.size() - test, 25u);
}

TEST(Scenario, ErrorsNameTheFileAndJsonPath) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "doc_edit_bad_scenario.json").string();
  {
    std::ofstream f(path);
    f << R"({"task": "doc_edit", "colour": 1, "user": {"patience": 1, "openings": ["x"]},
      "documents": [{"id": "a", "kind": "email", "split": "later", "title": {"plain": "A"},
        "points": ["cost"], "units": [{"text": "One.", "casual": "two"}, {"text": 3},
        {"text": "x", "point": "price", "length": "huge"}]}]})";
  }
  try {
    DocEdit::from_file(path);
    FAIL() << "the scenario should not load";
  } catch (const ScenarioError& e) {
    const std::string m = e.what();
    for (const char* where :
         {": /colour:", ": /user/patience:", ": /user/openings/0:", ": /documents/0/split:",
          ": /documents/0/title/catchy:", ": /documents/0/units/0:", ": /documents/0/units/1/text:",
          ": /documents/0/units/2/point:", ": /documents/0/units/2/length:", ": /documents:"}) {
      EXPECT_NE(m.find(where), std::string::npos) << where << "\n" << m;
    }
    EXPECT_NE(m.find(path), std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST(Render, DimensionsChangeTheTextAsDocumented) {
  const size_t i = doc_index("office_move");
  const Document& d = task().setup().docs[i];
  // formal, short, beginner, paragraphs, no point, plain title
  const std::string base = render_doc(d, {0, 0, 0, 0, 0, 0});
  EXPECT_EQ(base,
            "Office Move on 4 March\n\nOur team will relocate to the new office at 12 Harbour "
            "Street on 4 March. Please pack your desk into the labelled crates by Friday "
            "afternoon. The movers will carry every crate, so you only need to fill and label "
            "them.");
  // casual tone changes the lead; no title drops the first line
  EXPECT_EQ(render_doc(d, {1, 0, 0, 0, 0, 2}).rfind("We're moving to the new office", 0), 0u);
  // bullets: the lead, a blank line, then "- " lines
  const std::string bullets = render_doc(d, {0, 0, 1, 1, 0, 1});
  EXPECT_EQ(bullets,
            "New Desks, New View!\n\nOur team will relocate to the new office at 12 Harbour "
            "Street on 4 March.\n\n- Please pack your desk into the labelled crates by Friday "
            "afternoon.\n- Movers handle transport; IT will re-image docking stations on arrival.");
  // a chosen point is kept whatever the length; medium adds sentences, long adds more
  const std::string parking = render_doc(d, {0, 0, 0, 0, 1, 0});
  EXPECT_NE(parking.find("garage behind the new building"), std::string::npos);
  const size_t s = render_doc(d, {0, 0, 1, 0, 0, 0}).size();
  const size_t m = render_doc(d, {0, 1, 1, 0, 0, 0}).size();
  const size_t l = render_doc(d, {0, 2, 1, 0, 0, 0}).size();
  EXPECT_LT(s, m);
  EXPECT_LT(m, l);
  // beginners get the explanation (at medium length and up), experts do not
  EXPECT_NE(render_doc(d, {0, 1, 0, 0, 0, 0}).find("A crate is"), std::string::npos);
  EXPECT_EQ(render_doc(d, {0, 1, 1, 0, 0, 0}).find("A crate is"), std::string::npos);
  // the source shows every point, no title, casual wording
  const std::string src = render_source(d);
  EXPECT_NE(src.find("Staff parking"), std::string::npos);
  EXPECT_NE(src.find("will stay behind"), std::string::npos);
  EXPECT_EQ(src.rfind("We're moving", 0), 0u);
}

TEST(Render, TextChangeIsPublicAndPositiveForEveryDimension) {
  for (const auto& d : task().setup().docs) {
    for (size_t dim = 0; dim < kDims; ++dim) {
      EXPECT_GT(d.change[dim], 0.0) << d.id << " " << kDimNames[dim];
      EXPECT_LT(d.change[dim], 1.0) << d.id << " " << kDimNames[dim];
    }
  }
}

TEST(User, AnswersWhatIsAskedAndGivesFeedbackOnTheWorstMismatch) {
  auto g = task().make_game(doc_index("office_move"), {1, 2, 1, 1, 1, 1});
  Rng rng(1);
  auto say = [&](int32_t act, const Content& c = Content{}) {
    return g->respond(AgentTurn{act, c, g->render(act, c), false}, rng);
  };
  EXPECT_EQ(say(DocEdit::ask_act(kTone)).text, "Casual. Keep it relaxed and friendly.");
  EXPECT_EQ(g->known(kTone), Known::kKnown);
  const UserReply again = say(DocEdit::ask_act(kTone));
  EXPECT_EQ(again.event, std::optional<Event>(Event::kRedundant));
  EXPECT_EQ(say(DocEdit::ask_act(kPoints)).text, "It must mention the part about parking.");
  // A draft with the defaults on the rest: structure, length, audience, title are wrong.
  const UserReply r = say(DocEdit::kDraft, g->compose(DocEdit::kDraft));
  EXPECT_FALSE(r.ended);
  EXPECT_GT(g->score().task, 0.0);
  EXPECT_LT(g->score().task, 0.99);
  EXPECT_EQ(g->open_dims(), 3) << r.text;  // the feedback settled one more dimension
}

TEST(User, FeedbackNamesADroppedPoint) {
  // Everything right but the point: the user says what was dropped.
  const Choice goal = {0, 1, 0, 0, 1, 0};
  auto g = task().make_game(doc_index("office_move"), goal);
  Rng rng(1);
  Choice wrong = goal;
  wrong[kPoints] = 0;
  const Content c{render_doc(g->doc(), wrong), std::nullopt};
  const UserReply r = g->respond(AgentTurn{DocEdit::kDraft, c, c.body, true}, rng);
  EXPECT_EQ(r.text, "You dropped the part about parking.");
  Choice bullets = goal;
  bullets[kStructure] = 1;
  auto g2 = task().make_game(doc_index("office_move"), bullets);
  const UserReply r2 = g2->respond(AgentTurn{DocEdit::kDraft, c, c.body, true}, rng);
  EXPECT_NE(r2.text.find("bulleted list"), std::string::npos) << r2.text;
}

TEST(Evaluator, ScoresTheLatestDraftByBleu) {
  const Choice goal = {2, 0, 1, 1, 0, 1};
  auto g = task().make_game(doc_index("bake_sale"), goal);
  EXPECT_EQ(g->score().task, 0.0);  // no draft yet
  Rng rng(3);
  const std::string target = render_doc(g->doc(), goal);
  Content off{render_doc(g->doc(), {0, 2, 0, 0, 1, 0}), std::nullopt};
  g->respond(AgentTurn{DocEdit::kDraft, off, off.body, true}, rng);
  EXPECT_DOUBLE_EQ(g->score().task, text::bleu4(off.body, target));
  EXPECT_FALSE(g->score().success);
  Content right{target, std::nullopt};
  const UserReply r = g->respond(AgentTurn{DocEdit::kDraft, right, right.body, true}, rng);
  EXPECT_TRUE(r.ended);
  EXPECT_DOUBLE_EQ(g->score().task, 1.0);
  EXPECT_TRUE(g->score().success);
}

TEST(Evaluator, AHandWrittenDraftInAChatReplyScoresAsWritten) {
  Env env = make_env({{"split", "test"}});
  env.reset(11);
  const Game& g = game(env);
  // A language agent writes its own draft: the target with one sentence reworded.
  std::string mine = g.target();
  mine += " Any questions, just ask.";
  const StepResult r = env.step(Action::from_text("Sure! Here is a version:\n\n" + mine +
                                                  "\n\nLet me know if you'd like any changes."));
  ASSERT_EQ(r.info.act, std::optional<int32_t>(DocEdit::kDraft));
  EXPECT_EQ(r.info.content.body, mine);
  EXPECT_NEAR(r.info.score, text::bleu4(mine, g.target()), 1e-12);
  EXPECT_GT(r.info.score, 0.8);
  EXPECT_LT(r.info.score, 1.0);
}

double mean_score(const char* agent_name, int episodes) {
  Env env = make_env({{"split", "test"}, {"reward", "terminal"}});
  auto agent = agents::make_agent(agent_name);
  double total = 0;
  for (int e = 0; e < episodes; ++e) {
    Observation obs = env.reset(static_cast<uint64_t>(500 + e)).obs;
    while (!env.done()) {
      Rng rng = agents::policy_rng(env);
      obs = env.step(agents::decide(*agent, env, obs, rng)).obs;
    }
    total += env.episode().score().task;
  }
  return total / episodes;
}

TEST(Agents, ExpertDraftsWhatTheUserWantsAndPassiveFallsShort) {
  const double expert = mean_score("expert", 60);
  const double passive = mean_score("passive", 60);
  EXPECT_GE(expert, 0.9);
  EXPECT_LT(passive, expert - 0.2);
}

}  // namespace
}  // namespace collab::tasks::doc_edit
