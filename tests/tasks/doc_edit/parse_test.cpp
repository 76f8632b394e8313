#include <gtest/gtest.h>

#include "tests/tasks/doc_edit/de_test_util.h"

namespace collab::tasks::doc_edit {
namespace {

using testing::act_name;
using testing::doc_index;
using testing::task;

struct Case {
  const char* text;
  const char* act;  // act name ("assume:tone=casual"), or "-" for nothing
};

// Terse and chatty phrasings, none of them the act's own rendering.
const Case kCases[] = {
    // tone
    {"Should it sound formal?", "ask:tone"},
    {"tone?", "ask:tone"},
    {"What kind of tone are you going for?", "ask:tone"},
    {"Do you want it to be more casual or professional?", "ask:tone"},
    {"How should it sound to the people who get it — serious, playful?", "ask:tone"},
    {"Would a friendly voice work here?", "ask:tone"},
    {"Before I start, could you tell me what vibe you want?", "ask:tone"},
    {"Upbeat, or more neutral?", "ask:tone"},
    {"Is a relaxed register OK?", "ask:tone"},
    {"should i make it sound excited", "ask:tone"},
    // length
    {"How long do you want it?", "ask:length"},
    {"length?", "ask:length"},
    {"Should I cut it down or keep every detail?", "ask:length"},
    {"Do you want it shorter?", "ask:length"},
    {"Is a brief version better, or a longer one?", "ask:length"},
    {"Roughly how many words are you after?", "ask:length"},
    {"Happy to trim it. How much should I condense it?", "ask:length"},
    {"Would you like it more concise?", "ask:length"},
    {"How long should the final piece be, roughly?", "ask:length"},
    {"Should I expand on anything?", "ask:length"},
    // audience
    {"Who's reading this?", "ask:audience"},
    {"Who is the audience?", "ask:audience"},
    {"audience?", "ask:audience"},
    {"Are your readers experts or newcomers?", "ask:audience"},
    {"Is it OK to use jargon?", "ask:audience"},
    {"Will the people reading it be familiar with the technical side?", "ask:audience"},
    {"Who are you sending this to?", "ask:audience"},
    {"Is this for beginners?", "ask:audience"},
    {"What background do the readers have?", "ask:audience"},
    {"Who will read it first?", "ask:audience"},
    {"Is this going to customers or engineers?", "ask:audience"},
    {"Is there a word limit?", "ask:length"},
    // structure
    {"Bullets or paragraphs?", "ask:structure"},
    {"Would bullet points be easier to scan?", "ask:structure"},
    {"Do you want it as a list?", "ask:structure"},
    {"How should I format it?", "ask:structure"},
    {"Any preference on layout?", "ask:structure"},
    {"Should I keep it as prose?", "ask:structure"},
    {"structure?", "ask:structure"},
    {"Paragraphs OK, or would you rather have a bulleted version?", "ask:structure"},
    // points
    {"Anything I must include?", "ask:points"},
    {"Is there anything it has to mention?", "ask:points"},
    {"Which points are most important to you?", "ask:points"},
    {"Is there a part I should make sure to cover?", "ask:points"},
    {"Should I highlight anything in particular?", "ask:points"},
    {"What's essential here?", "ask:points"},
    {"Should anything be left out, or must everything stay in?", "ask:points"},
    // title
    {"What kind of title?", "ask:title"},
    {"Do you want a headline?", "ask:title"},
    {"title?", "ask:title"},
    {"Should it have a heading at the top?", "ask:title"},
    {"What should the piece be called?", "ask:title"},
    {"Would a catchy title help?", "ask:title"},
    // assumptions
    {"I'll assume a casual tone.", "assume:tone=casual"},
    {"I'll keep it formal.", "assume:tone=formal"},
    {"Let's go with something upbeat.", "assume:tone=enthusiastic"},
    {"I'll make it short.", "assume:length=short"},
    {"I'll keep it detailed.", "assume:length=long"},
    {"I'll assume your readers are experts.", "assume:audience=expert"},
    {"Assuming beginners, I'll explain the terms.", "assume:audience=beginner"},
    {"I'll use bullets.", "assume:structure=bullets"},
    {"I'll stick with paragraphs.", "assume:structure=paragraphs"},
    {"I'll give it a catchy title.", "assume:title=catchy"},
    {"I'll go with no title.", "assume:title=none"},
    {"I'll assume nothing in particular has to be mentioned.", "assume:points=none"},
    {"I'll make sure to add the parking.", "assume:points=parking"},
    // finishing
    {"That's all from me, thanks!", "finish"},
    {"We're done.", "finish"},
    {"Goodbye", "finish"},
    {"ok, I think that's it", "finish"},
    // nothing
    {"Hello!", "-"},
    {"Thanks.", "-"},
    {"Interesting.", "-"},
    {"", "-"},
};

TEST(Parse, QuestionsAssumptionsAndEndingsMapToTheirActs) {
  // office_move has the point "parking".
  const auto g = task().make_game(doc_index("office_move"), {0, 0, 0, 0, 0, 0});
  int n = 0;
  for (const Case& c : kCases) {
    EXPECT_EQ(act_name(*g, c.text), c.act) << "\"" << c.text << "\"";
    ++n;
  }
  EXPECT_GE(n, 60);
}

TEST(Parse, ADocumentIsADraftScoredAsWritten) {
  const auto g = task().make_game(doc_index("office_move"), {0, 0, 0, 0, 0, 0});
  const std::string doc =
      "Office Move\n\nWe are moving to 12 Harbour Street on 4 March. Pack your desk into the "
      "labelled crates by Friday afternoon. The movers carry every crate, so you only fill and "
      "label them. The old building closes at noon on 3 March.";
  const Parsed p = g->parse(doc);
  ASSERT_EQ(p.act, std::optional<int32_t>(DocEdit::kDraft));
  EXPECT_EQ(p.content.body, doc);
}

TEST(Parse, ChatterAroundADraftIsCutOff) {
  const auto g = task().make_game(doc_index("office_move"), {0, 0, 0, 0, 0, 0});
  const std::string body =
      "We are moving to 12 Harbour Street on 4 March. Pack your desk into the labelled crates "
      "by Friday afternoon. The movers carry every crate, so you only fill and label them.";
  const std::string titled = "Office Move\n\n" + body;
  const std::vector<std::pair<std::string, std::string>> wrapped = {
      {"Sure! Here is a version:\n\n" + titled + "\n\nLet me know if you'd like any changes.",
       titled},
      {"Sure! Here is a version: " + body, body},
      {"Here's my rewrite:\n```\n" + titled + "\n```\nHope this helps!", titled},
      {"Of course. I've polished it below.\n\n" + titled, titled},
      {titled + "\n\nWhat do you think? I can make it shorter too.", titled},
      {"Okay, here's a draft with a plain title:\n\n\"" + body + "\"", body},
  };
  for (const auto& [text, want] : wrapped) {
    const Parsed p = g->parse(text);
    ASSERT_EQ(p.act, std::optional<int32_t>(DocEdit::kDraft)) << text;
    EXPECT_EQ(p.content.body, want) << text;
  }
}

TEST(Parse, LongQuestionsAreNotDrafts) {
  const auto g = task().make_game(doc_index("office_move"), {0, 0, 0, 0, 0, 0});
  EXPECT_EQ(act_name(*g,
                     "Before I start rewriting anything, could you tell me who is going to be "
                     "reading this announcement, and whether they already know the building "
                     "and the people involved in the move?"),
            "ask:audience");
}

TEST(Parse, EveryRenderingOfEveryDocumentParsesBackAsItself) {
  // Drafts the environment writes must be read back exactly (act mode == text mode).
  for (size_t i = 0; i < task().setup().docs.size(); ++i) {
    const Document& d = task().setup().docs[i];
    for (int t = 0; t < 3; ++t) {
      for (int l = 0; l < 3; ++l) {
        for (int s = 0; s < 2; ++s) {
          for (int ti = 0; ti < 3; ++ti) {
            const Choice c = {t, l, (t + l) % 2, s, (t + ti) % d.values(kPoints), ti};
            const auto g = task().make_game(i, c);
            const std::string text = render_doc(d, c);
            const Parsed p = g->parse(text);
            ASSERT_EQ(p.act, std::optional<int32_t>(DocEdit::kDraft)) << d.id << "\n" << text;
            ASSERT_EQ(p.content.body, text) << d.id;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace collab::tasks::doc_edit
