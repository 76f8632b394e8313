// math_qa-v1 reads assistants' messages as a careful person would: measured on a development
// corpus (corpus.tsv, what the reader was built against) and on a held-out corpus (heldout.tsv,
// written separately from the task's spec alone and never used to tune the reader).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "env/scenario.h"
#include "tasks/math_qa/task.h"
#include "tasks/register_all.h"

namespace collab::tasks::math_qa {
namespace {

const MathQa& v1() {
  static const auto t = builtin_registry().task("math_qa-v1");
  return dynamic_cast<const MathQa&>(*t);
}

const Problem* find_problem(const std::string& id) {
  for (const auto& p : v1().setup().problems) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

struct Item {
  int line = 0;
  const Problem* problem = nullptr;
  std::vector<Known> known;
  std::string expected, text;
};

std::vector<Item> load(const std::string& name) {
  const std::string path = scenario_dir() + "/../tests/tasks/math_qa/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<Item> items;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, '\t');) f.push_back(x);
    EXPECT_EQ(f.size(), 4u) << path << ":" << n << ": expected 4 tab-separated fields";
    if (f.size() != 4) continue;
    Item it;
    it.line = n;
    it.problem = find_problem(f[0]);
    EXPECT_NE(it.problem, nullptr) << path << ":" << n << ": no problem " << f[0];
    if (it.problem == nullptr) continue;
    it.known.assign(it.problem->vars.size(), Known::kClear);
    if (f[1] != "-") {
      std::stringstream vs(f[1]);
      for (std::string v; std::getline(vs, v, ',');) {
        bool found = false;
        for (size_t i = 0; i < it.problem->vars.size(); ++i) {
          if (it.problem->vars[i].name == v) {
            it.known[i] = Known::kMissing;
            found = true;
          }
        }
        EXPECT_TRUE(found) << path << ":" << n << ": no variable " << v << " in " << f[0];
      }
    }
    // A backslash followed by n stands for a line break.
    for (size_t i = 0; i < f[3].size(); ++i) {
      if (f[3][i] == '\\' && i + 1 < f[3].size() && f[3][i + 1] == 'n') {
        it.text.push_back('\n');
        ++i;
      } else {
        it.text.push_back(f[3][i]);
      }
    }
    it.expected = f[2];
    items.push_back(std::move(it));
  }
  return items;
}

// The reading in the corpus's words: ask:<var>, confirm:<var>, answer=<n>, unknown, or a
// not-acted-on reading (none, several, unsure, outside).
struct Read {
  std::string kind;  // ask, confirm, answer, unknown, none
  std::string var;
  double number = 0;
};

Read reading(const Item& it) {
  using K = Understanding::Kind;
  const Understanding u = v1().understand(*it.problem, it.known, it.text);
  switch (u.kind) {
    case K::kAsk:
    case K::kConfirm:
      return {u.kind == K::kAsk ? "ask" : "confirm",
              u.slot < it.problem->vars.size() ? it.problem->vars[u.slot].name : fmt::format("#{}", u.slot), 0};
    case K::kAnswer:
      return {"answer", "", u.number};
    case K::kUnknown:
      return {"unknown", "", 0};
    default:
      return {"none", "", 0};
  }
}

struct Figures {
  int items = 0, intended = 0, strict = 0, missed = 0, other = 0;
  std::map<std::string, std::pair<int, int>> by_kind;  // expected kind -> (intended, items)
  std::vector<std::string> misses;
  double share() const { return items ? static_cast<double>(intended) / items : 0; }
};

Figures measure(const std::string& name) {
  Figures f;
  for (const Item& it : load(name)) {
    const Read got = reading(it);
    const std::string& e = it.expected;
    std::string kind = e.substr(0, e.find_first_of(":="));
    bool ok = false, strict = false, act_expected = false;
    if (kind == "ask" || kind == "confirm") {
      act_expected = true;
      const std::string var = e.substr(e.find(':') + 1);
      // Asking and confirming one quantity are answered alike unless the quantity is clear.
      ok = (got.kind == "ask" || got.kind == "confirm") && got.var == var;
      strict = ok && got.kind == kind;
    } else if (kind == "answer") {
      act_expected = true;
      const double want = std::stod(e.substr(e.find('=') + 1));
      ok = got.kind == "answer" && std::abs(got.number - want) <= 1e-4 * std::max(1.0, std::abs(want));
      strict = ok;
    } else {
      ok = got.kind == kind;
      strict = ok;
    }
    ++f.items;
    f.intended += ok;
    f.strict += strict;
    auto& k = f.by_kind[kind];
    k.first += ok;
    ++k.second;
    if (ok) continue;
    const bool acted = got.kind == "ask" || got.kind == "confirm" || got.kind == "answer";
    const bool other = acted || (!act_expected && got.kind != "none");
    (other ? f.other : f.missed) += 1;
    f.misses.push_back(fmt::format("{}:{} [{}] {} -> read {}{}{}: {}", name, it.line,
                                   it.problem->id, e, other ? "AS " : "", got.kind,
                                   got.kind == "answer" ? fmt::format("={}", got.number)
                                   : got.var.empty() ? std::string() : fmt::format(":{}", got.var),
                                   it.text));
  }
  std::cout << fmt::format("{}: {} items, {} read as intended ({:.1f}%; {} with ask/confirm exact), "
                           "{} not acted on, {} read as something else\n",
                           name, f.items, f.intended, 100 * f.share(), f.strict, f.missed, f.other);
  for (const auto& [k, v] : f.by_kind) std::cout << fmt::format("  {}: {}/{}\n", k, v.first, v.second);
  for (const auto& m : f.misses) std::cout << "  " << m << "\n";
  return f;
}

// Floors at the figures the reader reached (README "Version history"); issue #25 asks for 95% and
// no reading as something else on held-out text, which this reader does not reach yet.
TEST(MathQaV1Understand, DevelopmentCorpus) {
  const Figures f = measure("corpus.tsv");
  EXPECT_GE(f.items, 300);
  EXPECT_GE(f.share(), 0.915);
  EXPECT_LE(f.other, 39);
}

// Never tuned on: only its summary line was looked at while the reader was built.
TEST(MathQaV1Understand, HeldOutCorpus) {
  const Figures f = measure("heldout.tsv");
  EXPECT_GE(f.items, 150);
  EXPECT_GE(f.share(), 0.85);
  EXPECT_LE(f.other, 33);
}

const Persona& persona(const std::string& name) {
  for (const auto& p : v1().setup().personas) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no persona " + name);
}

// travel_time with the distance left out (240 km at 60 km/h: 4 hours), as `who` tells it.
std::unique_ptr<Game> travel(const char* who) {
  const Problem& p = *find_problem("travel_time");
  Rng rng(1);
  const std::vector<size_t> hidden = {0};
  auto o = v1().make_opening(p, {240, 60}, OpeningKind::kOmitOne, rng, &hidden);
  return v1().make_game(p, {240, 60}, *o, persona(who), 0);
}

UserReply say(Game& g, const std::string& text) {
  const Parsed parsed = g.parse(text);
  Rng rng(7);
  return g.respond(AgentTurn{parsed.act, parsed.content, text, true}, rng);
}

TEST(MathQaV1User, SaysWhatItCannotReadInsteadOfGuessing) {
  auto g = travel("precise");
  UserReply r = say(*g, "What are the distance and the speed?");
  EXPECT_NE(r.text.find("One at a time"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("the distance or the speed"), std::string::npos) << r.text;
  EXPECT_FALSE(r.ended);
  EXPECT_EQ(g->known()[0], Known::kMissing);  // nothing was answered
  r = say(*g, "It takes 3 or 4 hours.");
  EXPECT_NE(r.text.find("3 hours or 4 hours"), std::string::npos) << r.text;
  EXPECT_FALSE(r.ended);
  r = say(*g, "It takes a few hours.");
  EXPECT_NE(r.text.find("actual number"), std::string::npos) << r.text;
  r = say(*g, "How long does the trip take?");
  EXPECT_EQ(r.event, Event::kIrrelevant);
  EXPECT_NE(r.text.find("work out"), std::string::npos) << r.text;
  EXPECT_FALSE(r.ended);
  EXPECT_EQ(g->turns(), 4);  // each still costs a turn
}

TEST(MathQaV1User, RepliesInThePersonasVoiceAndEchoesTheAnswer) {
  std::set<std::string> replies;
  for (const char* who : {"precise", "casual", "scattered"}) {
    auto g = travel(who);
    const UserReply r = say(*g, "Sure! Could you tell me how far the car travels?");
    EXPECT_EQ(r.event, Event::kInformative) << who;
    EXPECT_NE(r.text.find("240 km"), std::string::npos) << who << ": " << r.text;
    replies.insert(r.text);
  }
  EXPECT_EQ(replies.size(), 3u);  // three voices
  auto g = travel("casual");
  const UserReply r = say(*g, "The trip takes 5 hours (distance ÷ speed).");
  EXPECT_TRUE(r.ended);
  EXPECT_NE(r.text.find("5 hours isn't right"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("4 hours"), std::string::npos) << r.text;
}

// v0 keeps its replies (its traces replay byte for byte).
TEST(MathQaV1User, VersionZeroRepliesAreUnchanged) {
  const auto t = builtin_registry().task("math_qa-v0");
  const auto& v0 = dynamic_cast<const MathQa&>(*t);
  EXPECT_EQ(v0.version(), 0);
  EXPECT_EQ(v1().version(), 1);
  EXPECT_EQ(builtin_registry().task("math_qa")->version(), 1);
  const Problem& p = *find_problem("travel_time");
  Rng rng(1);
  const std::vector<size_t> hidden = {0};
  const Persona* casual = nullptr;
  for (const auto& x : v0.setup().personas) {
    if (x.name == "casual") casual = &x;
  }
  ASSERT_NE(casual, nullptr);
  auto o = v0.make_opening(p, {240, 60}, OpeningKind::kOmitOne, rng, &hidden);
  auto g = v0.make_game(p, {240, 60}, *o, *casual, 0);
  EXPECT_EQ(say(*g, "What is the distance?").text, "The distance is 240 km.");
  EXPECT_EQ(say(*g, "The answer is 5 hours.").text,
            "Hmm, that's not right. The travel time should be 4 hours.");
}

}  // namespace
}  // namespace collab::tasks::math_qa
