#include "env/quantity.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <span>

namespace collab {

std::string_view to_string(Dimension d) {
  switch (d) {
    case Dimension::kNone:
      return "none";
    case Dimension::kCount:
      return "count";
    case Dimension::kLength:
      return "length";
    case Dimension::kMass:
      return "mass";
    case Dimension::kVolume:
      return "volume";
    case Dimension::kTime:
      return "time";
    case Dimension::kMoney:
      return "money";
    case Dimension::kSpeed:
      return "speed";
    case Dimension::kPercent:
      return "percent";
  }
  return "?";
}

namespace {

// ---- units -----------------------------------------------------------------------------------

struct UnitDef {
  const char* name;
  Dimension dim;
  double to_base;
  const char* currency;
  bool package;
  // Phrases, tokens separated by spaces ("km / h", "fl oz", "per cent"); plurals listed.
  std::vector<const char*> phrases;
};

const std::vector<UnitDef>& unit_defs() {
  using D = Dimension;
  static const std::vector<UnitDef> defs = {
      // length (metre)
      {"mm", D::kLength, 1e-3, "", false, {"mm", "millimetre", "millimetres", "millimeter", "millimeters"}},
      {"cm", D::kLength, 1e-2, "", false, {"cm", "centimetre", "centimetres", "centimeter", "centimeters"}},
      {"m", D::kLength, 1, "", false, {"m", "metre", "metres", "meter", "meters"}},
      {"km", D::kLength, 1e3, "", false, {"km", "kms", "kilometre", "kilometres", "kilometer", "kilometers", "klick", "klicks"}},
      {"in", D::kLength, 0.0254, "", false, {"in", "inch", "inches"}},
      {"ft", D::kLength, 0.3048, "", false, {"ft", "foot", "feet"}},
      {"yd", D::kLength, 0.9144, "", false, {"yd", "yds", "yard", "yards"}},
      {"mi", D::kLength, 1609.344, "", false, {"mi", "mile", "miles"}},
      // mass (gram)
      {"mg", D::kMass, 1e-3, "", false, {"mg", "milligram", "milligrams"}},
      {"g", D::kMass, 1, "", false, {"g", "gr", "gm", "gms", "gram", "grams", "gramme", "grammes"}},
      {"kg", D::kMass, 1e3, "", false, {"kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"}},
      {"oz", D::kMass, 28.349523125, "", false, {"oz", "ounce", "ounces"}},
      {"lb", D::kMass, 453.59237, "", false, {"lb", "lbs", "pound", "pounds"}},
      // volume (millilitre)
      {"ml", D::kVolume, 1, "", false, {"ml", "mls", "millilitre", "millilitres", "milliliter", "milliliters"}},
      {"cl", D::kVolume, 10, "", false, {"cl", "centilitre", "centilitres", "centiliter", "centiliters"}},
      {"l", D::kVolume, 1e3, "", false, {"l", "ltr", "ltrs", "litre", "litres", "liter", "liters"}},
      {"tsp", D::kVolume, 4.92892159375, "", false, {"tsp", "tsps", "teaspoon", "teaspoons"}},
      {"tbsp", D::kVolume, 14.78676478125, "", false, {"tbsp", "tbsps", "tablespoon", "tablespoons"}},
      {"floz", D::kVolume, 29.5735295625, "", false, {"fl oz", "fl . oz", "fluid ounce", "fluid ounces"}},
      {"cup", D::kVolume, 236.5882365, "", false, {"cup", "cups"}},
      {"pt", D::kVolume, 473.176473, "", false, {"pt", "pint", "pints"}},
      {"qt", D::kVolume, 946.352946, "", false, {"qt", "quart", "quarts"}},
      {"gal", D::kVolume, 3785.411784, "", false, {"gal", "gals", "gallon", "gallons"}},
      // time (second)
      {"s", D::kTime, 1, "", false, {"s", "sec", "secs", "second", "seconds"}},
      {"min", D::kTime, 60, "", false, {"min", "mins", "minute", "minutes"}},
      {"h", D::kTime, 3600, "", false, {"h", "hr", "hrs", "hour", "hours"}},
      {"d", D::kTime, 86400, "", false, {"day", "days"}},
      {"wk", D::kTime, 604800, "", false, {"wk", "wks", "week", "weeks"}},
      {"mo", D::kTime, 2629746, "", false, {"month", "months"}},
      {"yr", D::kTime, 31556952, "", false, {"yr", "yrs", "year", "years"}},
      // speed (metre per second)
      {"kmh", D::kSpeed, 1000.0 / 3600, "", false,
       {"km / h", "km / hr", "kmh", "kph", "km per hour", "kms per hour", "km an hour",
        "kilometres per hour", "kilometers per hour", "kilometres an hour", "kilometers an hour"}},
      {"mph", D::kSpeed, 1609.344 / 3600, "", false,
       {"mph", "mi / h", "miles per hour", "mile per hour", "miles an hour"}},
      {"mps", D::kSpeed, 1, "", false,
       {"m / s", "metres per second", "meters per second", "metre per second", "meter per second"}},
      // money (the currency's main unit)
      {"usd", D::kMoney, 1, "usd", false, {"usd", "dollar", "dollars", "buck", "bucks"}},
      {"usd_cent", D::kMoney, 0.01, "usd", false, {"cent", "cents", "c"}},
      {"gbp", D::kMoney, 1, "gbp", false, {"gbp", "quid", "pounds sterling"}},
      {"gbp_penny", D::kMoney, 0.01, "gbp", false, {"p", "pence", "penny", "pennies"}},
      {"eur", D::kMoney, 1, "eur", false, {"eur", "euro", "euros"}},
      {"eur_cent", D::kMoney, 0.01, "eur", false, {"eurocent", "eurocents"}},
      {"pct", D::kPercent, 1, "", false, {"%", "percent", "per cent", "pct"}},
      // counts and packages
      {"item", D::kCount, 1, "", false, {"item", "items", "piece", "pieces", "pcs", "unit", "units"}},
      {"pack", D::kCount, 1, "", true, {"pack", "packs", "package", "packages", "packet", "packets", "pkt", "pkts", "multipack", "multipacks"}},
      {"bag", D::kCount, 1, "", true, {"bag", "bags"}},
      {"box", D::kCount, 1, "", true, {"box", "boxes"}},
      {"bottle", D::kCount, 1, "", true, {"bottle", "bottles"}},
      {"can", D::kCount, 1, "", true, {"can", "cans", "tin", "tins"}},
      {"jar", D::kCount, 1, "", true, {"jar", "jars"}},
      {"carton", D::kCount, 1, "", true, {"carton", "cartons"}},
      {"loaf", D::kCount, 1, "", true, {"loaf", "loaves"}},
      {"bunch", D::kCount, 1, "", true, {"bunch", "bunches"}},
      {"tub", D::kCount, 1, "", true, {"tub", "tubs"}},
      {"tray", D::kCount, 1, "", true, {"tray", "trays"}},
      {"roll", D::kCount, 1, "", true, {"roll", "rolls"}},
      {"case", D::kCount, 1, "", true, {"case", "cases", "crate", "crates"}},
  };
  return defs;
}

Unit make_unit(const UnitDef& d) {
  return Unit{d.name, d.dim, d.to_base, d.currency, d.package};
}

// ---- tokens ----------------------------------------------------------------------------------

struct Tok {
  enum Kind { kWord, kNum, kSym, kBreak } kind = kWord;
  std::string text;    // words lower-case (apostrophes dropped); a symbol's character
  double value = 0;    // kNum
  bool integer = false;
  bool vulgar = false;  // ½ ¼ ¾ …
  bool space = false;   // whitespace before it
  size_t b = 0, e = 0;  // byte range
};

struct Special {
  const char* utf8;
  Tok::Kind kind;
  const char* text;
  double value;
};

// Multi-byte characters with a meaning here (others are parts of words).
constexpr std::array<Special, 17> kSpecials = {{
    {"\xE2\x88\x92", Tok::kSym, "-", 0},      // − minus sign
    {"\xE2\x80\x93", Tok::kSym, "\xE2\x80\x93", 0},  // – en dash (a range)
    {"\xE2\x80\x94", Tok::kSym, "\xE2\x80\x94", 0},  // — em dash
    {"\xC2\xBD", Tok::kNum, "", 0.5},         // ½
    {"\xC2\xBC", Tok::kNum, "", 0.25},        // ¼
    {"\xC2\xBE", Tok::kNum, "", 0.75},        // ¾
    {"\xE2\x85\x93", Tok::kNum, "", 1.0 / 3},  // ⅓
    {"\xE2\x85\x94", Tok::kNum, "", 2.0 / 3},  // ⅔
    {"\xE2\x85\x9B", Tok::kNum, "", 0.125},   // ⅛
    {"\xC2\xA3", Tok::kSym, "\xC2\xA3", 0},    // £
    {"\xE2\x82\xAC", Tok::kSym, "\xE2\x82\xAC", 0},  // €
    {"\xC2\xA0", Tok::kBreak, " ", 0},        // no-break space (a space)
    {"\xE2\x80\x89", Tok::kBreak, " ", 0},    // thin space
    {"\xE2\x80\xAF", Tok::kBreak, " ", 0},    // narrow no-break space
    {"\xE2\x80\x99", Tok::kWord, "'", 0},     // ’ (an apostrophe in a word)
    {"\xE2\x89\x88", Tok::kSym, "~", 0},      // ≈
    {"\xC3\x97", Tok::kSym, "x", 0},          // ×
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

const Special* special_at(std::string_view s, size_t i) {
  for (const Special& sp : kSpecials) {
    const std::string_view u(sp.utf8);
    if (s.substr(i, u.size()) == u) return &sp;
  }
  return nullptr;
}

std::vector<Tok> tokenize(std::string_view s) {
  std::vector<Tok> out;
  bool space = true;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\n') {
      out.push_back({Tok::kBreak, "\n", 0, false, false, space, i, i + 1});
      space = true;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      space = true;
      ++i;
      continue;
    }
    const Special* sp = static_cast<unsigned char>(c) >= 0x80 ? special_at(s, i) : nullptr;
    if (sp != nullptr && sp->kind == Tok::kBreak) {
      space = true;
      i += std::string_view(sp->utf8).size();
      continue;
    }
    if (sp != nullptr && sp->kind != Tok::kWord) {
      const size_t n = std::string_view(sp->utf8).size();
      Tok t{sp->kind, sp->text, sp->value, false, sp->kind == Tok::kNum, space, i, i + n};
      out.push_back(std::move(t));
      space = false;
      i += n;
      continue;
    }
    if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      size_t j = i;
      std::string digits;
      while (j < s.size() && is_digit(s[j])) digits.push_back(s[j++]);
      // Thousands separators: a comma followed by exactly three digits.
      while (j + 3 < s.size() + 0 && s[j] == ',' && is_digit(s[j + 1]) && is_digit(s[j + 2]) &&
             is_digit(s[j + 3]) && (j + 4 >= s.size() || !is_digit(s[j + 4])) && !digits.empty()) {
        digits.append(s.substr(j + 1, 3));
        j += 4;
      }
      bool integer = true;
      if (j + 1 < s.size() && s[j] == '.' && is_digit(s[j + 1])) {
        integer = false;
        digits.push_back('.');
        ++j;
        while (j < s.size() && is_digit(s[j])) digits.push_back(s[j++]);
      }
      if (j + 1 < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
        if (k < s.size() && is_digit(s[k]) && (k + 1 >= s.size() || !is_alpha(s[k + 1]))) {
          digits.append(s.substr(j, k - j));
          j = k;
          while (j < s.size() && is_digit(s[j])) digits.push_back(s[j++]);
          integer = false;
        }
      }
      if (digits.front() == '.') digits.insert(digits.begin(), '0');
      const double v = std::strtod(digits.c_str(), nullptr);
      // A number too large for a double ("1e999") is not a quantity: kept as a symbol.
      out.push_back({std::isfinite(v) ? Tok::kNum : Tok::kSym, digits, std::isfinite(v) ? v : 0,
                     integer, false, space, i, j});
      space = false;
      i = j;
      continue;
    }
    if (is_alpha(c) || static_cast<unsigned char>(c) >= 0x80) {
      size_t j = i;
      std::string w;
      while (j < s.size()) {
        const char d = s[j];
        if (is_alpha(d)) {
          w.push_back(static_cast<char>(d >= 'A' && d <= 'Z' ? d + 32 : d));
          ++j;
        } else if (d == '\'' && j + 1 < s.size() && is_alpha(s[j + 1]) && !w.empty()) {
          ++j;  // "what's" -> "whats"
        } else if (static_cast<unsigned char>(d) >= 0x80) {
          const Special* q = special_at(s, j);
          if (q != nullptr && q->kind == Tok::kWord) {
            j += std::string_view(q->utf8).size();  // ’ in a word
          } else if (q != nullptr) {
            break;
          } else {
            w.push_back(d);
            ++j;
          }
        } else {
          break;
        }
      }
      if (w.empty()) {  // a lone ’
        ++j;
      } else {
        out.push_back({Tok::kWord, w, 0, false, false, space, i, j});
      }
      space = false;
      i = j;
      continue;
    }
    out.push_back({Tok::kSym, std::string(1, c), 0, false, false, space, i, i + 1});
    space = false;
    ++i;
  }
  return out;
}

// ---- number words ----------------------------------------------------------------------------

const std::map<std::string, int, std::less<>>& small_numbers() {
  static const std::map<std::string, int, std::less<>> m = {
      {"zero", 0},     {"one", 1},        {"two", 2},        {"three", 3},     {"four", 4},
      {"five", 5},     {"six", 6},        {"seven", 7},      {"eight", 8},     {"nine", 9},
      {"ten", 10},     {"eleven", 11},    {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},
      {"fifteen", 15}, {"sixteen", 16},   {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
      {"twenty", 20},  {"thirty", 30},    {"forty", 40},     {"fourty", 40},   {"fifty", 50},
      {"sixty", 60},   {"seventy", 70},   {"eighty", 80},    {"ninety", 90}};
  return m;
}

std::optional<double> fraction_word(std::string_view w, bool plural_ok) {
  static const std::map<std::string, double, std::less<>> m = {
      {"half", 2},     {"halves", 2},  {"third", 3},   {"thirds", 3}, {"quarter", 4},
      {"quarters", 4}, {"fourth", 4},  {"fourths", 4}, {"fifth", 5},  {"fifths", 5},
      {"sixth", 6},    {"sixths", 6},  {"eighth", 8},  {"eighths", 8}, {"tenth", 10},
      {"tenths", 10}};
  auto it = m.find(w);
  if (it == m.end()) return std::nullopt;
  (void)plural_ok;
  return it->second;
}

double scale_of(std::string_view w) {
  if (w == "thousand") return 1e3;
  if (w == "million") return 1e6;
  if (w == "billion") return 1e9;
  if (w == "trillion") return 1e12;
  return 0;
}

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text), t_(tokenize(text)) {}

  std::vector<Quantity> run() {
    std::vector<Quantity> out;
    size_t i = 0;
    while (i < t_.size()) {
      size_t next = i + 1;
      if (auto q = read_at(i, &next)) out.push_back(std::move(*q));
      i = std::max(next, i + 1);
    }
    return out;
  }

 private:
  bool word(size_t i, std::string_view w) const {
    return i < t_.size() && t_[i].kind == Tok::kWord && t_[i].text == w;
  }
  bool sym(size_t i, std::string_view s) const {
    return i < t_.size() && t_[i].kind == Tok::kSym && t_[i].text == s;
  }
  bool num(size_t i) const { return i < t_.size() && t_[i].kind == Tok::kNum; }
  bool tight(size_t i) const { return i < t_.size() && !t_[i].space; }  // no space before i
  bool is_number_word(size_t i) const {
    return i < t_.size() && t_[i].kind == Tok::kWord && small_numbers().count(t_[i].text) > 0;
  }
  bool starts_number(size_t i) const {
    return num(i) || is_number_word(i) ||
           ((word(i, "a") || word(i, "an")) &&
            (word(i + 1, "hundred") || word(i + 1, "thousand") || word(i + 1, "million") ||
             word(i + 1, "dozen") || word(i + 1, "couple") || word(i + 1, "half") ||
             word(i + 1, "quarter")));
  }

  // Number words at i: "twenty-five", "one hundred and five", "three and a half", "two point
  // five", "a dozen", "half a dozen", "two thirds", "a couple (of)". Sets *end; false if none.
  bool read_words(size_t i, double* value, size_t* end) const {
    const auto& small = small_numbers();
    double total = 0, current = 0;
    bool any = false, last_small = false, last_tens = false;
    size_t k = i;
    if ((word(k, "a") || word(k, "an")) && (word(k + 1, "hundred") || word(k + 1, "thousand") ||
                                            word(k + 1, "million") || word(k + 1, "dozen"))) {
      current = 1;
      any = true;
      ++k;
    } else if (word(k, "a") && (word(k + 1, "couple") || word(k + 1, "pair"))) {
      *value = 2;
      *end = k + 2 + (word(k + 2, "of") ? 1 : 0);
      return true;
    } else if (word(k, "half") && (word(k + 1, "a") || word(k + 1, "an")) &&
               word(k + 2, "dozen")) {
      *value = 6;
      *end = k + 3;
      return true;
    } else if ((word(k, "a") || word(k, "an")) && (word(k + 1, "half") || word(k + 1, "quarter"))) {
      *value = word(k + 1, "half") ? 0.5 : 0.25;
      *end = k + 2 + (word(k + 2, "of") && (word(k + 3, "a") || word(k + 3, "an")) ? 2 : 0);
      return true;
    }
    while (k < t_.size() && t_[k].kind == Tok::kWord) {
      const std::string& w = t_[k].text;
      auto it = small.find(w);
      if (it != small.end()) {
        const int v = it->second;
        if (v < 10 && last_tens) {  // "twenty five"
          current += v;
          last_tens = false;
          last_small = true;
        } else if (last_small || last_tens) {
          break;  // "two three": two numbers
        } else {
          current += v;
          last_tens = v >= 20 && v % 10 == 0;
          last_small = !last_tens;
        }
        any = true;
        ++k;
        // "twenty-five"
        if (last_tens && sym(k, "-") && tight(k) && tight(k + 1) && is_number_word(k + 1) &&
            small.at(t_[k + 1].text) < 10 && small.at(t_[k + 1].text) > 0) {
          current += small.at(t_[k + 1].text);
          last_tens = false;
          last_small = true;
          k += 2;
        }
        continue;
      }
      if (!any) break;
      if (w == "hundred") {
        current = (current == 0 ? 1 : current) * 100;
        last_small = last_tens = false;
        ++k;
        continue;
      }
      if (const double sc = scale_of(w); sc > 0) {
        total += (current == 0 ? 1 : current) * sc;
        current = 0;
        last_small = last_tens = false;
        ++k;
        continue;
      }
      if (w == "dozen") {
        current = (current == 0 ? 1 : current) * 12;
        ++k;
        last_small = last_tens = false;
        continue;
      }
      if (w == "and") {
        if (word(k + 1, "a") && (word(k + 2, "half") || word(k + 2, "quarter"))) {
          current += word(k + 2, "half") ? 0.5 : 0.25;
          k += 3;
          break;
        }
        if (is_number_word(k + 1) && (total > 0 || current >= 100)) {  // "one hundred and five"
          last_small = last_tens = false;
          ++k;
          continue;
        }
        break;
      }
      if (w == "point" && is_number_word(k + 1)) {
        // "two point five": digits one by one
        std::string digits = "0.";
        size_t m = k + 1;
        while (is_number_word(m) && small.at(t_[m].text) < 10) {
          digits.push_back(static_cast<char>('0' + small.at(t_[m].text)));
          ++m;
        }
        if (m == k + 1) break;
        current += std::strtod(digits.c_str(), nullptr);
        k = m;
        break;
      }
      if (auto d = fraction_word(w, true); d && (last_small || last_tens) && total == 0) {
        current = current / *d;  // "two thirds", "one quarter"
        ++k;
        break;
      }
      break;
    }
    if (!any) return false;
    *value = total + current;
    *end = k;
    return true;
  }

  // The longest unit phrase at i (its tokens compared by text): the unit and one past its end.
  std::optional<std::pair<Unit, size_t>> unit_at(size_t i) const {
    std::optional<std::pair<Unit, size_t>> best;
    for (const UnitDef& d : unit_defs()) {
      for (const char* phrase : d.phrases) {
        size_t k = i;
        bool ok = true;
        std::string_view p(phrase);
        bool first = true;
        while (!p.empty()) {
          const size_t sp = p.find(' ');
          const std::string_view part = p.substr(0, sp);
          p = sp == std::string_view::npos ? std::string_view() : p.substr(sp + 1);
          if (k >= t_.size() || t_[k].text != part ||
              (t_[k].kind != Tok::kWord && t_[k].kind != Tok::kSym)) {
            ok = false;
            break;
          }
          // Inside "km/h", "fl. oz": the symbols and the tokens around them touch.
          if (!first && t_[k].kind == Tok::kSym && !tight(k)) {
            ok = false;
            break;
          }
          if (!first && k > i && t_[k - 1].kind == Tok::kSym && !tight(k)) {
            ok = false;
            break;
          }
          first = false;
          ++k;
        }
        if (!ok) continue;
        // The unit must end a word: "m" in "5 mins" is "mins", not "m".
        if (!best || k > best->second) best = std::make_pair(make_unit(d), k);
      }
    }
    return best;
  }

  // A number's core at i: digits (with a tight vulgar fraction, a tight a/b, or a following
  // a/b), a vulgar fraction alone, or number words. Sets words and *end.
  bool read_core(size_t i, double* v, size_t* end, bool* words) const {
    *words = false;
    if (num(i)) {
      const Tok& t = t_[i];
      double value = t.value;
      size_t k = i + 1;
      if (!t.vulgar && num(k) && t_[k].vulgar && tight(k)) {  // 2½
        value += t_[k].value;
        ++k;
      } else if (t.integer && sym(k, "/") && tight(k) && num(k + 1) && tight(k + 1) &&
                 t_[k + 1].integer && t_[k + 1].value != 0) {  // 3/4
        value = value / t_[k + 1].value;
        k += 2;
      } else if (t.integer && num(k) && t_[k].integer && sym(k + 1, "/") && tight(k + 1) &&
                 num(k + 2) && tight(k + 2) && t_[k + 2].integer &&
                 t_[k].value < t_[k + 2].value) {  // 1 3/4
        value += t_[k].value / t_[k + 2].value;
        k += 3;
      } else if (t.integer && num(k) && t_[k].vulgar) {  // 1 ½
        value += t_[k].value;
        ++k;
      }
      *v = value;
      *end = k;
      return true;
    }
    if (read_words(i, v, end)) {
      *words = true;
      return true;
    }
    return false;
  }

  std::optional<Quantity> read_at(size_t i, size_t* next) {
    Quantity q;
    size_t j = i;
    bool negative = false;
    std::optional<Unit> currency;
    // A leading sign: "-3", "−3" (not the dash of a range "3-4"), "minus three", "negative 3".
    auto sign_at = [&](size_t k) {
      if ((word(k, "minus") || word(k, "negative")) && (starts_number(k + 1) || currency_at(k + 1)))
        return true;
      return sym(k, "-") && tight(k + 1) && (num(k + 1) || is_number_word(k + 1) || currency_at(k + 1)) &&
             !(k > 0 && (num(k - 1) || is_number_word(k - 1)) && tight(k));
    };
    if (sign_at(j)) {
      negative = true;
      ++j;
    }
    if (auto c = currency_at(j)) {
      currency = c;
      ++j;
      if (!negative && sign_at(j)) {  // "$-5"
        negative = true;
        ++j;
      }
    }
    // "a kilo", "an hour", "a pound of": one of the unit.
    double value = 0;
    size_t k = j;
    bool words = false;
    bool article = false;
    bool vague = false;
    if (!read_core(j, &value, &k, &words)) {
      if ((word(j, "a") || word(j, "an")) && !currency) {
        if (auto u = unit_at(j + 1); u && u->first.dimension != Dimension::kPercent &&
                                     u->first.name != "usd_cent" && u->first.name != "gbp_penny" &&
                                     t_[j + 1].text.size() > 1) {
          value = 1;
          k = j + 1;
          words = article = true;
        }
      }
      if (!article) {
        if (auto v = vague_at(j, &k)) {
          value = *v;
          words = vague = true;
        } else if (word(j, "half") && (word(j + 1, "a") || word(j + 1, "an")) && unit_at(j + 2)) {
          value = 0.5;  // "half a kilo", "half an hour"
          k = j + 2;
          words = true;
        } else {
          return std::nullopt;
        }
      }
    }
    // Not quantities: times of day, ordinals, list markers at the start of a line.
    if (num(j) && !words) {
      if (sym(k, ":") && tight(k) && num(k + 1) && tight(k + 1)) {
        *next = k + 2;
        return std::nullopt;
      }
      if (k < t_.size() && t_[k].kind == Tok::kWord && tight(k) &&
          (t_[k].text == "st" || t_[k].text == "nd" || t_[k].text == "rd" ||
           t_[k].text == "th")) {
        *next = k + 1;
        return std::nullopt;
      }
      const bool line_start = i == 0 || t_[i - 1].kind == Tok::kBreak;
      if (line_start && !currency && !negative && t_[j].integer && k == j + 1 &&
          (sym(k, ".") || sym(k, ")")) && tight(k) && k + 1 < t_.size() && t_[k + 1].space &&
          !num(k + 1)) {
        *next = k + 1;
        return std::nullopt;
      }
    }
    q.words = words;
    q.vague = vague;
    // "which one", "the red one" — but "one of the three" is a number.
    q.lone_one = words && !article && !vague && k == j + 1 && word(j, "one") && !word(k, "of");
    // Magnitudes: "2.5 million", "5k", "$1.2m", "3bn", "2 hundred", "2 dozen".
    if (k < t_.size() && t_[k].kind == Tok::kWord) {
      const std::string& w = t_[k].text;
      double mult = scale_of(w);
      if (w == "hundred" && !words) mult = 100;
      if (w == "dozen") mult = 12;
      if (mult == 0 && tight(k) && !words) {
        if (w == "k" || w == "K") mult = 1e3;
        if (w == "bn" || (w == "b" && currency)) mult = 1e9;
        if (w == "mn" || w == "mil" || (w == "m" && currency)) mult = 1e6;
      }
      if (mult == 0 && (w == "mn" || (w == "k" && currency))) mult = w == "mn" ? 1e6 : 1e3;
      if (mult > 0) {
        value *= mult;
        ++k;
        if (w == "dozen" && word(k, "of")) ++k;
      }
    }
    // "20ish", "20-ish"
    if (word(k, "ish") && tight(k)) {
      q.approximate = true;
      ++k;
    } else if (sym(k, "-") && tight(k) && word(k + 1, "ish") && tight(k + 1)) {
      q.approximate = true;
      k += 2;
    }
    // The unit: a currency written before, else a unit phrase after.
    std::optional<Unit> unit = currency;
    auto read_unit = [&](size_t at, size_t* after) -> std::optional<Unit> {
      size_t m = at;
      if (word(m, "of") && vague) ++m;  // "a few of"
      auto u = unit_at(m);
      if (!u) return std::nullopt;
      // "in" and "c" are units only right after a number ("5in", "99c"): else words.
      const std::string& first = t_[m].text;
      if ((first == "in" || first == "c") && u->second == m + 1 && !tight(m)) return std::nullopt;
      // Nouns that are packages only as "a roll of", "a case of" ("2 dozen rolls" are bread).
      if ((u->first.name == "roll" || u->first.name == "case") && !word(u->second, "of")) {
        return std::nullopt;
      }
      *after = u->second;
      return u->first;
    };
    if (!unit) {
      size_t after = k;
      if (auto u = read_unit(k, &after)) {
        unit = u;
        k = after;
        const bool pound_word = t_[after - 1].text == "pound" || t_[after - 1].text == "pounds";
        if (pound_word && !word(k, "of")) q.ambiguous = true;
      }
    } else if (auto u = unit_at(k); u && u->first.dimension == Dimension::kMoney &&
                                    u->first.currency == unit->currency) {
      k = u->second;  // "$5 dollars", "£3 GBP"
    }
    // A compound of one dimension: "2 hours and 15 minutes", "1 h 30 min", "5 ft 10 in".
    if (unit && unit->dimension != Dimension::kCount && unit->dimension != Dimension::kPercent) {
      size_t m = k;
      if (word(m, "and") || sym(m, ",")) ++m;
      double v2 = 0;
      size_t e2 = m;
      bool w2 = false;
      if (read_core(m, &v2, &e2, &w2)) {
        size_t after = e2;
        std::optional<Unit> u2;
        if (auto u = unit_at(e2); u && !(t_[e2].text == "in" && u->second == e2 + 1 &&
                                         unit->name != "ft")) {
          u2 = u->first;
          after = u->second;
        }
        if (u2 && u2->dimension == unit->dimension && u2->currency == unit->currency &&
            u2->to_base < unit->to_base) {
          value += v2 * u2->to_base / unit->to_base;
          k = after;
          q.words = q.words || w2;
        }
      }
    }
    // A range or an either/or: "3-4", "3 – 4 kg", "3 to 4", "between 3 and 4", "3 or 4".
    const bool between = i > 0 && word(i - 1, "between");
    {
      size_t m = k;
      enum { kNone, kRange, kOr } join = kNone;
      if ((sym(m, "-") && tight(m) && tight(m + 1)) || sym(m, "\xE2\x80\x93") || word(m, "to") ||
          (between && word(m, "and"))) {
        join = kRange;
      } else if (word(m, "or")) {
        join = kOr;
      }
      if (join != kNone) {
        size_t s = m + 1;
        if (unit && unit->dimension == Dimension::kMoney && currency_at(s)) ++s;  // "$3 to $4"
        bool negative2 = false;  // "-5 to -2"
        if ((sym(s, "-") && tight(s + 1) && num(s + 1)) || (word(s, "minus") && starts_number(s + 1))) {
          negative2 = true;
          ++s;
        }
        double v2 = 0;
        size_t e2 = s;
        bool w2 = false;
        if (read_core(s, &v2, &e2, &w2) && !(w2 && word(s, "one") && e2 == s + 1 && join == kOr &&
                                             !unit_at(e2))) {
          size_t after = e2;
          std::optional<Unit> u2;
          if (e2 < t_.size() && t_[e2].kind == Tok::kWord) {  // "3 to 4 thousand", "$3k-4k"
            double sc = scale_of(t_[e2].text);
            if (sc == 0 && tight(e2) && t_[e2].text == "k") sc = 1e3;
            if (sc > 0) {
              v2 *= sc;
              ++after;
            }
          }
          if (auto u = read_unit(after, &after)) u2 = u;
          if (!unit && u2) unit = u2;  // "3-4 kg": the unit of both
          if (!u2 || !unit || u2->dimension == unit->dimension) {
            const double other = (negative2 ? -1 : 1) * (u2 && unit ? v2 * u2->to_base / unit->to_base : v2);
            if (join == kRange) {
              q.high = other;
            } else {
              q.alternative = other;
            }
            k = after;
          }
        }
      }
    }
    // "two thirds of a cup", "¾ of an hour": the unit after "of a".
    if (!unit && (word(k, "of")) && (word(k + 1, "a") || word(k + 1, "an"))) {
      size_t after = k + 2;
      if (auto u = read_unit(k + 2, &after)) {
        unit = u;
        k = after;
      }
    }
    // Sub-units of a currency read as the currency: 20p -> 0.20 gbp, 99 cents -> 0.99 usd.
    if (unit && unit->dimension == Dimension::kMoney && unit->to_base != 1) {
      value *= unit->to_base;
      if (q.high) *q.high *= unit->to_base;
      if (q.alternative) *q.alternative *= unit->to_base;
      unit = unit_named(unit->currency);
    }
    // A rate: "$15 an hour", "3% a year", "$2 per kg", "2 litres per minute", "5 a day".
    {
      size_t m = k;
      if (word(m, "annually") || word(m, "yearly") || (word(m, "per") && word(m + 1, "annum"))) {
        q.per = unit_named("yr");
        k = m + (word(m, "per") ? 2 : 1);
      } else if ((word(m, "per") || word(m, "a") || word(m, "an") || word(m, "each") ||
           (sym(m, "/") && tight(m))) &&
          !(word(m, "a") && word(m + 1, "few"))) {
        if (auto u = unit_at(m + 1); u && u->first.dimension != Dimension::kPercent &&
                                     u->first.dimension != Dimension::kMoney) {
          q.per = u->first;
          k = u->second;
        }
      }
    }
    if (!std::isfinite(value) || (q.high && !std::isfinite(*q.high)) ||
        (q.alternative && !std::isfinite(*q.alternative))) {
      *next = k;
      return std::nullopt;  // "1e300 million"
    }
    q.value = negative ? -value : value;
    q.unit = unit;
    // Approximations before the number: "about", "around", "roughly", "~3", "nearly", "some 20",
    // with at most one word between ("about just 3", "roughly at 5").
    if (i > 0 && sym(i - 1, "~")) q.approximate = true;
    for (size_t back = i; back > 0 && back + 2 >= i && !q.approximate; --back) {
      const Tok& p = t_[back - 1];
      if (p.kind != Tok::kWord) break;
      static const std::array<std::string_view, 13> kApprox = {
          "about", "around", "roughly", "approximately", "approx", "nearly", "almost",
          "circa", "ca", "some", "abt", "maybe", "perhaps"};
      if (std::find(kApprox.begin(), kApprox.end(), p.text) != kApprox.end()) {
        q.approximate = true;
        break;
      }
      if (p.text != "just" && p.text != "at" && p.text != "of" && p.text != "be") break;
    }
    if (word(k, "or") && word(k + 1, "so")) {
      q.approximate = true;
      k += 2;
    } else if (word(k, "give") && word(k + 1, "or") && word(k + 2, "take")) {
      q.approximate = true;
    } else if (word(k, "ish")) {
      q.approximate = true;
      ++k;
    }
    q.begin = t_[i].b;
    q.end = t_[k - 1].e;
    *next = k;
    return q;
  }

  // A currency sign or code before a number: $ £ € USD GBP EUR.
  std::optional<Unit> currency_at(size_t i) const {
    if (i >= t_.size()) return std::nullopt;
    const Tok& t = t_[i];
    const bool before_number = num(i + 1) || (i + 1 < t_.size() && sym(i + 1, "-") && num(i + 2));
    if (t.kind == Tok::kSym && before_number) {
      if (t.text == "$") return unit_named("usd");
      if (t.text == "\xC2\xA3") return unit_named("gbp");
      if (t.text == "\xE2\x82\xAC") return unit_named("eur");
    }
    if (t.kind == Tok::kWord && before_number) {
      if (t.text == "usd") return unit_named("usd");
      if (t.text == "gbp") return unit_named("gbp");
      if (t.text == "eur") return unit_named("eur");
    }
    return std::nullopt;
  }

  // Vague amounts: "a few" (3), "few", "several" (4), "some" (2), "a lot"/"lots" (10), "a bit"
  // and "a little" (1). Not "some" before a number ("some 20": about 20).
  std::optional<double> vague_at(size_t i, size_t* end) const {
    if (word(i, "a") && word(i + 1, "few")) {
      *end = i + 2;
      return 3;
    }
    if (word(i, "a") && (word(i + 1, "lot") || word(i + 1, "bit") || word(i + 1, "little"))) {
      *end = i + 2 + (word(i + 2, "of") ? 1 : 0);
      return word(i + 1, "lot") ? 10 : 1;
    }
    if (word(i, "several") || word(i, "few")) {
      *end = i + 1;
      return word(i, "several") ? 4 : 3;
    }
    if (word(i, "lots") && word(i + 1, "of")) {
      *end = i + 2;
      return 10;
    }
    if (word(i, "some") && !starts_number(i + 1)) {
      // Only "some" of something countable or measured: "some milk", "some apples".
      if (i + 1 < t_.size() && t_[i + 1].kind == Tok::kWord) {
        *end = i + 1;
        return 2;
      }
    }
    return std::nullopt;
  }

  std::string_view text_;
  std::vector<Tok> t_;
};

std::string fmt_value(double v) {
  std::string s = fmt::format("{:.10g}", v);
  return s == "-0" ? "0" : s;
}

}  // namespace

std::optional<Unit> unit_named(std::string_view name) {
  for (const UnitDef& d : unit_defs()) {
    if (name == d.name) return make_unit(d);
  }
  return std::nullopt;
}

std::optional<double> convert(double value, const Unit& from, const Unit& to) {
  if (from.dimension != to.dimension || from.currency != to.currency) return std::nullopt;
  return value * from.to_base / to.to_base;
}

std::string Quantity::describe() const {
  std::string s;
  if (approximate) s += "~";
  if (vague) s += "?";
  if (ambiguous) s += "!";
  s += fmt_value(value);
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "x" + std::string.
  if (high) s.append("..").append(fmt_value(*high));
  if (alternative) s.append("|").append(fmt_value(*alternative));
  if (unit) s.append(" ").append(unit->name);
  if (per) s.append(unit ? "/" : " /").append(per->name);
  return s;
}

std::vector<Quantity> read_quantities(std::string_view text) { return Reader(text).run(); }

std::string describe_quantities(std::string_view text) {
  std::string out;
  for (const Quantity& q : read_quantities(text)) {
    if (q.lone_one) continue;  // "which one": not a number for a reader
    if (!out.empty()) out += "; ";
    out += q.describe();
  }
  return out;
}

}  // namespace collab
