// doc_edit-v1 reads assistants' messages as the document's owner would: measured on a development
// corpus (corpus.tsv, what the reader was built against) and on a held-out corpus (heldout.tsv,
// written separately from a description of the task and never used to tune the reader; this test
// prints only its summary, never its misses).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "env/scenario.h"
#include "tasks/doc_edit/task.h"
#include "tasks/register_all.h"

namespace collab::tasks::doc_edit {
namespace {

const DocEdit& v1() {
  static const auto t = builtin_registry().task("doc_edit-v1");
  return dynamic_cast<const DocEdit&>(*t);
}

const Document* find_doc(const std::string& id) {
  for (const auto& d : v1().setup().docs) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

struct Item {
  int line = 0;
  const Document* doc = nullptr;
  std::string expected, text;
};

std::vector<Item> load(const std::string& name) {
  const std::string path = scenario_dir() + "/../tests/tasks/doc_edit/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<Item> items;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, '\t');) f.push_back(x);
    EXPECT_EQ(f.size(), 3u) << path << ":" << n << ": expected 3 tab-separated fields";
    if (f.size() != 3) continue;
    Item it;
    it.line = n;
    it.doc = find_doc(f[0]);
    EXPECT_NE(it.doc, nullptr) << path << ":" << n << ": no document " << f[0];
    if (it.doc == nullptr) continue;
    it.expected = f[1];
    // A backslash followed by n stands for a line break.
    for (size_t i = 0; i < f[2].size(); ++i) {
      if (f[2][i] == '\\' && i + 1 < f[2].size() && f[2][i + 1] == 'n') {
        it.text.push_back('\n');
        ++i;
      } else {
        it.text.push_back(f[2][i]);
      }
    }
    items.push_back(std::move(it));
  }
  return items;
}

// The reading in the corpus's words.
std::string reading(const Item& it) {
  using K = Understanding::Kind;
  const Understanding u = understand(*it.doc, it.text);
  switch (u.kind) {
    case K::kAsk:
      return fmt::format("ask:{}", kDimNames[u.dim]);
    case K::kAssume:
      return fmt::format("assume:{}={}", kDimNames[u.dim],
                         u.value >= 0 ? it.doc->value_name(u.dim, u.value) : "?");
    case K::kDraft:
      return "draft";
    case K::kFinish:
      return "finish";
    case K::kSeveral:
      return "several";
    default:
      return "none";
  }
}

struct Figures {
  int items = 0, intended = 0, missed = 0, other = 0;
  std::map<std::string, std::pair<int, int>> by_kind;  // expected kind -> (intended, items)
  double share() const { return items ? static_cast<double>(intended) / items : 0; }
};

bool acts(const std::string& r) { return r != "several" && r != "none"; }

Figures measure(const std::string& name, bool show_misses) {
  Figures f;
  std::vector<std::string> misses;
  for (const Item& it : load(name)) {
    const std::string got = reading(it);
    const std::string& e = it.expected;
    // Both "several" and "none" are not acted on: the user asks back instead of guessing.
    const bool ok = acts(e) ? got == e : !acts(got);
    ++f.items;
    f.intended += ok;
    auto& k = f.by_kind[e.substr(0, e.find(':'))];
    k.first += ok;
    ++k.second;
    if (ok) continue;
    const bool other = acts(got);
    (other ? f.other : f.missed) += 1;
    std::string shown;
    for (char c : it.text) shown.append(c == '\n' ? std::string_view("\\n") : std::string_view(&c, 1));
    misses.push_back(fmt::format("{}:{} [{}] {} -> read {}{}: {}", name, it.line, it.doc->id, e,
                                 other ? "AS " : "", got, shown));
  }
  std::cout << fmt::format("{}: {} items, {} read as intended ({:.1f}%), {} not acted on, {} read "
                           "as something else\n",
                           name, f.items, f.intended, 100 * f.share(), f.missed, f.other);
  for (const auto& [kind, v] : f.by_kind) std::cout << fmt::format("  {}: {}/{}\n", kind, v.first, v.second);
  if (show_misses) {
    for (const auto& m : misses) std::cout << "  " << m << "\n";
  }
  return f;
}

// Floors at the figures the reader reached (README "Version history"). Issue #25 asks for 95% and
// no reading as something else on held-out text; the held-out floor below is what it reaches.
TEST(DocEditV1Understand, DevelopmentCorpus) {
  const Figures f = measure("corpus.tsv", true);
  EXPECT_GE(f.items, 300);
  EXPECT_GE(f.share(), 0.99);
  EXPECT_LE(f.other, 4);
}

// Never tuned on: only its summary line was looked at while the reader was built.
TEST(DocEditV1Understand, HeldOutCorpus) {
  const Figures f = measure("heldout.tsv", false);
  EXPECT_GE(f.items, 300);
  EXPECT_GE(f.share(), 0.94);
  EXPECT_LE(f.other, 11);
}


size_t doc_at(const std::string& id) {
  const auto& docs = v1().setup().docs;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].id == id) return i;
  }
  throw std::runtime_error("no document " + id);
}

UserReply say(Game& g, const std::string& text) {
  const Parsed parsed = g.parse(text);
  Rng rng(7);
  return g.respond(AgentTurn{parsed.act, parsed.content, text, true}, rng);
}

// office_move: formal, short, beginner, bullets, parking, catchy.
const Choice kGoal = {0, 0, 0, 1, 1, 1};

TEST(DocEditV1User, SaysWhatItCannotReadInsteadOfGuessing) {
  auto g = v1().make_game(doc_at("office_move"), kGoal, 0, Game::Voice::kFriendly);
  UserReply r = say(*g, "Who is it for, and how long should it be?");
  EXPECT_NE(r.text.find("One at a time"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("who reads it or the length"), std::string::npos) << r.text;
  EXPECT_EQ(g->known(kAudience), Known::kOpen);  // nothing was answered
  EXPECT_EQ(g->known(kLength), Known::kOpen);
  r = say(*g, "Thanks for sharing this!");
  EXPECT_NE(r.text.find("not sure what you're asking"), std::string::npos) << r.text;
  EXPECT_FALSE(r.ended);
  EXPECT_EQ(g->turns(), 2);  // each still costs a turn
}

TEST(DocEditV1User, AnswersInItsVoiceAndSaysWhatWasAsked) {
  std::set<std::string> replies;
  for (const auto voice : {Game::Voice::kBrisk, Game::Voice::kFriendly, Game::Voice::kChatty}) {
    auto g = v1().make_game(doc_at("office_move"), kGoal, 0, voice);
    const UserReply r = say(*g, "Quick one: should this sound formal, or more relaxed?");
    EXPECT_EQ(r.event, Event::kInformative);
    EXPECT_NE(r.text.find("tone"), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("Formal"), std::string::npos) << r.text;
    EXPECT_EQ(g->known(kTone), Known::kKnown);
    replies.insert(r.text);
    const UserReply again = say(*g, "what tone did you want again?");
    EXPECT_EQ(again.event, Event::kRedundant);
    EXPECT_NE(again.text, r.text);
  }
  EXPECT_EQ(replies.size(), 3u);  // three voices
}

TEST(DocEditV1User, AssumptionsOutsideTheValuesAreCorrectedWithThePreference) {
  auto g = v1().make_game(doc_at("office_move"), kGoal, 0, Game::Voice::kBrisk);
  UserReply r = say(*g, "I'll give it a humorous, witty voice.");
  EXPECT_NE(r.text.find("Formal"), std::string::npos) << r.text;  // says what it wants instead
  EXPECT_EQ(g->known(kTone), Known::kKnown);
  EXPECT_EQ(g->working(kTone), 0);
  r = say(*g, "Going with a catchy headline unless you object.");
  EXPECT_NE(r.text.find("catchy"), std::string::npos) << r.text;
  EXPECT_EQ(g->known(kTitle), Known::kAssumed);
}

// A draft in markdown scores as the same draft in plain text: emphasis and "* " bullets are
// formatting, not words.
TEST(DocEditV1User, MarkdownDraftsScoreAsTheirText) {
  const size_t doc = doc_at("office_move");
  auto plain = v1().make_game(doc, kGoal);
  auto marked = v1().make_game(doc, kGoal);
  const std::string target = plain->target();
  std::string md = "Here's the revised version:\n\n";
  bool first = true;
  for (size_t a = 0; a < target.size();) {
    size_t b = target.find('\n', a);
    if (b == std::string::npos) b = target.size();
    const std::string line = target.substr(a, b - a);
    if (first) {
      md.append(fmt::format("**{}**", line));
      first = false;
    } else if (line.rfind("- ", 0) == 0) {
      md.append(fmt::format("* {}", line.substr(2)));
    } else {
      md.append(line);
    }
    md.push_back('\n');
    a = b + 1;
  }
  md.append("\nLet me know if you'd like any changes!");
  const UserReply r = say(*marked, md);
  EXPECT_TRUE(r.ended) << r.text;
  EXPECT_EQ(marked->score().success, true);
  say(*plain, target);
  EXPECT_DOUBLE_EQ(marked->score().task, plain->score().task);
}

// v0 keeps its reader and its replies (its traces replay byte for byte); the bare name is v1.
TEST(DocEditV1User, VersionZeroIsUnchanged) {
  const auto t = builtin_registry().task("doc_edit-v0");
  const auto& v0 = dynamic_cast<const DocEdit&>(*t);
  EXPECT_EQ(v0.version(), 0);
  EXPECT_EQ(v1().version(), 1);
  EXPECT_EQ(builtin_registry().task("doc_edit")->version(), 1);
  auto g = v0.make_game(doc_at("office_move"), kGoal);
  EXPECT_EQ(say(*g, "What tone should it have?").text, "Formal, please: it should sound professional.");
  // v0 reads two aspects as the one with the most cue words, and nothing as its old reply.
  EXPECT_EQ(say(*g, "Thanks for sharing this!").text,
            "Sorry, I'm not sure what you mean. You can ask me how I want it, or show me a draft.");
}

}  // namespace
}  // namespace collab::tasks::doc_edit
