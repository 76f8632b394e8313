// twenty_questions-v2 reads questions as people ask them: measured on a paraphrase corpus
// (corpus.tsv) and on a held-out corpus written after the reader was done (heldout.tsv).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "env/scenario.h"
#include "env/text.h"
#include "tests/tasks/twenty_questions/tq_test_util.h"

namespace collab::tasks::twenty_questions {
namespace {

const TwentyQuestions& v2_task() {
  static const auto task = builtin_registry().task("twenty_questions-v2");
  return dynamic_cast<const TwentyQuestions&>(*task);
}

struct Item {
  std::string expected;  // "ask:<attribute>", "guess:<object>", "unknown" or "none"
  std::string text;
  int line = 0;
};

std::vector<Item> load_corpus(const std::string& name) {
  const std::string path = scenario_dir() + "/../tests/tasks/twenty_questions/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<Item> items;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    EXPECT_NE(tab, std::string::npos) << path << ":" << n << ": expected <expected>\\t<text>";
    if (tab == std::string::npos) continue;
    items.push_back({line.substr(0, tab), line.substr(tab + 1), n});
  }
  return items;
}

// What the v2 parser makes of a message, in the corpus's vocabulary.
std::string parsed_name(const TwentyQuestions& task, const std::string& text) {
  const auto act = task.parse_text(text);
  if (!act) return "none";
  if (task.is_ask_other(*act)) return "unknown";
  return task.acts()[static_cast<size_t>(*act)];
}

struct Figures {
  size_t items = 0, questions = 0, guesses = 0, correct = 0, missed = 0;
  size_t wrong_attribute = 0;  // answered as a question about another attribute
  size_t wrong_guess = 0;      // accepted as a guess of another object (or of any, when none was)
  std::set<std::string> attributes, guess_shapes;
  std::vector<std::string> confusions;
  double accuracy() const { return items ? static_cast<double>(correct) / items : 0; }
  std::string summary() const {
    std::ostringstream s;
    s << items << " items (" << questions << " questions over " << attributes.size()
      << " attributes, " << guesses << " guesses in " << guess_shapes.size()
      << " shapes): " << correct << " read as expected (" << 100.0 * accuracy() << "%), " << missed
      << " missed, " << wrong_attribute << " answered about another attribute, " << wrong_guess
      << " wrong guesses accepted\n";
    for (const auto& c : confusions) s << "  " << c << "\n";
    return s.str();
  }
};

// A guess's shape: the message with the object's names taken out ("is it a X").
std::string guess_shape(const Object& o, const std::string& text) {
  std::string norm = fmt::format(" {} ", text::normalize(text));
  std::vector<std::string> names = o.synonyms;
  names.push_back(o.name);
  std::sort(names.begin(), names.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& n : names) {
    const std::string key = fmt::format(" {} ", text::normalize(n));
    for (size_t p; (p = norm.find(key)) != std::string::npos;) norm.replace(p, key.size(), " X ");
  }
  return norm;
}

Figures measure(const std::vector<Item>& items) {
  const TwentyQuestions& task = v2_task();
  const auto& acts = task.acts();
  Figures f;
  for (const auto& it : items) {
    const bool known = it.expected == "unknown" || it.expected == "none" ||
                       std::find(acts.begin(), acts.end(), it.expected) != acts.end();
    EXPECT_TRUE(known) << "line " << it.line << ": unknown expectation " << it.expected;
    ++f.items;
    if (it.expected.starts_with("ask:") || it.expected == "unknown") ++f.questions;
    if (it.expected.starts_with("ask:")) f.attributes.insert(it.expected);
    if (it.expected.starts_with("guess:")) {
      ++f.guesses;
      for (const auto& o : task.catalog().objects) {
        if (fmt::format("guess:{}", o.name) == it.expected)
          f.guess_shapes.insert(guess_shape(o, it.text));
      }
    }
    const std::string got = parsed_name(task, it.text);
    if (got == it.expected) {
      ++f.correct;
      continue;
    }
    if (got.starts_with("ask:")) {
      ++f.wrong_attribute;
    } else if (got.starts_with("guess:")) {
      ++f.wrong_guess;
    } else {
      ++f.missed;
    }
    f.confusions.push_back(
        fmt::format("line {}: \"{}\" expected {}, read {}", it.line, it.text, it.expected, got));
  }
  return f;
}

TEST(TwentyQuestionsUnderstand, ParaphraseCorpusIsReadAsPeopleMeanIt) {
  const Figures f = measure(load_corpus("corpus.tsv"));
  std::cout << "corpus.tsv: " << f.summary();
  EXPECT_GE(f.questions, 400u);
  EXPECT_GE(f.attributes.size(), 80u);
  EXPECT_GE(f.guess_shapes.size(), 30u);
  EXPECT_GE(f.accuracy(), 0.97) << f.summary();
  EXPECT_EQ(f.wrong_attribute, 0u) << f.summary();
  EXPECT_EQ(f.wrong_guess, 0u) << f.summary();
}

TEST(TwentyQuestionsUnderstand, HeldOutCorpusNeverAcceptsAWrongGuess) {
  // Written after the reader was finished; its first run's misreadings led to general changes
  // (README), so heldout2.tsv is the held-out figure now. The no-false-accept rule is a hard
  // requirement; the accuracy floor only guards against regressions below the reported figure.
  const Figures f = measure(load_corpus("heldout.tsv"));
  std::cout << "heldout.tsv: " << f.summary();
  EXPECT_GE(f.items, 100u);
  EXPECT_EQ(f.wrong_guess, 0u) << f.summary();
  EXPECT_GE(f.accuracy(), 0.94) << f.summary();
}

TEST(TwentyQuestionsUnderstand, SecondHeldOutCorpusNeverAcceptsAWrongGuess) {
  // Written after the last change to the reader (heldout.tsv had been looked at by then) and
  // never used to tune it; the floor was set before its first run.
  const Figures f = measure(load_corpus("heldout2.tsv"));
  std::cout << "heldout2.tsv: " << f.summary();
  EXPECT_GE(f.items, 100u);
  EXPECT_EQ(f.wrong_guess, 0u) << f.summary();
  EXPECT_GE(f.accuracy(), 0.90) << f.summary();
}

// TQ_READ=<file of messages> prints how v2 reads each line (a tool for writing corpora).
TEST(TwentyQuestionsUnderstand, DISABLED_PrintReadings) {
  const char* path = std::getenv("TQ_READ");
  ASSERT_NE(path, nullptr);
  std::ifstream in(path);
  const TwentyQuestions& task = v2_task();
  for (std::string line; std::getline(in, line);) {
    const Reading r = task.read(line);
    std::cout << parsed_name(task, line) << "\t" << line << "\t[" << r.clause << "]\n";
  }
}

TEST(TwentyQuestionsUnderstand, StatementsRestateTheQuestion) {
  EXPECT_EQ(statement("Is it a mammal?", true), "it is a mammal");
  EXPECT_EQ(statement("Is it a mammal?", false), "it is not a mammal");
  EXPECT_EQ(statement("Does it have wheels?", true), "it has wheels");
  EXPECT_EQ(statement("Does it have wheels?", false), "it does not have wheels");
  EXPECT_EQ(statement("Does it lay eggs?", true), "it lays eggs");
  EXPECT_EQ(statement("Does it carry things?", true), "it carries things");
  EXPECT_EQ(statement("Does it usually come in pairs?", true), "it usually comes in pairs");
  EXPECT_EQ(statement("Does it usually come in pairs?", false),
            "it does not usually come in pairs");
  EXPECT_EQ(statement("Can it fly?", false), "it cannot fly");
  EXPECT_EQ(statement("Do you sit on it?", true), "you sit on it");
  EXPECT_EQ(statement("Do you sit on it?", false), "you do not sit on it");
  EXPECT_EQ(statement("Has it existed for more than 100 years?", false),
            "it has not existed for more than 100 years");
  EXPECT_EQ(statement("Would you see it at a zoo?", true), "you would see it at a zoo");
  // A question of another shape is quoted rather than mangled.
  EXPECT_EQ(statement("Any wheels?", true), "yes to \"Any wheels?\"");
}

TEST(TwentyQuestionsUnderstand, EveryCanonicalQuestionAndGuessReadsBack) {
  const TwentyQuestions& task = v2_task();
  for (int32_t a = 0; a < static_cast<int32_t>(task.acts().size()); ++a) {
    EXPECT_EQ(task.parse_text(task.render_act(a)), a) << task.render_act(a);
  }
  for (const auto& o : task.catalog().objects) {
    for (const auto& s : o.synonyms) {
      EXPECT_EQ(parsed_name(task, fmt::format("Is it {}?", with_article(s))),
                fmt::format("guess:{}", o.name))
          << s;
    }
  }
}

TEST(TwentyQuestionsUnderstand, EveryNameInEveryGuessShapeIsThatObjectAndNoOther) {
  const TwentyQuestions& task = v2_task();
  size_t tried = 0;
  std::vector<std::string> wrong;
  for (const auto& o : task.catalog().objects) {
    std::vector<std::string> names = o.synonyms;
    names.push_back(o.name);
    for (const auto& n : names) {
      for (const char* shape :
           {"Is it {}?", "My guess is {}.", "I think it's {}!", "Could it be {}?",
            "That sounds like {} to me.", "OK. So, is it {}, then?", "I'm going with {}.",
            "**{}?**", "Not a cat. Is it {}?"}) {
        const std::string t = fmt::format(fmt::runtime(shape), with_article(n));
        ++tried;
        const std::string got = parsed_name(task, t);
        if (got != fmt::format("guess:{}", o.name)) wrong.push_back(t + " -> " + got);
      }
    }
  }
  // Every one is recognised ("Not a cat." is a recap; the cat is never guessed in it).
  std::string all;
  for (const auto& w : wrong) all += "  " + w + "\n";
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " of " << tried << ":\n" << all;
}

TEST(TwentyQuestionsUnderstand, NoObjectIsAcceptedFromAQuestionAboutAProperty) {
  // Comparisons and descriptions that name an object are questions, never guesses.
  const TwentyQuestions& task = v2_task();
  for (const auto& o : task.catalog().objects) {
    for (const char* shape : {"Is it bigger than {}?", "Is it smaller than {}?",
                              "Does it have wheels like {}?", "Is it the same colour as {}?",
                              "So it's not {}.", "Is it {} toy?", "Would {} fit inside it?"}) {
      const std::string t = fmt::format(fmt::runtime(shape), with_article(o.name));
      EXPECT_FALSE(parsed_name(task, t).starts_with("guess:")) << t;
    }
  }
}

}  // namespace
}  // namespace collab::tasks::twenty_questions
