// The math_qa text channel. parse: what a message means — a question about one quantity (ask or
// confirm), or an answer carrying a number — read the way a person would (README "Text"):
//   1. \boxed{…} is a final answer.
//   2. The last question or request that names a quantity of the problem (by its words, a unit of
//      its kind, or a question cue like "how far") is the act, unless an answer follows it: a
//      marked one ("the answer is 4") or a conclusion with a number ("so it takes 2 hours").
//      Worked steps before the question do not make it an answer.
//   3. Otherwise a marked answer, else the last number (outside parentheses, preferring one in the
//      answer's kind of unit), converted to the answer's unit when another unit of that kind
//      follows it ("90 minutes" for an answer in hours).
// render: the canonical text of each act; parse(render(a, c)) gives back a and c.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tasks/math_qa/task.h"

namespace collab::tasks::math_qa {

namespace {

using Tokens = std::vector<Token>;

Lexicon make_lexicon(std::initializer_list<const char*> phrases, int label = 0) {
  Lexicon l;
  for (const char* p : phrases) l.add(p, label);
  return l;
}

// Words that open a question or a request.
const Lexicon& question_starts() {
  static const Lexicon l = make_lexicon(
      {"what", "whats", "how", "hows", "which", "when", "where", "who", "whose", "is", "are", "was",
       "were", "do", "does", "did", "can", "could", "would", "will", "should", "may", "might",
       "tell me", "tell us", "give me", "share", "please", "any idea", "remind me", "wait"});
  return l;
}
// Phrases that make a sentence a request wherever they occur.
const Lexicon& request_phrases() {
  static const Lexicon l = make_lexicon(
      {"need to know", "i need the", "need the", "need you to", "tell me", "let me know",
       "let us know", "could you", "can you", "would you", "please provide", "please give",
       "please tell", "please share", "please confirm", "do you know", "id like to know",
       "i would like to know", "wondering", "missing", "not given", "isnt given", "wasnt given",
       "didnt say", "didnt mention", "didnt give", "doesnt say", "doesnt give", "doesnt mention",
       "dont have the", "dont know the", "not sure what", "not stated", "unclear", "before i can",
       "in order to"});
  return l;
}
// Phrases that make a question a confirmation.
const Lexicon& confirm_phrases() {
  static const Lexicon l = make_lexicon(
      {"confirm", "double check", "double-check", "check", "verify", "just to be sure",
       "to be sure", "make sure", "is that right", "is that correct", "correct", "did you mean",
       "do you mean", "you mean", "meant", "which unit", "what unit", "unit", "is that in",
       "was that in", "sure about", "certain", "really", "typo", "still"});
  return l;
}
// Words that announce the final answer.
const Lexicon& answer_markers() {
  static const Lexicon l = make_lexicon({"answer", "result", "solution", "final", "it comes to",
                                         "comes out to", "works out to"});
  return l;
}
// Words that present a conclusion.
const Lexicon& conclusion_cues() {
  static const Lexicon l = make_lexicon(
      {"so", "therefore", "thus", "hence", "=", "equals", "comes to", "works out", "gives",
       "get", "got", "total", "altogether", "in all", "that makes", "which is", "answer",
       "result", "takes", "need", "its", "it is", "that is", "thats"});
  return l;
}
// "the third quantity", "quantity 3".
const Lexicon& ordinals() {
  static const Lexicon l = [] {
    Lexicon x;
    const char* words[] = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"};
    const char* nth[] = {"1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th"};
    for (int i = 0; i < 8; ++i) {
      x.add(words[i], i);
      x.add(nth[i], i);
    }
    return x;
  }();
  return l;
}
bool slot_noun(const Token& t) {
  return t.key == "quantity" || t.key == "number" || t.key == "value" || t.key == "variable" ||
         t.key == "figure";
}

struct Sentence {
  size_t begin, end;  // tokens, terminator included
  bool question;
};

std::vector<Sentence> sentences(const Tokens& t) {
  std::vector<Sentence> out;
  size_t b = 0;
  auto close = [&](size_t e) {
    if (e > b) {
      const bool qmark = t[e - 1].is("?");
      // Skip leading fillers before looking for a question word: "ok so what is …".
      size_t s = b;
      while (s < e && (t[s].kind != Token::Kind::kWord ||
                       t[s].is("ok") || t[s].is("okay") || t[s].is("so") || t[s].is("and") ||
                       t[s].is("but") || t[s].is("also") || t[s].is("then") || t[s].is("great") ||
                       t[s].is("thanks") || t[s].is("hmm") || t[s].is("sorry") || t[s].is("hi") ||
                       t[s].is("hello") || t[s].is("now") || t[s].is("first") || t[s].is("one") ||
                       t[s].is("quick") || t[s].is("question") || t[s].is("just") || t[s].is("oh") ||
                       t[s].is("alright") || t[s].is("sure") || t[s].is("well"))) {
        ++s;
      }
      const bool starts = s < e && question_starts().at(t, s, e).has_value();
      const bool request = request_phrases().find(t, b, e).has_value();
      out.push_back({b, e, qmark || starts || request});
    }
    b = e;
  };
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].kind == Token::Kind::kBreak || t[i].is("?") || t[i].is("!") || t[i].is(".") ||
        t[i].is(";")) {
      close(i + 1);
    }
  }
  close(t.size());
  return out;
}

}  // namespace

namespace {

// The quantity that a text's answer is: converted to the answer's unit when its unit measures the
// same kind of thing.
double in_answer_unit(const Setup& s, const Problem& p, const Quantity& q) {
  if (!q.unit || !p.answer_unit) return q.value;
  const Unit& u = s.units[static_cast<size_t>(*q.unit)];
  const Unit& a = s.units[static_cast<size_t>(*p.answer_unit)];
  if (u.dimension != a.dimension) return q.value;
  return q.value * (u.factor / a.factor);
}

struct Reading {
  const Setup& s;
  const Problem& p;
  const std::vector<Known>& known;
  Tokens t;
  std::vector<Sentence> sent;
  std::vector<Quantity> qs;

  Reading(const Setup& setup, const Problem& problem, const std::vector<Known>& k, std::string_view text)
      : s(setup), p(problem), known(k), t(tokenize(text)), sent(sentences(t)),
        qs(find_quantities(t, s.unit_lexicon, s.unit_info)) {}

  size_t sentence_of(size_t token) const {
    for (size_t i = 0; i < sent.size(); ++i) {
      if (token < sent[i].end) return i;
    }
    return sent.empty() ? 0 : sent.size() - 1;
  }
  int answer_dimension() const {
    return p.answer_unit ? s.units[static_cast<size_t>(*p.answer_unit)].dimension : -1;
  }

  // The slot a question sentence asks about, if any.
  std::optional<size_t> slot(const Sentence& x) const {
    // "the third quantity", "quantity 3"
    for (size_t i = x.begin; i + 1 < x.end; ++i) {
      if (const auto m = ordinals().at(t, i, x.end); m && m->end < x.end && slot_noun(t[m->end])) {
        return static_cast<size_t>(m->label);
      }
      if (slot_noun(t[i]) && t[i + 1].kind == Token::Kind::kNumber && t[i + 1].value >= 1 &&
          t[i + 1].value <= 8 && std::floor(t[i + 1].value) == t[i + 1].value) {
        return static_cast<size_t>(t[i + 1].value) - 1;
      }
    }
    // A phrase for the unknown that is longer than any quantity's phrase found ("sale price" over
    // "sale") means the question asks for the answer itself.
    const auto unknown = p.answer_lexicon.find(t, x.begin, x.end);
    if (const auto m = p.var_phrases.find(t, x.begin, x.end)) {
      if (unknown && unknown->end - unknown->begin > m->end - m->begin) return std::nullopt;
      return static_cast<size_t>(m->label);
    }
    if (unknown) return std::nullopt;
    // By kind: a question cue ("how far") or a unit ("in minutes") names a dimension; the
    // quantity of that kind still open is meant (the first one, if all are known).
    std::vector<int> dims;
    if (const auto c = s.cue_lexicon.find(t, x.begin, x.end)) dims.push_back(c->label);
    for (const auto& m : s.unit_lexicon.find_all(t, x.begin, x.end)) {
      dims.push_back(s.units[static_cast<size_t>(m.label)].dimension);
    }
    for (int d : dims) {
      std::optional<size_t> first, open;
      for (size_t i = 0; i < p.vars.size(); ++i) {
        if (p.dimension(s.units, i) != d) continue;
        if (!first) first = i;
        if (!open && known[i] != Known::kClear) open = i;
      }
      if (open || first) return open ? open : first;
    }
    return std::nullopt;
  }

  bool confirms(const Sentence& x, size_t slot) const {
    if (confirm_phrases().find(t, x.begin, x.end)) return true;
    // A number of the quantity's kind restated: "is the speed 60?", "did you mean 90 km?".
    const int dim = slot < p.vars.size() ? p.dimension(s.units, slot) : -1;
    for (const auto& q : qs) {
      if (q.begin < x.begin || q.begin >= x.end || q.lone_one) continue;
      if (!q.unit || s.units[static_cast<size_t>(*q.unit)].dimension == dim) return true;
    }
    // "minutes or hours?"
    const auto units = s.unit_lexicon.find_all(t, x.begin, x.end);
    for (size_t i = 0; i + 1 < units.size(); ++i) {
      if (units[i].end < units[i + 1].begin && t[units[i].end].is("or")) return true;
    }
    return false;
  }

  // A marked answer: a number shortly after "answer", "result", … in the same sentence.
  std::optional<Quantity> marked(size_t from_sentence = 0) const {
    std::optional<Quantity> best;
    for (const auto& m : answer_markers().find_all(t, sent.empty() ? 0 : sent[from_sentence].begin, t.size())) {
      const size_t si = sentence_of(m.begin);
      for (const auto& q : qs) {
        if (q.begin >= m.end && q.begin <= m.end + (q.lone_one ? 2 : 6) && q.begin < sent[si].end) {
          best = q;
          break;
        }
      }
    }
    return best;
  }

  std::optional<Quantity> boxed() const {
    for (size_t i = 0; i + 1 < t.size(); ++i) {
      if (!(t[i].is("boxed") && t[i + 1].is("{"))) continue;
      size_t depth = 0, j = i + 1, close = t.size();
      for (; j < t.size(); ++j) {
        if (t[j].is("{")) ++depth;
        if (t[j].is("}") && --depth == 0) {
          close = j;
          break;
        }
      }
      // \frac{a}{b}
      for (size_t k = i + 2; k + 6 < close; ++k) {
        if ((t[k].is("frac") || t[k].is("dfrac") || t[k].is("tfrac")) && t[k + 1].is("{") &&
            t[k + 2].kind == Token::Kind::kNumber && t[k + 3].is("}") && t[k + 4].is("{") &&
            t[k + 5].kind == Token::Kind::kNumber && t[k + 6].is("}") && t[k + 5].value != 0) {
          Quantity q;
          q.value = t[k + 2].value / t[k + 5].value;
          q.begin = k;
          q.end = k + 7;
          return q;
        }
      }
      for (const auto& q : qs) {
        if (q.begin > i + 1 && q.begin < close) return q;
      }
    }
    return std::nullopt;
  }

  // The number a text gives as its answer when nothing marks it: the last one, preferring numbers
  // outside parentheses and in the answer's kind of unit (or none).
  std::optional<Quantity> last_number(size_t from_token = 0) const {
    const int dim = answer_dimension();
    for (int tier = 0; tier < 3; ++tier) {
      for (auto it = qs.rbegin(); it != qs.rend(); ++it) {
        const Quantity& q = *it;
        if (q.begin < from_token) continue;
        const bool kind_ok = !q.unit || s.units[static_cast<size_t>(*q.unit)].dimension == dim;
        const bool ok = tier == 0   ? q.paren_depth == 0 && kind_ok && !q.lone_one
                        : tier == 1 ? q.paren_depth == 0 && !q.lone_one
                                    : !q.lone_one;
        if (ok) return q;
      }
    }
    return std::nullopt;
  }
};

Parsed answer_of(const Reading& r, const Quantity& q, int32_t answer_act) {
  return {answer_act, Content{{}, in_answer_unit(r.s, r.p, q)}};
}

}  // namespace

Parsed MathQa::parse_text(const Problem& p, const std::vector<Known>& known,
                          std::string_view text) const {
  if (version_ >= 1) {
    using K = Understanding::Kind;
    const Understanding u = understand(p, known, text);
    switch (u.kind) {
      case K::kAsk:
        return {ask_act(u.slot), {}};
      case K::kConfirm:
        return {confirm_act(u.slot), {}};
      case K::kAnswer:
        return {answer_act(), Content{{}, u.number}};
      default:
        return {};  // the user says what it could not read (user_sim.cpp)
    }
  }
  const Reading r(setup_, p, known, text);
  if (r.t.empty()) return {};
  if (const auto q = r.boxed()) return answer_of(r, *q, answer_act());

  // The last question about a quantity of the problem.
  std::optional<size_t> qi, slot;
  for (size_t i = r.sent.size(); i-- > 0;) {
    if (!r.sent[i].question) continue;
    if (const auto sl = r.slot(r.sent[i]); sl && *sl < slots()) {
      qi = i;
      slot = sl;
      break;
    }
  }
  const auto marked = r.marked();
  if (marked && (!qi || r.sentence_of(marked->begin) > *qi)) return answer_of(r, *marked, answer_act());
  if (qi) {
    // An answer after the question: a conclusion with a number in a later statement.
    for (size_t i = *qi + 1; i < r.sent.size(); ++i) {
      const Sentence& x = r.sent[i];
      if (x.question || !conclusion_cues().find(r.t, x.begin, x.end)) continue;
      if (const auto q = r.last_number(x.begin)) return answer_of(r, *q, answer_act());
    }
    return {r.confirms(r.sent[*qi], *slot) ? confirm_act(*slot) : ask_act(*slot), {}};
  }
  if (marked) return answer_of(r, *marked, answer_act());
  if (const auto q = r.last_number()) return answer_of(r, *q, answer_act());
  return {};
}

bool MathQa::is_question(std::string_view text) const {
  const Tokens t = tokenize(text);
  for (const auto& s : sentences(t)) {
    if (s.question) return true;
  }
  return false;
}

bool MathQa::asks_for_unknown(const Problem& p, std::string_view text) const {
  const Tokens t = tokenize(text);
  if (p.answer_lexicon.find(t, 0, t.size())) return true;
  if (!p.answer_unit) return false;
  const int dim = setup_.units[static_cast<size_t>(*p.answer_unit)].dimension;
  for (size_t i = 0; i < p.vars.size(); ++i) {
    if (p.dimension(setup_.units, i) == dim) return false;
  }
  if (const auto c = setup_.cue_lexicon.find(t, 0, t.size()); c && c->label == dim) return true;
  for (const auto& m : setup_.unit_lexicon.find_all(t, 0, t.size())) {
    if (setup_.units[static_cast<size_t>(m.label)].dimension == dim) return true;
  }
  return false;
}

std::string MathQa::render_act(const Problem& p, int32_t act, const Content& content) const {
  static const char* kOrdinal[] = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"};
  if (act == answer_act()) {
    return fmt::format("The answer is {}.", fill(p.answer_format, fmt::format("{}", content.number.value_or(0))));
  }
  const size_t i = slot_of(act);
  const std::string what = i < p.vars.size() ? p.vars[i].label
                                             : fmt::format("the {} quantity", kOrdinal[i]);
  return is_ask(act) ? fmt::format("What is {}?", what)
                     : fmt::format("Could you confirm {}, with its unit?", what);
}

Parsed Game::parse(std::string_view text) const { return task_->parse_text(*p_, known_, text); }

Content Game::compose(int32_t act) const {
  // The eager assumption: what was said, the template's guesses for the rest.
  if (act == task_->answer_act()) return Content{{}, eager_answer()};
  return {};
}

std::string Game::render(int32_t act, const Content& content) const {
  return task_->render_act(*p_, act, content);
}

}  // namespace collab::tasks::math_qa
