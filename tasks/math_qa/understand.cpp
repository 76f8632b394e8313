// math_qa-v1's reader (understand.h): the message split into sentences, its quantities from the
// shared reader (env/quantity.h) placed on the tokens, then, like a person reading it:
//   1. \boxed{…} is a final answer.
//   2. The last question or request that names a quantity of the problem is the act, unless an
//      answer follows it (a marked one, or a conclusion with a number in a later statement).
//      A quantity named with its value beside it ("given the 240 km, how fast…") is context, not
//      what is asked; two quantities asked together ("the distance and the speed?") are several.
//   3. Otherwise the answer: the sentence that concludes (marked, else the last one with a number
//      of the answer's kind), and in it the result — after "is"/"="/"≈", never an operand of
//      the working, the one a "because …" explains — converted to the answer's unit.
// A vague amount, a range or an either/or as the answer is not acted on (kUnsureAnswer).
#include "tasks/math_qa/understand.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "env/quantity.h"
#include "tasks/math_qa/task.h"

namespace collab::tasks::math_qa {

namespace {

using Tokens = std::vector<Token>;

Lexicon lexicon(std::initializer_list<const char*> phrases) {
  Lexicon l;
  for (const char* p : phrases) l.add(p, 0);
  return l;
}

const Lexicon& question_starts() {
  static const Lexicon l = lexicon(
      {"what", "whats", "how", "hows", "which", "when", "where", "who", "whose", "is", "are", "was",
       "were", "do", "does", "did", "can", "could", "would", "will", "should", "may", "might",
       "tell me", "tell us", "give me", "share", "please", "any idea", "remind me", "wait",
       "any chance", "mind telling", "care to share", "got", "have you got", "roughly how",
       "about how", "and how", "and what", "need", "i need", "ill need", "i will need", "id need",
       "i would need", "i still need", "still need", "quick check", "one more thing"});
  return l;
}
const Lexicon& request_phrases() {
  static const Lexicon l = lexicon(
      {"need to know", "i need the", "need the", "need you to", "tell me", "let me know",
       "let us know", "could you", "can you", "would you", "please provide", "please give",
       "please tell", "please share", "please confirm", "please let", "do you know",
       "id like to know", "i would like to know", "wondering", "missing", "not given",
       "isnt given", "wasnt given", "didnt say", "didnt mention", "didnt give", "doesnt say",
       "doesnt give", "doesnt mention", "dont have the", "dont know the", "not sure what",
       "not stated", "unclear", "before i can", "in order to", "need to have", "ill need",
       "i will need", "i need to", "i still need", "need one more", "need a bit more",
       "can i get", "could i get", "can i have", "could i have", "mind sharing", "what was",
       "whats the", "what is the", "fill me in", "specify", "clarify", "which was it",
       "if you tell me", "once you tell me", "once i know", "as soon as i know", "depends on"});
  return l;
}
const Lexicon& confirm_phrases() {
  static const Lexicon l = lexicon(
      {"confirm", "double check", "double-check", "check", "verify", "just to be sure",
       "to be sure", "make sure", "is that right", "is that correct", "correct", "did you mean",
       "do you mean", "you mean", "meant", "which unit", "what unit", "unit", "is that in",
       "was that in", "sure about", "certain", "really", "typo", "still", "you said", "you wrote",
       "you mentioned", "that was", "was that", "is that", "right", "exact", "exactly",
       "precise", "precisely", "rounded", "ballpark", "estimate", "accurate", "positive",
       "so thats", "so its", "just checking", "sanity check", "am i right", "is it really"});
  return l;
}
const Lexicon& answer_markers() {
  static const Lexicon l = lexicon(
      {"answer", "result", "solution", "final", "it comes to", "comes out to", "works out to",
       "comes to", "come to", "comes out", "works out", "bottom line",
       "comes out at", "works out at", "in total", "altogether", "all told", "in all"});
  return l;
}
const Lexicon& conclusion_cues() {
  static const Lexicon l = lexicon(
      {"so", "therefore", "thus", "hence", "=", "equals", "comes to", "works out", "gives",
       "get", "got", "total", "altogether", "in all", "that makes", "which is", "answer",
       "result", "takes", "need", "its", "it is", "that is", "thats", "youll", "you will",
       "youd", "you would", "would be", "will be", "is", "are", "comes", "costs", "cost",
       "pay", "earn", "hold", "holds", "grow", "grew", "meet", "catch", "approximately",
       "about", "roughly", "around", "≈", "~"});
  return l;
}
// Words that start the reasons after a result: "4 hours, since 240 ÷ 60 = 4".
const Lexicon& reason_cues() {
  static const Lexicon l = lexicon({"because", "since", "as", "given", "from", "using", "via",
                                    "with", "at", "for", "based on", "if", "(", "[", ":",
                                    "\xE2\x80\x94", "\xE2\x80\x93", "-", "which", "thats",
                                    "that is", "or", "ie", "i e"});
  return l;
}
// Whether token i is an arithmetic operator ("**" is markdown, "x" only between numbers).
bool operator_at(const std::vector<Token>& t, size_t i) {
  if (i >= t.size()) return false;
  if (t[i].is("*")) {
    return !(i + 1 < t.size() && t[i + 1].is("*")) && !(i > 0 && t[i - 1].is("*"));
  }
  if (t[i].is("x")) {
    return i > 0 && i + 1 < t.size() && t[i - 1].kind == Token::Kind::kNumber &&
           t[i + 1].kind == Token::Kind::kNumber;
  }
  const Token& x = t[i];
  return x.is("/") || x.is("+") || x.is("-") || x.is("^") ||
         x.is("\xC3\xB7") || x.is("\xE2\x88\x92") || x.is("\xE2\x88\x97") || x.is("\xC2\xB7") ||
         x.is("times") || x.is("divided") || x.is("over") || x.is("plus") || x.is("minus") ||
         x.is("multiplied") || x.is("cdot") || x.is("div") || x.is("frac") || x.is("dfrac");
}
bool equals_token(const Token& t) {
  return t.is("=") || t.is("\xE2\x89\x88") || t.is("~") || t.is("approx") || t.is("equals") ||
         t.is("\xE2\x86\x92") || t.is("approximately");
}
bool filler(const Token& t) {
  static const char* kWords[] = {"ok", "okay", "so", "and", "but", "also", "then", "great",
                                 "thanks", "hmm", "sorry", "hi", "hello", "now", "first", "one",
                                 "quick", "question", "just", "oh", "alright", "sure", "well",
                                 "right", "got", "it", "perfect", "cool", "nice", "thank", "you",
                                 "yes", "yep", "no", "hey", "um", "uh", "actually", "next",
                                 "lastly", "finally", "last", "another", "thing", "understood"};
  if (t.kind != Token::Kind::kWord) return true;
  for (const char* w : kWords) {
    if (t.is(w)) return true;
  }
  return false;
}

// Offers and courtesy questions ("Want me to explain?", "Let me know if you'd like the mph
// figure"): they ask for nothing the problem holds.
const Lexicon& offers() {
  static const Lexicon l = lexicon(
      {"would you like", "want me to", "do you want me", "do you want", "shall i", "should i",
       "let me know if", "happy to", "i can also", "if you like", "if you want", "if youd like",
       "anything else", "does that help", "hope this helps", "hope that helps", "make sense",
       "does that make sense", "need anything else", "want the", "want a", "would it help",
       "like me to", "want to see", "can i help", "feel free"});
  return l;
}
// A sentence that only checks the one before it: "— did I get that right?", "right?".
const Lexicon& tags() {
  static const Lexicon l = lexicon(
      {"did i get that right", "did i read that right", "is that right", "is that correct",
       "right", "correct", "yes", "yeah", "ok", "am i right", "is that so", "did i understand",
       "have i got that right", "did i get it right", "is that what you meant", "true"});
  return l;
}

struct Sentence {
  size_t begin, end;  // tokens, terminator included
  bool question;
  bool offer = false;
  bool direct = false;  // a question mark or a question word, not only a request phrase
};

std::vector<Sentence> split(const Tokens& t) {
  std::vector<Sentence> out;
  size_t b = 0;
  auto close = [&](size_t e) {
    if (e > b) {
      size_t s = b;
      while (s < e && filler(t[s]) && !t[s].is("right")) ++s;
      const bool qmark = t[e - 1].is("?") || (e >= 2 && t[e - 2].is("?"));
      const bool starts = s < e && question_starts().at(t, s, e).has_value();
      const bool request = request_phrases().find(t, b, e).has_value();
      const bool offer = offers().find(t, b, e).has_value() &&
                         !request_phrases().find(t, b, std::min(e, offers().find(t, b, e)->begin));
      // A tag checks the sentence before it: the two are one question.
      size_t w = s, last = e;
      while (last > w && t[last - 1].kind != Token::Kind::kWord) --last;
      const auto tag = tags().at(t, w, last);
      if (qmark && tag && tag->end == last && !out.empty()) {
        out.back().end = e;
        out.back().question = true;
        out.back().direct = true;
        b = e;
        return;
      }
      out.push_back({b, e, !offer && (qmark || starts || request), offer, !offer && (qmark || starts)});
    }
    b = e;
  };
  for (size_t i = 0; i < t.size(); ++i) {
    const bool dash = (t[i].is("\xE2\x80\x94") || t[i].is("--")) && i + 1 < t.size() &&
                      tags().at(t, i + 1, t.size());
    if (t[i].kind == Token::Kind::kBreak || t[i].is("?") || t[i].is("!") || t[i].is(";") ||
        (t[i].is(".") && !(i + 1 < t.size() && t[i + 1].kind == Token::Kind::kNumber &&
                           t[i + 1].pos == t[i].pos + 1)) || dash) {
      close(i + 1);
    }
  }
  close(t.size());
  return out;
}

// Light stemming for matching verbs: "depositing", "deposited", "deposits" -> "deposit";
// "saving", "saves", "save" -> "sav".
std::string light_stem(std::string w) {
  const auto ends = [&](std::string_view x) {
    return w.size() > x.size() + 2 && w.compare(w.size() - x.size(), x.size(), x) == 0;
  };
  if (ends("ing")) w.resize(w.size() - 3);
  else if (ends("ed")) w.resize(w.size() - 2);
  else if (ends("es")) w.resize(w.size() - 2);
  else if (ends("s") && !ends("ss")) w.resize(w.size() - 1);
  if (w.size() > 3 && w.back() == 'e') w.pop_back();
  return w;
}

// Chat spellings and everyday synonyms, as the keys phrases are written with.
const char* canonical(std::string_view w) {
  static const std::pair<const char*, const char*> kWords[] = {
      {"ur", "your"}, {"ppl", "people"}, {"folk", "people"},
      {"folks", "people"}, {"persons", "people"}, {"person", "people"}, {"yr", "year"},
      {"yrs", "year"}, {"pls", "please"}, {"plz", "please"}, {"hw", "how"}, {"wat", "what"},
      {"wht", "what"}, {"thx", "thanks"}, {"mins", "minute"},
      {"hrs", "hour"}, {"approx", "about"}, {"amt", "amount"}, {"qty", "quantity"},
      {"diners", "people"}, {"attendees", "people"}, {"heads", "people"}, {"headcount", "people"},
      {"litre", "liter"}, {"litres", "liter"}, {"metre", "meter"}, {"metres", "meter"},
      {"colour", "color"}};
  for (const auto& [from, to] : kWords) {
    if (w == from) return to;
  }
  return nullptr;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

struct MathQa::V1Reading {
  struct Q {
    double value = 0;           // as written
    std::optional<int> dim;     // scenario dimension
    double base = 0;            // in the dimension's base unit (value when dim is unset)
    size_t tb = 0, te = 0;      // tokens
    int paren = 0;
    bool lone_one = false, vague = false, unsure = false, operand = false, result = false;
    std::optional<double> other;  // a range's top or an either/or's other value (same unit)
  };
  const MathQa& task;
  const Setup& s;
  const Problem& p;
  const std::vector<Known>& known;
  Tokens t;
  std::vector<Sentence> sent;
  std::vector<Q> qs;
  mutable std::map<size_t, size_t> rivals;  // a result picked by position only -> another candidate

  static bool common(std::string_view w) {
    static const char* kWords[] = {
        "that", "this", "with", "have", "what", "your", "there", "their", "they", "then", "than",
        "much", "many", "long", "take", "make", "does", "need", "know", "tell", "give", "right",
        "left", "more", "less", "some", "same", "each", "work", "like", "just", "also", "only",
        "very", "well", "good", "will", "would", "could", "should", "when", "were", "been",
        "from", "into", "over", "about", "after", "before", "want", "says", "said", "each",
        "time", "much", "here", "where", "which", "while", "these", "those", "them", "other",
        "first", "second", "third", "total", "sure", "think", "thing", "still", "again", "mean",
        "meant", "part", "parts", "rate", "rates", "cost", "costs", "price", "days", "hours",
        "years", "weeks", "months", "people", "number", "amount", "value", "figure", "answer"};
    for (const char* x : kWords) {
      if (w == x) return true;
    }
    return false;
  }

  V1Reading(const MathQa& m, const Problem& problem, const std::vector<Known>& k,
          std::string_view text)
      : task(m), s(m.setup()), p(problem), known(k), t(tokenize(text)) {
    normalize();
    sent = split(t);
    place(text);
  }

  // Chat spellings to words, and typos of the problem's own words corrected (edit distance 1, or
  // 2 for words of 6+ letters, when exactly one word of the problem is that close).
  void normalize() {
    std::vector<std::string> vocabulary;
    const auto learn = [&](std::string_view phrase) {
      for (const Token& x : tokenize(phrase)) {
        if (x.kind == Token::Kind::kWord && x.text.size() >= 4 &&
            std::find(vocabulary.begin(), vocabulary.end(), x.text) == vocabulary.end()) {
          vocabulary.push_back(x.text);
        }
      }
    };
    for (const auto& v : p.vars) {
      for (const auto& ph : v.phrases) learn(ph);
    }
    for (const auto& ph : p.answer_phrases) learn(ph);
    learn(p.statement);
    for (Token& x : t) {
      if (x.kind != Token::Kind::kWord) continue;
      if (const char* c = canonical(x.text)) {
        x.text = c;
        x.key = stem(x.text);
        continue;
      }
      if (x.text.size() < 4 || common(x.text) ||
          std::find(vocabulary.begin(), vocabulary.end(), x.text) != vocabulary.end()) {
        continue;
      }
      const size_t limit = x.text.size() >= 6 ? 2 : 1;
      const std::string* best = nullptr;
      int found = 0;
      for (const auto& w : vocabulary) {
        if (stem(w) == x.key || edit_distance(w, x.text) > limit) continue;
        best = &w;
        ++found;
      }
      if (found == 1) {
        x.text = *best;
        x.key = stem(x.text);
      }
    }
  }

  size_t token_at(size_t byte) const {
    size_t i = 0;
    while (i < t.size() && t[i].pos < byte) ++i;
    return i;
  }

  // LaTeX math delimiters ("$v = 25/1.5 \\approx 16.67$") blanked, so that the shared reader
  // does not take them for dollars; byte offsets stay the same.
  static std::string without_math_dollars(std::string_view text) {
    std::string out(text);
    // "a 90-minute drive": the hyphen between a number and its unit read as a space.
    for (size_t i = 1; i + 1 < out.size(); ++i) {
      if (out[i] == '-' && std::isdigit(static_cast<unsigned char>(out[i - 1])) &&
          std::isalpha(static_cast<unsigned char>(out[i + 1]))) {
        out[i] = ' ';
      }
    }
    bool open = false;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] != '$') continue;
      const char next = i + 1 < out.size() ? out[i + 1] : ' ';
      const char prev = i > 0 ? out[i - 1] : ' ';
      const bool opens = std::isalpha(static_cast<unsigned char>(next)) || next == '\\' ||
                         next == '{' || (next == '$');
      if (!open && opens) {
        open = true;
        out[i] = ' ';
      } else if (open && (std::isalnum(static_cast<unsigned char>(prev)) || prev == '}' ||
                          prev == ')' || prev == ' ' || prev == '$')) {
        open = false;
        out[i] = ' ';
      }
    }
    return out;
  }

  void place(std::string_view raw) {
    const std::string text = without_math_dollars(raw);
    for (const collab::Quantity& q : read_quantities(text)) {
      Q x;
      x.value = q.value;
      x.tb = token_at(q.begin);
      x.te = std::max(x.tb + 1, token_at(q.end));
      if (x.tb >= t.size()) continue;
      x.lone_one = q.lone_one;
      x.vague = q.vague;
      x.unsure = q.ambiguous && !q.unit;
      if (q.high) x.other = q.high;
      if (q.alternative) x.other = q.alternative;
      // The unit: the scenario's own words right after the number ("m²", "square feet",
      // "hectares") unless the shared reader's unit is of the same kind.
      const auto shared = q.unit ? task.shared_dimension(*q.unit) : std::nullopt;
      std::optional<int> lex_unit;
      for (size_t j = x.tb + 1; j <= std::min(x.tb + 2, t.size() - 1); ++j) {
        const auto m = s.unit_lexicon.at(t, j, t.size());
        if (!m) continue;
        // Only a kind the shared reader does not know ("m²" read as "m") overrides its unit.
        const int d = s.units[static_cast<size_t>(m->label)].dimension;
        if (!shared || !task.dimension_shared(d)) lex_unit = m->label;
        break;
      }
      if (shared && !lex_unit) {
        x.dim = shared->first;
        x.base = q.base() * shared->second;
      } else if (lex_unit) {
        const Unit& u = s.units[static_cast<size_t>(*lex_unit)];
        x.dim = u.dimension;
        x.base = q.value * u.factor;
      } else {
        x.base = q.value;
      }
      int depth = 0;
      for (size_t j = 0; j < x.tb; ++j) {
        if (t[j].is("(") || t[j].is("[")) ++depth;
        if ((t[j].is(")") || t[j].is("]")) && depth > 0) --depth;
      }
      x.paren = depth;
      const bool before_op = x.tb > 0 && operator_at(t, x.tb - 1);
      const bool after_op = operator_at(t, x.te);
      x.result = x.tb > 0 && equals_token(t[x.tb - 1]);
      // \frac{25}{1.5}: both parts are operands.
      const bool in_frac = x.tb >= 2 && t[x.tb - 1].is("{") &&
                           (t[x.tb - 2].is("frac") || t[x.tb - 2].is("dfrac") || t[x.tb - 2].is("}"));
      x.operand = !x.result && (before_op || after_op || in_frac);
      if (x.result && after_op) {  // "= 240 / 60 = 4": a step, not the result
        x.result = false;
        x.operand = true;
      }
      qs.push_back(x);
    }
  }

  size_t sentence_of(size_t token) const {
    for (size_t i = 0; i < sent.size(); ++i) {
      if (token < sent[i].end) return i;
    }
    return sent.empty() ? 0 : sent.size() - 1;
  }
  int answer_dim() const {
    return p.answer_unit ? s.units[static_cast<size_t>(*p.answer_unit)].dimension : -1;
  }
  bool answer_kind(const Q& q) const {
    if (!q.dim) return true;
    return *q.dim == answer_dim();
  }
  double in_answer_unit(const Q& q, double v) const {
    if (!q.dim || !p.answer_unit || *q.dim != answer_dim()) return v;
    const double per = q.value != 0 ? q.base / q.value : 0;
    return v * per / s.units[static_cast<size_t>(*p.answer_unit)].factor;
  }

  // Quantities of the problem named in [b, e): phrase matches, by variable.
  std::vector<Lexicon::Match> named(size_t b, size_t e) const { return p.var_phrases.find_all(t, b, e); }

  // Whether a phrase match has its own value beside it ("the 240 km distance", "distance of
  // 240 km", "at 60 km/h speed").
  bool valued(const Lexicon::Match& m) const {
    const int dim = p.dimension(s.units, static_cast<size_t>(m.label));
    for (const Q& q : qs) {
      if (q.lone_one || q.vague) continue;
      const bool near = (q.tb >= m.end && q.tb <= m.end + 2) || (q.te <= m.begin && q.te + 2 >= m.begin);
      if (!near) continue;
      if (q.dim ? *q.dim == dim : dim < 0) return true;
    }
    return false;
  }

  struct SlotReading {
    std::optional<size_t> slot;
    std::vector<size_t> several;
    bool unknown = false;
    bool restated = false;  // the quantity is named with a value: the question checks it
  };

  // What a question sentence asks about.
  // Words of the statement right before a quantity ("I deposit {principal}", "I want to save
  // {goal}"): "how much are you depositing?" asks for it. Only words that point to one quantity.
  std::optional<size_t> statement_cue(size_t b, size_t e) const {
    static const char* kSkip[] = {"a", "an", "the", "at", "of", "for", "and", "by", "in", "to",
                                  "with", "on", "about", "its", "his", "her", "my", "our", "is",
                                  "are", "was", "has", "have", "be", "it", "that", "some"};
    std::vector<std::pair<std::string, size_t>> cues;
    const Tokens st = tokenize(p.statement);
    for (size_t i = 0; i + 2 < st.size(); ++i) {
      if (!st[i].is("{")) continue;
      const std::string name = st[i + 1].text;
      size_t var = p.vars.size();
      for (size_t k = 0; k < p.vars.size(); ++k) {
        if (p.vars[k].name == name) var = k;
      }
      if (var == p.vars.size()) continue;
      for (size_t j = i; j-- > 0;) {
        if (st[j].kind != Token::Kind::kWord) break;
        bool skip = false;
        for (const char* w : kSkip) skip |= st[j].is(w);
        if (skip) continue;
        if (st[j].text.size() >= 4) cues.emplace_back(light_stem(st[j].text), var);
        break;
      }
    }
    std::optional<size_t> found;
    for (size_t i = b; i < e; ++i) {
      if (t[i].kind != Token::Kind::kWord) continue;
      const std::string w = light_stem(t[i].text);
      for (const auto& [cue, var] : cues) {
        if (cue != w) continue;
        size_t uses = 0;
        for (const auto& c : cues) uses += c.first == cue;
        if (uses == 1 && !found) found = var;
      }
    }
    return found;
  }

  // What a question sentence asks about.
  SlotReading slot(const Sentence& x) const {
    SlotReading out;
    for (size_t i = x.begin; i + 1 < x.end; ++i) {  // "the third quantity", "quantity 3"
      static const char* kOrd[] = {"first", "second", "third", "fourth"};
      for (size_t k = 0; k < 4; ++k) {
        if (t[i].is(kOrd[k]) && (t[i + 1].key == "quantity" || t[i + 1].key == "number" ||
                                 t[i + 1].key == "value" || t[i + 1].key == "variable")) {
          out.slot = k;
          return out;
        }
      }
    }
    const auto unknown = p.answer_lexicon.find(t, x.begin, x.end);
    auto matches = named(x.begin, x.end);
    // The unknown's phrase covering a quantity's ("sale price" over "sale") asks for the answer.
    if (unknown) {
      std::erase_if(matches, [&](const Lexicon::Match& m) {
        return m.begin >= unknown->begin && m.end <= unknown->end &&
               m.end - m.begin < unknown->end - unknown->begin;
      });
    }
    std::vector<Lexicon::Match> asked, context;
    for (const auto& m : matches) (valued(m) ? context : asked).push_back(m);
    std::vector<size_t> labels;
    for (const auto& m : asked) {
      const size_t v = static_cast<size_t>(m.label);
      if (std::find(labels.begin(), labels.end(), v) == labels.end()) labels.push_back(v);
    }
    // The unknown named before any quantity ("how many days would the new crew need?") is what
    // the question is about.
    if (unknown && (asked.empty() || unknown->begin < asked.front().begin) &&
        (asked.empty() || unknown->end <= asked.front().begin)) {
      if (asked.empty() || !context.empty() || unknown->begin <= x.begin + 3) {
        out.unknown = true;
        return out;
      }
    }
    if (labels.size() > 1) {
      // Two quantities joined by "and" / "," / "or" / "plus" are asked together.
      for (size_t i = 0; i + 1 < asked.size(); ++i) {
        if (asked[i].label == asked[i + 1].label) continue;
        bool joined = true, conjunction = false;
        for (size_t j = asked[i].end; j < asked[i + 1].begin && joined; ++j) {
          const bool c = t[j].is("and") || t[j].is(",") || t[j].is("or") || t[j].is("plus") ||
                         t[j].is("&") || t[j].is("/");
          conjunction |= c;
          joined = c || t[j].is("the") || t[j].is("also") || t[j].is("as") || t[j].is("well") ||
                   t[j].is("both") || t[j].is("its") || t[j].is("their");
        }
        if (joined && conjunction) {
          out.several = labels;
          return out;
        }
      }
      out.slot = labels.front();  // the first named is what the question is about
      return out;
    }
    if (labels.size() == 1) {
      out.slot = labels.front();
      // "Is the first coffee $14 per kilogram?": the value is of another kind than the quantity
      // named, and one quantity of that kind shares the phrase's words: the question is about it.
      const int own = p.dimension(s.units, *out.slot);
      for (const Q& q : qs) {
        if (q.tb < x.begin || q.tb >= x.end || !q.dim || *q.dim == own || q.lone_one) continue;
        std::optional<size_t> sibling;
        int count = 0;
        for (size_t v = 0; v < p.vars.size(); ++v) {
          if (v == *out.slot || p.dimension(s.units, v) != *q.dim) continue;
          bool shares = false;
          for (const auto& ph : p.vars[v].phrases) {
            for (const Token& w : tokenize(ph)) {
              for (size_t j = asked.front().begin; j < asked.front().end; ++j) {
                shares |= w.kind == Token::Kind::kWord && w.text.size() >= 4 && t[j].key == w.key;
              }
            }
          }
          if (shares) {
            sibling = v;
            ++count;
          }
        }
        if (count == 1) {
          out.slot = sibling;
          out.restated = true;
        }
        break;
      }
      return out;
    }
    // Only quantities named with a value: a question about that value ("is the first train
    // doing 120 km/h?").
    if (!context.empty() && x.direct) {
      out.slot = static_cast<size_t>(context.back().label);
      out.restated = true;
      return out;
    }
    if (unknown) {
      out.unknown = true;
      return out;
    }
    if (const auto c = statement_cue(x.begin, x.end)) {
      out.slot = *c;
      return out;
    }
    // By kind: a question cue ("how far") or a unit ("in minutes") names a dimension; the open
    // quantity of that kind is meant (the only one of the kind, if none is open).
    std::vector<int> dims;
    if (const auto c = s.cue_lexicon.find(t, x.begin, x.end)) dims.push_back(c->label);
    for (const auto& m : s.unit_lexicon.find_all(t, x.begin, x.end)) {
      dims.push_back(s.units[static_cast<size_t>(m.label)].dimension);
    }
    for (const Q& q : qs) {
      if (q.tb >= x.begin && q.tb < x.end && q.dim) dims.push_back(*q.dim);
    }
    for (int d : dims) {
      std::vector<size_t> of_kind, open;
      for (size_t i = 0; i < p.vars.size(); ++i) {
        if (p.dimension(s.units, i) != d) continue;
        of_kind.push_back(i);
        if (known[i] != Known::kClear) open.push_back(i);
      }
      if (open.size() == 1) {
        out.slot = open.front();
        return out;
      }
      if (open.empty() && of_kind.size() == 1) {
        out.slot = of_kind.front();
        return out;
      }
      if (open.size() > 1) {
        out.several = open;
        return out;
      }
      if (d == answer_dim()) {
        out.unknown = true;
        return out;
      }
    }
    return out;
  }

  bool confirms(const Sentence& x, size_t slot) const {
    if (confirm_phrases().find(t, x.begin, x.end)) return true;
    const int dim = slot < p.vars.size() ? p.dimension(s.units, slot) : -1;
    for (const Q& q : qs) {
      if (q.tb < x.begin || q.tb >= x.end || q.lone_one || q.vague) continue;
      if (!q.dim || *q.dim == dim) return true;
    }
    const auto units = s.unit_lexicon.find_all(t, x.begin, x.end);
    for (size_t i = 0; i + 1 < units.size(); ++i) {
      if (units[i].end < units[i + 1].begin && t[units[i].end].is("or")) return true;
    }
    return false;
  }

  std::optional<size_t> boxed() const {
    for (size_t i = 0; i + 1 < t.size(); ++i) {
      if (!(t[i].is("boxed") && t[i + 1].is("{"))) continue;
      size_t depth = 0, close = t.size();
      for (size_t j = i + 1; j < t.size(); ++j) {
        if (t[j].is("{")) ++depth;
        if (t[j].is("}") && --depth == 0) {
          close = j;
          break;
        }
      }
      std::optional<size_t> last;
      for (size_t k = 0; k < qs.size(); ++k) {
        if (qs[k].tb > i + 1 && qs[k].tb < close && !qs[k].operand) last = k;
      }
      if (!last) {
        for (size_t k = 0; k < qs.size(); ++k) {
          if (qs[k].tb > i + 1 && qs[k].tb < close) last = k;
        }
      }
      if (last) return last;
    }
    return std::nullopt;
  }

  // \frac{a}{b} as one number: the first token of a recognised fraction, and its value.
  std::optional<double> frac_at(size_t k, size_t* end) const {
    if (k + 6 < t.size() && (t[k].is("frac") || t[k].is("dfrac") || t[k].is("tfrac")) &&
        t[k + 1].is("{") && t[k + 2].kind == Token::Kind::kNumber && t[k + 3].is("}") &&
        t[k + 4].is("{") && t[k + 5].kind == Token::Kind::kNumber && t[k + 6].is("}") &&
        t[k + 5].value != 0) {
      *end = k + 7;
      return t[k + 2].value / t[k + 5].value;
    }
    return std::nullopt;
  }

  // "If so, that's about 15 m", "Assuming 60 km/h, …": a supposition, not an answer.
  bool hypothetical(const Sentence& x) const {
    size_t i = x.begin;
    while (i < x.end && filler(t[i])) ++i;
    return i < x.end && (t[i].is("if") || t[i].is("assuming") || t[i].is("suppose") ||
                         t[i].is("supposing") || t[i].is("otherwise"));
  }

  // A quantity the sentence uses rather than concludes: "for 12", "at $8", "of 1,600".
  bool input(const Q& q) const {
    size_t j = q.tb;
    while (j > 0 && (t[j - 1].is("the") || t[j - 1].is("a") || t[j - 1].is("just") ||
                     t[j - 1].is("only"))) {
      --j;
    }
    if (j == 0) return false;
    const Token& w = t[j - 1];
    return w.is("for") || w.is("at") || w.is("of") || w.is("on") || w.is("from") ||
           w.is("with") || w.is("by") || w.is("per") || w.is("over");
  }

  // How well a quantity's kind fits the answer: 2 the answer's kind, 1 a bare number (or, for an
  // answer with no unit, any kind), 0 another kind.
  int fit(const Q& q) const {
    if (answer_dim() < 0) return q.dim ? 1 : 2;
    if (!q.dim) return 1;
    return *q.dim == answer_dim() ? 2 : 0;
  }

  // The index of the quantity a sentence gives as its result, if any. `strict`: only when a
  // conclusion cue comes before it; `parens`: quantities inside (…) count too.
  std::optional<size_t> result_in(const Sentence& x, bool strict, bool parens = false) const {
    std::vector<size_t> c;
    for (size_t k = 0; k < qs.size(); ++k) {
      const Q& q = qs[k];
      if (q.tb < x.begin || q.tb >= x.end || q.lone_one) continue;
      if (!parens && q.paren > 0) continue;
      if (fit(q) == 0) continue;
      c.push_back(k);
    }
    if (c.empty()) return std::nullopt;
    const auto usable = [&](size_t k) { return !qs[k].operand; };
    // Right after a phrase for the unknown ("Ann gets $2,170", "the total is $253") or an
    // answer marker ("the answer is 4").
    std::vector<Lexicon::Match> marks = p.answer_lexicon.find_all(t, x.begin, x.end);
    const size_t phrases = marks.size();  // marks[0, phrases): the unknown's own phrases
    for (const auto& m : answer_markers().find_all(t, x.begin, x.end)) marks.push_back(m);
    std::optional<size_t> marked;
    const auto mark = [&](size_t k) {
      if (!marked || qs[k].tb < qs[*marked].tb) marked = k;
    };
    for (size_t mi = 0; mi < marks.size(); ++mi) {
      const Lexicon::Match& m = marks[mi];
      for (size_t k : c) {
        if (!usable(k)) continue;
        if (qs[k].tb >= m.end && qs[k].tb <= m.end + (mi < phrases ? 2 : 4)) {
          bool broken = false;  // another number, or a new clause, in between
          for (size_t j = m.end; j < qs[k].tb; ++j) {
            broken |= t[j].kind == Token::Kind::kNumber || t[j].is("\xE2\x80\x94") ||
                      t[j].is("\xE2\x80\x93") || t[j].is("(") || t[j].is(")") ||
                      t[j].is("thats") || t[j].is("that") || t[j].is("which") || t[j].is(",");
          }
          if (!broken) mark(k);
          break;
        }
        // "a 46.4% increase", "4 hours travel time": the answer's phrase right after it.
        if (mi < phrases && qs[k].te <= m.begin && qs[k].te + 1 >= m.begin) {
          mark(k);
        }
      }
    }
    if (marked) return marked;
    // The result of a chain of working: after the last "=" / "≈".
    std::optional<size_t> chain;
    for (size_t k : c) {
      if (qs[k].result) chain = k;
    }
    std::vector<size_t> free;
    for (size_t k : c) {
      if (usable(k)) free.push_back(k);
    }
    if (free.empty()) return chain;
    // A result the rest of the sentence explains: "4 hours, since …", "$138 in total (a $120
    // bill …)", "880 students — that's 55% of 1,600", "25.2 km/h, or about 15.7 mph".
    const size_t first = free.front();
    if (first != free.back()) {
      const size_t next = qs[free[1]].tb;
      bool reason = false, concludes = false;
      // Weak cues ("for 4", "at 60 km/h") only when no working follows ("300 g for 4 → …").
      bool working = false;
      for (size_t j = qs[first].te; j < x.end; ++j) working |= equals_token(t[j]);
      for (size_t j = qs[first].te; j < next && j < x.end && j <= qs[first].te + 3; ++j) {
        if (t[j].is("is") || t[j].is("are") || t[j].is("was") || t[j].is("be") ||
            t[j].is("makes") || t[j].is("gives") || t[j].is("comes") || t[j].is("equals")) {
          break;  // "130 km/h is roughly 80.8 mph": what follows is the result
        }
        const auto cue = reason_cues().at(t, j, x.end);
        const bool weak = cue && (t[j].is("for") || t[j].is("at") || t[j].is("with") ||
                                  t[j].is("from") || t[j].is("given") || t[j].is("using") ||
                                  t[j].is("via") || t[j].is("as") || t[j].is("if"));
        if (cue && (!weak || !working)) reason = true;
        if (j > qs[first].te && t[j - 1].is(",") &&
            (t[j].is("roughly") || t[j].is("about") || t[j].is("approximately") || t[j].is("around"))) {
          reason = true;  // "50 km, roughly 31 miles"
        }
        if (reason) break;
      }
      for (size_t j = qs[first].te; j < x.end; ++j) {
        concludes |= t[j].is("so") || t[j].is("therefore") || t[j].is("thus") || t[j].is("hence");
      }
      if (reason && !concludes) return first;
    }
    // The result of the working wins over numbers after it, unless a conclusion follows it
    // ("x = 5, so the trip takes 4 hours"); numbers after "for"/"at"/"of" are inputs.
    if (chain) {
      bool later = false;
      for (size_t j = qs[*chain].te; j < x.end; ++j) {
        later |= t[j].is("so") || t[j].is("therefore") || t[j].is("thus") || t[j].is("hence") ||
                 t[j].is("meaning") || t[j].is("means");
      }
      if (!later || qs[*chain].tb >= qs[free.back()].tb) return chain;
    }
    while (free.size() > 1 && input(qs[free.back()])) free.pop_back();
    if (strict && !conclusion_cues().find(t, x.begin, qs[free.back()].tb + 1)) return std::nullopt;
    // Said to be the result: "… is 150", "would be $256", "so about 156 bacteria".
    std::optional<size_t> stated;
    for (size_t k : free) {
      size_t j = qs[k].tb;
      while (j > x.begin && (t[j - 1].is("about") || t[j - 1].is("roughly") || t[j - 1].is("around") ||
                             t[j - 1].is("approximately") || t[j - 1].is("just") ||
                             t[j - 1].is("only") || t[j - 1].is("exactly") || t[j - 1].is("nearly"))) {
        --j;
      }
      if (j == x.begin) continue;
      const Token& w = t[j - 1];
      if (w.is("is") || w.is("be") || w.is("are") || w.is("was") || w.is("so") || w.is("thus") ||
          w.is("therefore") || w.is("hence") || w.is("makes") || w.is("gives") || w.is("equals") ||
          w.is("thats") || w.is("its")) {
        stated = k;
      }
    }
    if (stated) return stated;
    // Nothing tells the result from the other numbers: the last is likelier, but not sure.
    for (size_t k : free) {
      if (fit(qs[k]) == fit(qs[free.back()]) && std::abs(in_answer_unit(qs[k], qs[k].value) - in_answer_unit(qs[free.back()], qs[free.back()].value)) >
          1e-9 * std::max(1.0, std::abs(qs[k].value))) {
        rivals[free.back()] = k;
      }
    }
    return free.back();
  }
};

std::optional<std::pair<int, double>> MathQa::shared_dimension(const collab::Unit& u) const {
  for (const auto& [dim, base, ratio] : shared_units_) {
    if (base.dimension == u.dimension && base.currency == u.currency) {
      return std::make_pair(dim, ratio);
    }
  }
  return std::nullopt;
}

bool MathQa::dimension_shared(int dimension) const {
  for (const auto& entry : shared_units_) {
    if (std::get<0>(entry) == dimension) return true;
  }
  return false;
}

void MathQa::map_shared_units() {
  for (size_t i = 0; i < setup_.units.size(); ++i) {
    const Unit& u = setup_.units[i];
    const std::string written = fill(u.format.empty() ? "{} " + u.say.front() : u.format, "2");
    const auto qs = read_quantities(written);
    if (qs.size() != 1 || !qs[0].unit) continue;
    const collab::Unit& su = *qs[0].unit;
    bool seen = false;
    for (const auto& [dim, base, ratio] : shared_units_) seen |= dim == u.dimension || base.dimension == su.dimension;
    if (seen) continue;
    // A kind the shared reader reads differently ("2 square meters" as 2 m) is not mapped.
    const std::string& name = setup_.dimensions[static_cast<size_t>(u.dimension)].name;
    if (to_string(su.dimension) != name) continue;
    // "2 cents" reads as 0.02 usd: the factor comes from the amount read, not the unit alone.
    if (qs[0].base() <= 0) continue;
    shared_units_.push_back({u.dimension, su, 2 * u.factor / qs[0].base()});
  }
}

Understanding MathQa::understand(const Problem& p, const std::vector<Known>& known,
                                 std::string_view text) const {
  using K = Understanding::Kind;
  const V1Reading r(*this, p, known, text);
  Understanding u;
  if (r.t.empty()) return u;
  const auto answer = [&](size_t k) {
    const V1Reading::Q& q = r.qs[k];
    if (q.vague) {
      u.kind = K::kUnsureAnswer;
    } else if (const auto rival = r.rivals.find(k); rival != r.rivals.end()) {
      const V1Reading::Q& o = r.qs[rival->second];
      u.kind = K::kUnsureAnswer;
      u.numbers = {r.in_answer_unit(q, q.value), r.in_answer_unit(o, o.value)};
    } else if (q.other || q.unsure) {
      u.kind = K::kUnsureAnswer;
      u.numbers = {r.in_answer_unit(q, q.value)};
      if (q.other) u.numbers.push_back(r.in_answer_unit(q, *q.other));
    } else {
      u.kind = K::kAnswer;
      u.number = r.in_answer_unit(q, q.value);
    }
    return u;
  };
  // 1. \boxed{…}
  for (size_t i = 0; i + 1 < r.t.size(); ++i) {
    if (!(r.t[i].is("boxed") && r.t[i + 1].is("{"))) continue;
    for (size_t k = i + 2; k < r.t.size() && !r.t[k].is("}"); ++k) {
      size_t end = 0;
      if (const auto v = r.frac_at(k, &end)) {
        u.kind = K::kAnswer;
        u.number = *v;
        return u;
      }
    }
    if (const auto k = r.boxed()) return answer(*k);
  }
  // 2. The last question about the problem.
  std::optional<size_t> qi;
  V1Reading::SlotReading sr;
  for (size_t i = r.sent.size(); i-- > 0;) {
    if (!r.sent[i].question) continue;
    auto x = r.slot(r.sent[i]);
    if (x.slot && *x.slot >= slots()) x.slot.reset();
    if (x.slot || !x.several.empty()) {
      qi = i;
      sr = x;
      break;
    }
  }
  // A marked answer after the question (or with no question) wins.
  const auto marked_after = [&](size_t from) -> std::optional<size_t> {
    for (size_t i = r.sent.size(); i-- > from;) {
      const Sentence& x = r.sent[i];
      if (!answer_markers().find(r.t, x.begin, x.end)) continue;
      if (const auto k = r.result_in(x, false)) return k;
      // A heading ("## Result") marks the line after it.
      if (i + 1 < r.sent.size() && !r.sent[i + 1].question) {
        if (const auto k = r.result_in(r.sent[i + 1], false)) return k;
      }
    }
    return std::nullopt;
  };
  if (qi) {
    if (const auto k = marked_after(*qi + 1)) return answer(*k);
    for (size_t i = *qi + 1; i < r.sent.size(); ++i) {
      const Sentence& x = r.sent[i];
      if (x.question || r.hypothetical(x)) continue;
      if (const auto k = r.result_in(x, true)) return answer(*k);
    }
    if (!sr.several.empty()) {
      u.kind = K::kSeveral;
      u.slots = sr.several;
      return u;
    }
    u.slot = *sr.slot;
    u.kind = sr.restated || r.confirms(r.sent[*qi], u.slot) ? K::kConfirm : K::kAsk;
    return u;
  }
  // 3. The answer: a marked one, else the last sentence with a result (outside parentheses
  // first: "(Earlier I said $247.50 …)" is not the answer).
  if (const auto k = marked_after(0)) return answer(*k);
  for (const bool parens : {false, true}) {
    for (size_t i = r.sent.size(); i-- > 0;) {
      if (r.sent[i].offer) continue;
      if (const auto k = r.result_in(r.sent[i], false, parens)) return answer(*k);
    }
  }
  // A vague amount of the answer's kind as the answer ("a few hours").
  for (const auto& q : r.qs) {
    if (q.vague && q.dim && *q.dim == r.answer_dim()) {
      u.kind = K::kUnsureAnswer;
      return u;
    }
  }
  bool question = false;
  for (const auto& x : r.sent) {
    question |= x.question;
    if (x.question && r.slot(x).unknown) {
      u.kind = K::kUnknown;
      return u;
    }
  }
  if (question) u.kind = asks_for_unknown(p, text) ? K::kUnknown : K::kOutside;
  return u;
}

}  // namespace collab::tasks::math_qa
