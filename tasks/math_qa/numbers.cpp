// Tokens, lexicons and quantities for math_qa's text channel (numbers.h).
#include "tasks/math_qa/numbers.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

namespace collab::tasks::math_qa {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

Token make(Token::Kind kind, std::string text, double value = 0, bool fraction = false) {
  Token t{kind, std::move(text), {}, value, fraction, 0};
  t.key = kind == Token::Kind::kWord ? stem(t.text) : t.text;
  return t;
}

// Whether a '-' at s[i] is a minus sign rather than a subtraction or a hyphen: not after a
// number or a closing bracket, and not glued to a preceding word ("x-3", "twenty-five").
bool minus_sign(const std::vector<Token>& out, std::string_view s, size_t i) {
  if (out.empty()) return true;
  const Token& p = out.back();
  if (p.kind == Token::Kind::kNumber || p.is(")") || p.is("]")) return false;
  return i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]));
}

}  // namespace

std::string stem(std::string_view w) {
  std::string s(w);
  const auto ends = [&](std::string_view suf) {
    return s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (s.size() > 4 && ends("ies")) return s.substr(0, s.size() - 3) + "y";
  if (s.size() > 4 && (ends("ches") || ends("shes") || ends("xes") || ends("zes"))) {
    return s.substr(0, s.size() - 2);
  }
  if (s.size() > 3 && ends("s") && !ends("ss")) return s.substr(0, s.size() - 1);
  return s;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = s.size();
  const auto push = [&](Token t) {  // every token is pushed while i is at its first byte
    t.pos = i;
    out.push_back(std::move(t));
  };
  while (i < n) {
    const char c = s[i];
    const auto u8 = [&](const char* seq) { return s.substr(i, std::char_traits<char>::length(seq)) == seq; };
    if (c == '\n') {
      if (out.empty() || out.back().kind != Token::Kind::kBreak) push(make(Token::Kind::kBreak, "\n"));
      ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    // A few non-ASCII characters people type in numbers and units.
    if (u8("\xC2\xBD") || u8("\xC2\xBC") || u8("\xC2\xBE")) {  // ½ ¼ ¾
      const double v = u8("\xC2\xBD") ? 0.5 : u8("\xC2\xBC") ? 0.25 : 0.75;
      push(make(Token::Kind::kNumber, std::string(s.substr(i, 2)), v, true));
      i += 2;
      continue;
    }
    if (u8("\xC2\xB2") || u8("\xC2\xB3")) {  // ² ³
      push(make(Token::Kind::kSymbol, "^"));
      push(make(Token::Kind::kNumber, u8("\xC2\xB2") ? "2" : "3", u8("\xC2\xB2") ? 2 : 3));
      i += 2;
      continue;
    }
    if (u8("\xC3\x97")) {  // ×
      push(make(Token::Kind::kSymbol, "*"));
      i += 2;
      continue;
    }
    const bool starts_number =
        digit(c) || (c == '.' && i + 1 < n && digit(s[i + 1])) ||
        (c == '-' && i + 1 < n && (digit(s[i + 1]) || (s[i + 1] == '.' && i + 2 < n && digit(s[i + 2]))) &&
         minus_sign(out, s, i));
    if (starts_number) {
      std::string num;
      size_t j = i;
      if (s[j] == '-') num.push_back(s[j++]);
      while (j < n && digit(s[j])) num.push_back(s[j++]);
      // Thousands separators: ",ddd" not followed by another digit.
      while (j + 3 < n + 0 && s[j] == ',' && digit(s[j + 1]) && digit(s[j + 2]) && digit(s[j + 3]) &&
             (j + 4 >= n || !digit(s[j + 4])) && num.size() > (num[0] == '-' ? 1u : 0u)) {
        num.append(s.substr(j + 1, 3));
        j += 4;
      }
      bool integral = true;
      if (j + 1 < n && s[j] == '.' && digit(s[j + 1])) {
        integral = false;
        num.push_back(s[j++]);
        while (j < n && digit(s[j])) num.push_back(s[j++]);
      }
      if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < n && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < n && digit(s[k])) {
          integral = false;
          num.append(s.substr(j, k - j));
          j = k;
          while (j < n && digit(s[j])) num.push_back(s[j++]);
        }
      }
      double value = std::strtod(num.c_str(), nullptr);
      bool fraction = false;
      // a/b written without spaces, both whole numbers: 3/4.
      if (integral && j + 1 < n && s[j] == '/' && digit(s[j + 1])) {
        size_t k = j + 1;
        std::string den;
        while (k < n && digit(s[k])) den.push_back(s[k++]);
        if (k >= n || s[k] != '.' || k + 1 >= n || !digit(s[k + 1])) {
          const double d = std::strtod(den.c_str(), nullptr);
          if (d != 0) {
            num += "/" + den;
            value /= d;
            fraction = true;
            j = k;
          }
        }
      }
      push(make(Token::Kind::kNumber, num, value, fraction));
      i = j;
      continue;
    }
    if (alpha(c) || static_cast<unsigned char>(c) >= 0x80) {
      std::string w;
      size_t j = i;
      while (j < n) {
        const char d = s[j];
        if (alpha(d) || (digit(d) && !w.empty())) {
          w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(d))));
          ++j;
        } else if (d == '\'' && j + 1 < n && alpha(s[j + 1]) && !w.empty()) {
          ++j;  // "what's" -> "whats"
        } else if (s.substr(j, 3) == "\xE2\x80\x99" && j + 3 < n && alpha(s[j + 3]) && !w.empty()) {
          j += 3;  // the typographic apostrophe
        } else if (static_cast<unsigned char>(d) >= 0x80 && s.substr(j, 3) != "\xE2\x80\x99" &&
                   !(s.substr(j, 2) == "\xC2\xBD" || s.substr(j, 2) == "\xC2\xBC" ||
                     s.substr(j, 2) == "\xC2\xBE" || s.substr(j, 2) == "\xC2\xB2" ||
                     s.substr(j, 2) == "\xC2\xB3" || s.substr(j, 2) == "\xC3\x97")) {
          w.push_back(d);  // other UTF-8 bytes stay inside words
          ++j;
        } else {
          break;
        }
      }
      if (j == i) {  // a lone byte we do not use
        ++i;
        continue;
      }
      push(make(Token::Kind::kWord, w));
      i = j;
      continue;
    }
    push(make(Token::Kind::kSymbol, std::string(1, c)));
    ++i;
  }
  return out;
}

// ---- Lexicon --------------------------------------------------------------------------------------

bool Lexicon::add(std::string_view phrase, int label) {
  std::vector<std::string> keys;
  for (const Token& t : tokenize(phrase)) {
    if (t.kind != Token::Kind::kBreak) keys.push_back(t.key);
  }
  if (keys.empty()) return false;
  for (const auto& p : phrases_) {
    if (p.keys == keys) return false;
  }
  phrases_.push_back({std::move(keys), label});
  return true;
}

std::optional<int> Lexicon::label_of(std::string_view phrase) const {
  std::vector<std::string> keys;
  for (const Token& t : tokenize(phrase)) keys.push_back(t.key);
  for (const auto& p : phrases_) {
    if (p.keys == keys) return p.label;
  }
  return std::nullopt;
}

std::optional<Lexicon::Match> Lexicon::at(std::span<const Token> tokens, size_t i,
                                          size_t end) const {
  std::optional<Match> best;
  for (const auto& p : phrases_) {
    if (i + p.keys.size() > end) continue;
    if (best && p.keys.size() <= best->end - best->begin) continue;
    bool ok = true;
    for (size_t k = 0; k < p.keys.size() && ok; ++k) ok = tokens[i + k].key == p.keys[k];
    if (ok) best = Match{p.label, i, i + p.keys.size()};
  }
  return best;
}

std::optional<Lexicon::Match> Lexicon::find(std::span<const Token> tokens, size_t begin,
                                            size_t end) const {
  std::optional<Match> best;
  for (size_t i = begin; i < end; ++i) {
    const auto m = at(tokens, i, end);
    if (m && (!best || m->end - m->begin > best->end - best->begin)) best = m;
  }
  return best;
}

std::vector<Lexicon::Match> Lexicon::find_all(std::span<const Token> tokens, size_t begin,
                                              size_t end) const {
  std::vector<Match> out;
  for (size_t i = begin; i < end;) {
    if (const auto m = at(tokens, i, end)) {
      out.push_back(*m);
      i = m->end;
    } else {
      ++i;
    }
  }
  return out;
}

// ---- Numbers in words -------------------------------------------------------------------------------

namespace {

const std::unordered_map<std::string, int>& small_numbers() {
  static const std::unordered_map<std::string, int> m = {
      {"zero", 0},      {"one", 1},        {"two", 2},       {"three", 3},     {"four", 4},
      {"five", 5},      {"six", 6},        {"seven", 7},     {"eight", 8},     {"nine", 9},
      {"ten", 10},      {"eleven", 11},    {"twelve", 12},   {"thirteen", 13}, {"fourteen", 14},
      {"fifteen", 15},  {"sixteen", 16},   {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19}};
  return m;
}
const std::unordered_map<std::string, int>& tens() {
  static const std::unordered_map<std::string, int> m = {
      {"twenty", 20}, {"thirty", 30},  {"forty", 40},  {"fourty", 40}, {"fifty", 50},
      {"sixty", 60},  {"seventy", 70}, {"eighty", 80}, {"ninety", 90}};
  return m;
}
// Denominator words, by key (stemmed): "halves" -> "halve".
std::optional<int> denominator(const Token& t) {
  static const std::unordered_map<std::string, int> m = {
      {"half", 2},  {"halve", 2},  {"third", 3}, {"quarter", 4}, {"fourth", 4},
      {"fifth", 5}, {"sixth", 6},  {"eighth", 8}, {"tenth", 10}};
  if (t.kind != Token::Kind::kWord) return std::nullopt;
  const auto it = m.find(t.key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}
std::optional<int> small_or_tens(const Token& t) {
  if (t.kind != Token::Kind::kWord) return std::nullopt;
  if (auto it = small_numbers().find(t.text); it != small_numbers().end()) return it->second;
  if (auto it = tens().find(t.text); it != tens().end()) return it->second;
  return std::nullopt;
}

// A whole number in words from `i`: "one hundred and five", "twenty-five", "a dozen".
std::optional<double> read_integer_words(std::span<const Token> t, size_t i, size_t* end) {
  const size_t n = t.size();
  double total = 0, current = 0;
  bool any = false;
  bool last_small = false;  // the last word was 0-19 (so "one two" stops)
  bool last_tens = false;
  size_t j = i;
  if (j < n && (t[j].is("a") || t[j].is("an")) && j + 1 < n &&
      (t[j + 1].is("hundred") || t[j + 1].is("thousand") || t[j + 1].is("million") ||
       t[j + 1].is("dozen") || t[j + 1].is("couple"))) {
    current = 1;
    any = true;
    ++j;
  }
  while (j < n && t[j].kind == Token::Kind::kWord) {
    const Token& w = t[j];
    if (auto it = small_numbers().find(w.text); it != small_numbers().end()) {
      if (last_small) break;
      if (last_tens && it->second >= 10) break;
      current += it->second;
      last_small = true;
      last_tens = false;
    } else if (auto jt = tens().find(w.text); jt != tens().end()) {
      if (last_small || last_tens) break;
      current += jt->second;
      last_tens = true;
      // "twenty-five"
      if (j + 2 < n && t[j + 1].is("-")) {
        if (auto k = small_numbers().find(t[j + 2].text);
            k != small_numbers().end() && k->second > 0 && k->second < 10) {
          current += k->second;
          j += 2;
          last_tens = false;
          last_small = true;
        }
      }
    } else if (w.is("hundred") && any) {
      current = (current == 0 ? 1 : current) * 100;
      last_small = last_tens = false;
    } else if ((w.is("thousand") || w.is("million")) && any) {
      total += (current == 0 ? 1 : current) * (w.is("thousand") ? 1e3 : 1e6);
      current = 0;
      last_small = last_tens = false;
    } else if (w.is("dozen") && any) {
      current = (current == 0 ? 1 : current) * 12;
      last_small = last_tens = false;
    } else if (w.is("couple") && any && j + 1 < n && t[j + 1].is("of")) {
      current = 2;
      ++j;
      last_small = true;
    } else if (w.is("and") && any && !last_small && !last_tens && j + 1 < n &&
               small_or_tens(t[j + 1])) {
      // "one hundred and five" (not "three and a half": handled by the caller)
    } else {
      break;
    }
    any = true;
    ++j;
  }
  if (!any) return std::nullopt;
  *end = j;
  return total + current;
}

}  // namespace

std::optional<double> read_number_words(std::span<const Token> t, size_t i, size_t* end) {
  const size_t n = t.size();
  if (i >= n || t[i].kind != Token::Kind::kWord) return std::nullopt;
  // "a half", "a third", "half" (of an hour): a fraction on its own.
  if ((t[i].is("a") || t[i].is("an") || t[i].is("one")) && i + 1 < n && denominator(t[i + 1]) &&
      !t[i + 1].is("fourth")) {
    *end = i + 2;
    return 1.0 / *denominator(t[i + 1]);
  }
  if (t[i].is("half")) {
    *end = i + 1;
    return 0.5;
  }
  size_t j = 0;
  const auto whole = read_integer_words(t, i, &j);
  if (!whole) return std::nullopt;
  double value = *whole;
  // "two thirds", "three quarters": a numerator before a plural denominator.
  if (j < n && denominator(t[j]) && *whole >= 1 && *whole < 20 && t[j].text != t[j].key) {
    *end = j + 1;
    return *whole / *denominator(t[j]);
  }
  // "three and a half", "one and three quarters"
  if (j + 2 < n && t[j].is("and")) {
    if ((t[j + 1].is("a") || t[j + 1].is("one")) && denominator(t[j + 2])) {
      *end = j + 3;
      return value + 1.0 / *denominator(t[j + 2]);
    }
    if (const auto num = small_or_tens(t[j + 1]); num && denominator(t[j + 2])) {
      *end = j + 3;
      return value + *num / static_cast<double>(*denominator(t[j + 2]));
    }
  }
  // "two point five"
  if (j + 1 < n && t[j].is("point")) {
    std::string digits;
    size_t k = j + 1;
    while (k < n) {
      const auto d = small_or_tens(t[k]);
      if (!d || *d > 9) break;
      digits.push_back(static_cast<char>('0' + *d));
      ++k;
    }
    if (!digits.empty()) {
      *end = k;
      return value + std::strtod(("0." + digits).c_str(), nullptr);
    }
  }
  *end = j;
  return value;
}

std::string number_words(long long n) {
  static const char* kSmall[] = {"zero",    "one",     "two",       "three",    "four",
                                 "five",    "six",     "seven",     "eight",    "nine",
                                 "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                 "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const char* kTens[] = {"", "", "twenty", "thirty", "forty",
                                "fifty", "sixty", "seventy", "eighty", "ninety"};
  if (n < 0) return "minus " + number_words(-n);
  if (n < 20) return kSmall[n];
  if (n < 100) {
    return n % 10 == 0 ? kTens[n / 10] : fmt::format("{}-{}", kTens[n / 10], kSmall[n % 10]);
  }
  if (n < 1000) {
    const std::string head = fmt::format("{} hundred", kSmall[n / 100]);
    return n % 100 == 0 ? head : head + " and " + number_words(n % 100);
  }
  const std::string head = number_words(n / 1000) + " thousand";
  if (n % 1000 == 0) return head;
  return head + (n % 1000 < 100 ? " and " : " ") + number_words(n % 1000);
}

// ---- Quantities ----------------------------------------------------------------------------------

namespace {

// A number (digits or words) at i: its value, end, whether in words.
std::optional<double> read_value(std::span<const Token> t, size_t i, size_t* end, bool* words) {
  if (t[i].kind == Token::Kind::kNumber) {
    double v = t[i].value;
    size_t j = i + 1;
    const bool whole = !t[i].fraction && std::floor(v) == v;
    // Mixed numbers: "1 3/4", "2½".
    if (whole && j < t.size() && t[j].kind == Token::Kind::kNumber && t[j].fraction &&
        t[j].value > 0 && t[j].value < 1) {
      v += v < 0 ? -t[j].value : t[j].value;
      ++j;
    } else if (whole && j + 2 < t.size() && t[j].is("and")) {
      // "3 and a half", "2 and three quarters"
      size_t k = 0;
      if (const auto f = read_number_words(t, j + 1, &k); f && *f > 0 && *f < 1) {
        v += *f;
        j = k;
      }
    }
    *end = j;
    *words = false;
    return v;
  }
  *words = true;
  return read_number_words(t, i, end);
}

}  // namespace

std::vector<Quantity> find_quantities(std::span<const Token> t, const Lexicon& unit_phrases,
                                     const UnitInfo& units) {
  std::vector<Quantity> out;
  int depth = 0;
  const size_t n = t.size();
  for (size_t i = 0; i < n;) {
    if (t[i].is("(") || t[i].is("[")) ++depth;
    if ((t[i].is(")") || t[i].is("]")) && depth > 0) --depth;
    size_t j = 0;
    bool words = false;
    const auto v = read_value(t, i, &j, &words);
    if (!v) {
      ++i;
      continue;
    }
    Quantity q;
    q.value = *v;
    q.begin = i;
    q.words = words;
    const bool lone = words && j == i + 1 && (t[i].is("one") || t[i].is("half"));
    q.paren_depth = depth;
    if (i > 0 && t[i - 1].is("$") && units.dollar) {
      q.unit = units.dollar;
      q.begin = i - 1;
    }
    if (!q.unit) {
      if (const auto m = unit_phrases.at(t, j, n)) {
        q.unit = m->label;
        j = m->end;
      }
    }
    // "2 hours and 15 minutes", "1 h 30 min": one quantity in the first unit.
    if (q.unit && units.dimension[static_cast<size_t>(*q.unit)] >= 0 && j < n) {
      size_t k = j;
      if (k < n && (t[k].is("and") || t[k].is(","))) ++k;
      size_t k_end = 0;
      bool w2 = false;
      if (k < n) {
        if (const auto v2 = read_value(t, k, &k_end, &w2); v2 && k_end < n) {
          if (const auto m2 = unit_phrases.at(t, k_end, n)) {
            const auto u1 = static_cast<size_t>(*q.unit), u2 = static_cast<size_t>(m2->label);
            if (units.dimension[u2] == units.dimension[u1] && units.factor[u2] < units.factor[u1]) {
              q.value += *v2 * (units.factor[u2] / units.factor[u1]);
              j = m2->end;
            }
          }
        }
      }
    }
    q.lone_one = lone && !q.unit;
    q.end = j;
    out.push_back(q);
    i = j;
  }
  return out;
}

}  // namespace collab::tasks::math_qa
