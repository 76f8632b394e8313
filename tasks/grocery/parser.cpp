// The grocery text channel: free text -> act + quantity, act -> text. Parsing is by lexicons built
// from the catalog (product types with plurals and unambiguous head words, brands, sizes, chains,
// cities) and by cue phrases for the eight slots, after correcting typos against the domain
// vocabulary. Spec: README.md "Text".
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "tasks/grocery/task.h"

namespace collab::tasks::grocery {

namespace {

using Words = std::vector<std::string>;

Words split(std::string_view normalized) {
  Words out;
  for (auto w : text::words(normalized)) out.emplace_back(w);
  return out;
}

// Unit spellings -> the catalog's unit words ("litres" -> "l").
const std::map<std::string, std::string, std::less<>> kUnits = {
    {"liter", "l"},        {"litre", "l"},        {"liters", "l"},      {"litres", "l"},
    {"ltr", "l"},          {"gallon", "gal"},     {"gallons", "gal"},   {"gram", "g"},
    {"grams", "g"},        {"gr", "g"},           {"kilo", "kg"},       {"kilos", "kg"},
    {"kilogram", "kg"},    {"kilograms", "kg"},   {"milliliter", "ml"}, {"millilitre", "ml"},
    {"milliliters", "ml"}, {"millilitres", "ml"}, {"pk", "pack"},       {"packs", "pack"},
    {"pck", "pack"}};
const std::set<std::string, std::less<>> kUnitWords = {
    "l", "ml", "g", "kg", "gal", "pack", "oz", "lb", "lbs", "percent", "dollars", "bucks"};

// Slot cue phrases with weights: the slot with the highest total wins (ties: act order).
struct Cue {
  const char* phrase;
  Slot slot;
  int weight;
};
const Cue kCues[] = {
    {"address", Slot::kAddress, 6},
    {"where do you live", Slot::kAddress, 6},
    {"where you live", Slot::kAddress, 6},
    {"where are you", Slot::kAddress, 5},
    {"where should", Slot::kAddress, 5},
    {"where to", Slot::kAddress, 4},
    {"where", Slot::kAddress, 3},
    {"ship to", Slot::kAddress, 5},
    {"deliver to", Slot::kAddress, 5},
    {"zip", Slot::kAddress, 5},
    {"zipcode", Slot::kAddress, 5},
    {"postcode", Slot::kAddress, 5},
    {"postal", Slot::kAddress, 5},
    {"location", Slot::kAddress, 5},
    {"located", Slot::kAddress, 5},
    {"city", Slot::kAddress, 5},
    {"street", Slot::kAddress, 4},
    {"live", Slot::kAddress, 4},
    {"home", Slot::kAddress, 3},
    {"neighborhood", Slot::kAddress, 4},
    {"neighbourhood", Slot::kAddress, 4},
    {"store", Slot::kStore, 6},
    {"stores", Slot::kStore, 6},
    {"shop", Slot::kStore, 4},
    {"shops", Slot::kStore, 4},
    {"shopping at", Slot::kStore, 5},
    {"where do you shop", Slot::kStore, 9},
    {"where do you usually shop", Slot::kStore, 9},
    {"where do you buy", Slot::kStore, 9},
    {"supermarket", Slot::kStore, 6},
    {"grocer", Slot::kStore, 5},
    {"market", Slot::kStore, 3},
    {"chain", Slot::kStore, 5},
    {"shopping list", Slot::kList, 7},
    {"list", Slot::kList, 6},
    {"what do you need", Slot::kList, 6},
    {"what do you want", Slot::kList, 5},
    {"what would you like", Slot::kList, 5},
    {"what should i get", Slot::kList, 6},
    {"what should i buy", Slot::kList, 6},
    {"what should i order", Slot::kList, 6},
    {"what to buy", Slot::kList, 6},
    {"what to get", Slot::kList, 6},
    {"what to order", Slot::kList, 6},
    {"items", Slot::kList, 3},
    {"item", Slot::kList, 2},
    {"groceries", Slot::kList, 2},
    {"need", Slot::kList, 1},
    {"products", Slot::kList, 3},
    {"things", Slot::kList, 2},
    {"what are we getting", Slot::kList, 6},
    {"what are we buying", Slot::kList, 6},
    {"what do we need", Slot::kList, 6},
    {"what are you after", Slot::kList, 6},
    {"what s on", Slot::kList, 4},
    {"what is on", Slot::kList, 4},
    {"anything else", Slot::kList, 5},
    {"what else", Slot::kList, 5},
    {"how many", Slot::kQuantity, 7},
    {"how much of", Slot::kQuantity, 7},
    {"quantity", Slot::kQuantity, 7},
    {"quantities", Slot::kQuantity, 7},
    {"amount", Slot::kQuantity, 5},
    {"amounts", Slot::kQuantity, 5},
    {"count", Slot::kQuantity, 3},
    {"number of", Slot::kQuantity, 5},
    {"how much", Slot::kQuantity, 2},
    {"brand", Slot::kBrand, 7},
    {"brands", Slot::kBrand, 7},
    {"size", Slot::kBrand, 6},
    {"sizes", Slot::kBrand, 6},
    {"which kind", Slot::kBrand, 6},
    {"what kind", Slot::kBrand, 6},
    {"kind of", Slot::kBrand, 3},
    {"type of", Slot::kBrand, 3},
    {"preference", Slot::kBrand, 4},
    {"preferences", Slot::kBrand, 4},
    {"prefer", Slot::kBrand, 4},
    {"particular", Slot::kBrand, 3},
    {"specific", Slot::kBrand, 3},
    {"variety", Slot::kBrand, 3},
    {"label", Slot::kBrand, 3},
    {"which one", Slot::kBrand, 4},
    {"which ones", Slot::kBrand, 4},
    {"big", Slot::kBrand, 2},
    {"large", Slot::kBrand, 2},
    {"small", Slot::kBrand, 2},
    {"diet", Slot::kDiet, 7},
    {"dietary", Slot::kDiet, 7},
    {"allergy", Slot::kDiet, 7},
    {"allergies", Slot::kDiet, 7},
    {"allergic", Slot::kDiet, 7},
    {"vegan", Slot::kDiet, 5},
    {"vegetarian", Slot::kDiet, 6},
    {"gluten", Slot::kDiet, 5},
    {"lactose", Slot::kDiet, 5},
    {"dairy free", Slot::kDiet, 6},
    {"restrictions", Slot::kDiet, 6},
    {"restriction", Slot::kDiet, 6},
    {"intolerance", Slot::kDiet, 6},
    {"intolerances", Slot::kDiet, 6},
    {"intolerant", Slot::kDiet, 6},
    {"can t eat", Slot::kDiet, 7},
    {"cannot eat", Slot::kDiet, 7},
    {"avoid", Slot::kDiet, 4},
    {"eat", Slot::kDiet, 2},
    {"kosher", Slot::kDiet, 6},
    {"halal", Slot::kDiet, 6},
    {"budget", Slot::kBudget, 7},
    {"spend", Slot::kBudget, 6},
    {"spending", Slot::kBudget, 6},
    {"how much money", Slot::kBudget, 8},
    {"afford", Slot::kBudget, 6},
    {"price limit", Slot::kBudget, 7},
    {"limit", Slot::kBudget, 3},
    {"max", Slot::kBudget, 2},
    {"maximum", Slot::kBudget, 2},
    {"cap", Slot::kBudget, 3},
    {"dollars", Slot::kBudget, 3},
    {"cost", Slot::kBudget, 3},
    {"expensive", Slot::kBudget, 3},
    {"money", Slot::kBudget, 5},
    {"price range", Slot::kBudget, 7},
    {"prices", Slot::kBudget, 2},
    {"when", Slot::kDelivery, 6},
    {"what time", Slot::kDelivery, 7},
    {"time", Slot::kDelivery, 4},
    {"delivery time", Slot::kDelivery, 8},
    {"delivery window", Slot::kDelivery, 8},
    {"window", Slot::kDelivery, 5},
    {"slot", Slot::kDelivery, 5},
    {"schedule", Slot::kDelivery, 4},
    {"arrive", Slot::kDelivery, 4},
    {"day", Slot::kDelivery, 3},
    {"tomorrow", Slot::kDelivery, 3},
    {"today", Slot::kDelivery, 3},
    {"deliver", Slot::kDelivery, 1},
    {"delivered", Slot::kDelivery, 1},
    {"delivery", Slot::kDelivery, 1},
    {"morning", Slot::kDelivery, 3},
    {"evening", Slot::kDelivery, 3},
    {"afternoon", Slot::kDelivery, 3},
    {"weekend", Slot::kDelivery, 3},
};

const char* const kRemoveCues[] = {
    "remove",       "delete",     "drop",        "take out",    "take off", "get rid",
    "cancel",       "don t need", "dont need",   "do not need", "no more",  "without",
    "scrap",        "ditch",      "minus",       "nix",         "removing", "out of the cart",
    "off the cart", "don t want", "do not want", "dont want"};
const char* const kAddCues[] = {"add",     "adding",  "put",      "order",   "buy",    "get",
                                "grab",    "include", "throw in", "pick up", "take",   "toss",
                                "ll take", "cart",    "i ll",     "let s",   "go with"};
const char* const kCheckoutCues[] = {"checkout",         "check out",
                                     "place the order",  "place order",
                                     "place your order", "placing the order",
                                     "submit",           "confirm the order",
                                     "confirm order",    "finalize",
                                     "finalise",         "complete the order",
                                     "complete order",   "pay",
                                     "payment",          "that s everything",
                                     "that s all",       "wrap up",
                                     "finish",           "send the order",
                                     "all set",          "done shopping",
                                     "purchase"};
const char* const kQuestionStarts[] = {
    "what", "whats", "which", "where", "wheres", "when",     "how",  "hows", "who", "do",
    "does", "did",   "are",   "is",    "any",    "anything", "have", "tell", "may", "got"};
// Common words typos are never "corrected" into domain words.
const char* const kCommon[] = {
    "about",    "after",    "again",    "also",     "and",    "another", "back",     "been",
    "before",   "being",    "both",     "but",      "cart",   "could",   "each",     "else",
    "even",     "ever",     "every",    "first",    "from",   "give",    "going",    "good",
    "great",    "have",     "hello",    "help",     "here",   "just",    "know",     "last",
    "like",     "look",     "made",     "make",     "many",   "maybe",   "more",     "most",
    "much",     "must",     "need",     "next",     "nice",   "none",    "note",     "okay",
    "once",     "only",     "other",    "over",     "please", "right",   "same",     "should",
    "some",     "sure",     "than",     "thank",    "thanks", "that",    "their",    "them",
    "then",     "there",    "these",    "they",     "thing",  "think",   "this",     "those",
    "tell",     "very",     "want",     "well",     "were",   "what",    "when",     "where",
    "which",    "while",    "will",     "with",     "would",  "your",    "yours",    "order",
    "orders",   "add",      "adding",   "put",      "take",   "grab",    "remove",   "delete",
    "drop",     "cancel",   "include",  "checkout", "check",  "place",   "submit",   "confirm",
    "finalize", "complete", "pay",      "payment",  "done",   "finish",  "purchase", "could",
    "should",   "usually",  "normally", "regular",  "today",  "week",    "weekly",   "cartons",
    "carton",   "bottles",  "bottle",   "bags",     "bag",    "boxes",   "box",      "jars",
    "jar",      "cans",     "can",      "loaf",     "loaves", "bunch",   "dozen",    "couple",
    "pair",     "few",      "one",      "two",      "three",  "four",    "five",     "six",
    "seven",    "eight",    "nine",     "ten",      "also",   "let",     "lets",     "shall",
    "might",    "does",     "have",     "into",     "onto",   "want",    "wants",    "wanted",
    "like",     "liked",    "some",     "same",     "more",   "less",    "lots",     "plus",
    "into",     "them",     "then",     "from",     "the",    "for",     "you",      "our",
    "out",      "off",      "get",      "got",      "now",    "yes",     "nope"};

const std::map<std::string, int, std::less<>> kNumberWords = {
    {"one", 1},     {"two", 2},     {"three", 3},    {"four", 4},    {"five", 5},
    {"six", 6},     {"seven", 7},   {"eight", 8},    {"nine", 9},    {"ten", 10},
    {"eleven", 11}, {"twelve", 12}, {"fifteen", 15}, {"twenty", 20}, {"couple", 2},
    {"pair", 2},    {"dozen", 12},  {"single", 1},   {"few", 3}};

bool has(const Words& w, std::string_view phrase) {
  const Words p = split(phrase);
  if (p.empty() || p.size() > w.size()) return false;
  for (size_t i = 0; i + p.size() <= w.size(); ++i) {
    if (std::equal(p.begin(), p.end(), w.begin() + static_cast<std::ptrdiff_t>(i))) return true;
  }
  return false;
}

template <class List>
bool any_of_cues(const Words& w, const List& cues) {
  return std::any_of(std::begin(cues), std::end(cues), [&](const char* c) { return has(w, c); });
}

std::vector<std::string_view> views(const Words& w) { return {w.begin(), w.end()}; }

std::string singular_or_plural(const std::string& word) {
  auto ends = [&](std::string_view s) { return word.size() > s.size() && word.ends_with(s); };
  if (ends("ies")) return word.substr(0, word.size() - 3) + "y";
  if (ends("oes") || ends("ches") || ends("shes")) return word.substr(0, word.size() - 2);
  if (ends("s") && !ends("ss")) return word.substr(0, word.size() - 1);
  if (ends("y") && word.size() > 2 &&
      std::string_view("aeiou").find(word[word.size() - 2]) == std::string_view::npos) {
    return word.substr(0, word.size() - 1) + "ies";
  }
  if (ends("o") || ends("ch") || ends("sh") || ends("x")) return word + "es";
  return word + "s";
}

// The phrase with its last word's other number ("eggs" <-> "egg").
std::string inflect(const std::string& normalized_phrase) {
  const size_t sp = normalized_phrase.rfind(' ');
  const std::string head = sp == std::string::npos ? "" : normalized_phrase.substr(0, sp + 1);
  const std::string last =
      sp == std::string::npos ? normalized_phrase : normalized_phrase.substr(sp + 1);
  return head + singular_or_plural(last);
}

// Spaces between digits and letters ("2L" -> "2 L", "x3" -> "x 3"), "×" -> "x".
std::string preprocess(std::string_view raw) {
  std::string s;
  for (size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == 0xC3 && i + 1 < raw.size() && static_cast<unsigned char>(raw[i + 1]) == 0x97) {
      s += " x ";
      ++i;
      continue;
    }
    if (!s.empty()) {
      const unsigned char p = static_cast<unsigned char>(s.back());
      if ((std::isdigit(p) && std::isalpha(c)) || (std::isalpha(p) && std::isdigit(c))) s += ' ';
    }
    s += static_cast<char>(c);
  }
  return s;
}

}  // namespace

void Grocery::build_lexicon() {
  std::set<std::string> vocab;
  auto add_vocab = [&](const std::string& phrase) {
    for (const auto& w : split(phrase)) vocab.insert(w);
  };
  auto canon_units = [](const std::string& normalized) {
    std::string out;
    for (const auto& w : split(normalized)) {
      const auto u = kUnits.find(w);
      out += (out.empty() ? "" : " ") + (u == kUnits.end() ? w : u->second);
    }
    return out;
  };
  // Types, their plurals, and head words that name one type only ("yogurt", "salmon").
  std::map<std::string, std::set<size_t>> heads;
  const std::set<std::string> generic = {
      "free",   "gluten", "lactose", "whole", "frozen", "dark",   "ground",  "vegan",  "sparkling",
      "canned", "black",  "dish",    "trash", "paper",  "toilet", "laundry", "ice",    "potato",
      "orange", "peanut", "almond",  "oat",   "wheat",  "milk",   "bread",   "butter", "water",
      "bag",    "bags",   "pack",    "packs", "slices", "fillet"};
  for (size_t t = 0; t < setup_.types.size(); ++t) {
    const std::string n = text::normalize(setup_.types[t]);
    lex_.types.add(n, static_cast<int>(t));
    lex_.types.add(inflect(n), static_cast<int>(t));
    add_vocab(n);
    add_vocab(inflect(n));
    const Words w = split(n);
    if (w.size() > 1) {
      heads[w.front()].insert(t);
      heads[w.back()].insert(t);
    }
  }
  for (const auto& [word, types] : heads) {
    if (types.size() != 1 || generic.contains(word) || lex_.types.label_of(word)) continue;
    const int t = static_cast<int>(*types.begin());
    lex_.types.add(word, t);
    lex_.types.add(singular_or_plural(word), t);
    add_vocab(singular_or_plural(word));
  }
  // Brands and sizes as labels; each product records its own.
  for (const auto& p : setup_.products) {
    const std::string b = text::normalize(p.brand);
    if (!lex_.brands.label_of(b)) lex_.brands.add(b, static_cast<int>(lex_.brands.size()));
    brand_of_.push_back(static_cast<size_t>(*lex_.brands.label_of(b)));
    add_vocab(b);
    const std::string z = canon_units(text::normalize(p.size));
    if (!lex_.sizes.label_of(z)) lex_.sizes.add(z, static_cast<int>(lex_.sizes.size()));
    add_vocab(z);
    size_of_.push_back(static_cast<size_t>(*lex_.sizes.label_of(z)));
  }
  // Chains ("greenleaf market", "greenleaf", "green leaf market") and cities.
  std::map<std::string, std::set<size_t>> chain_words;
  for (size_t c = 0; c < setup_.chains.size(); ++c) {
    const std::string n = text::normalize(setup_.chains[c]);
    lex_.chains.add(n, static_cast<int>(c));
    std::string joined;
    for (char ch : n) {
      if (ch != ' ') joined += ch;
    }
    lex_.chains.add(joined, static_cast<int>(c));
    std::string camel;  // "ValueGrocer" -> "value grocer"
    for (size_t k = 0; k < setup_.chains[c].size(); ++k) {
      const char ch = setup_.chains[c][k];
      if (k > 0 && std::isupper(static_cast<unsigned char>(ch)) &&
          std::islower(static_cast<unsigned char>(setup_.chains[c][k - 1])))
        camel += ' ';
      camel += ch;
    }
    lex_.chains.add(text::normalize(camel), static_cast<int>(c));
    add_vocab(text::normalize(camel));
    add_vocab(n);
    add_vocab(joined);
    chain_words[split(n).front()].insert(c);
  }
  for (const auto& [w, cs] : chain_words) {
    if (cs.size() == 1 && w.size() > 3) lex_.chains.add(w, static_cast<int>(*cs.begin()));
  }
  for (size_t c = 0; c < setup_.cities.size(); ++c) {
    const std::string n = text::normalize(setup_.cities[c]);
    lex_.cities.add(n, static_cast<int>(c));
    add_vocab(n);
  }
  for (const auto& c : kCues) add_vocab(c.phrase);
  for (const char* c : kRemoveCues) add_vocab(c);
  for (const char* c : kCheckoutCues) add_vocab(c);
  for (const char* c : kAddCues) add_vocab(c);
  for (const auto& u : kUnitWords) vocab.insert(u);
  for (const auto& [w, u] : kUnits) vocab.insert(w);
  lex_.vocabulary.assign(vocab.begin(), vocab.end());
}

namespace {

// The agent's words, normalized, units canonical, typos of domain words corrected.
Words clean(const Lexicon& lex, std::string_view raw) {
  static const std::set<std::string, std::less<>> common(std::begin(kCommon), std::end(kCommon));
  Words out;
  for (auto& w : split(text::normalize(preprocess(raw)))) {
    if (const auto u = kUnits.find(w); u != kUnits.end()) {
      out.push_back(u->second);
      continue;
    }
    const bool alpha = std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (alpha && w.size() >= 4 && !common.contains(w) && !kNumberWords.contains(w) &&
        !std::binary_search(lex.vocabulary.begin(), lex.vocabulary.end(), w)) {
      const size_t limit = w.size() >= 6 ? 2 : 1;
      size_t best = limit + 1;
      const std::string* pick = nullptr;
      for (const auto& v : lex.vocabulary) {
        if (v.size() < 3 || v.size() + limit < w.size() || w.size() + limit < v.size()) continue;
        const size_t d = text::edit_distance(w, v);
        if (d < best) best = d, pick = &v;
      }
      if (pick != nullptr) {
        out.push_back(*pick);
        continue;
      }
    }
    out.push_back(std::move(w));
  }
  return out;
}

struct Span {
  size_t first = 0, length = 0;
  bool covers(size_t i) const { return i >= first && i < first + length; }
};

// The quantity the words state outside the product's spans (nullopt: none stated).
std::optional<int> quantity(const Words& w, const std::vector<Span>& skip) {
  auto skipped = [&](size_t i) {
    return std::any_of(skip.begin(), skip.end(), [&](const Span& s) { return s.covers(i); });
  };
  for (size_t i = 0; i < w.size(); ++i) {
    if (skipped(i)) continue;
    std::optional<int> n;
    if (std::all_of(w[i].begin(), w[i].end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        w[i].size() <= 2) {
      n = std::stoi(w[i]);
      // "2 l" is a size, "50 dollars" money; "2 packs of" counts packs.
      const bool counts = i + 2 < w.size() && w[i + 1] == "pack" && w[i + 2] == "of";
      if (i + 1 < w.size() && kUnitWords.contains(w[i + 1]) && !counts) continue;
      if (i > 0 && (w[i - 1] == "under" || w[i - 1] == "over" || w[i - 1] == "than")) continue;
    } else if (const auto it = kNumberWords.find(w[i]); it != kNumberWords.end()) {
      if (w[i] == "one" && i > 0 &&
          (w[i - 1] == "which" || w[i - 1] == "that" || w[i - 1] == "the"))
        continue;
      n = it->second;
      if (w[i] == "dozen" && i > 0 && w[i - 1] == "a" && i > 1 && w[i - 2] == "half") n = 6;
      if (w[i] == "dozen" && i > 0 && kNumberWords.contains(w[i - 1]) && w[i - 1] != "dozen")
        continue;
      if (i + 1 < w.size() && w[i + 1] == "dozen" && w[i] != "dozen") n = *n * 12;
    }
    if (n && *n >= 1 && *n <= 99) return n;
  }
  return std::nullopt;
}

}  // namespace

Parsed parse_text(const Grocery& t, const DialogueState& st, std::string_view raw) {
  const Lexicon& lex = t.lexicon();
  const Setup& s = t.setup();
  const Words w = clean(lex, raw);
  Parsed out;
  if (w.empty()) return out;
  const auto v = views(w);

  bool question = raw.find('?') != std::string_view::npos;
  for (const char* q : kQuestionStarts) question |= w[0] == q;

  std::array<int, kSlots> score{};
  for (const auto& c : kCues) {
    if (has(w, c.phrase)) score[static_cast<size_t>(c.slot)] += c.weight;
  }
  std::optional<Slot> slot;
  int best = 0;
  for (size_t i = 0; i < kSlots; ++i) {
    if (score[i] > best) best = score[i], slot = static_cast<Slot>(i);
  }

  // A product: its type (or a brand alone), narrowed by brand and size.
  std::vector<Span> spans;
  std::optional<size_t> type, brand, size;
  if (auto m = lex.types.find(v))
    type = static_cast<size_t>(m->label), spans.push_back({m->first_word, m->length});
  if (auto m = lex.brands.find(v))
    brand = static_cast<size_t>(m->label), spans.push_back({m->first_word, m->length});
  if (auto m = lex.sizes.find(v))
    size = static_cast<size_t>(m->label), spans.push_back({m->first_word, m->length});
  if (!type && brand) {
    for (size_t pass = 0; pass < 2 && !type; ++pass) {
      for (size_t p = 0; p < t.products() && !type; ++p) {
        if (t.brand_label(p) == *brand && (pass == 1 || st.named[s.products[p].type]))
          type = s.products[p].type;
      }
    }
  }
  const bool remove = any_of_cues(w, kRemoveCues);
  const bool add = any_of_cues(w, kAddCues);
  const bool checkout = any_of_cues(w, kCheckoutCues);
  std::optional<size_t> chain, city;
  if (auto m = lex.chains.find(v)) chain = static_cast<size_t>(m->label);
  if (auto m = lex.cities.find(v)) city = static_cast<size_t>(m->label);

  auto ask = [&](Slot x) {
    out.act = t.ask_act(x);
    return out;
  };
  if (slot && question) {
    const bool about_item = *slot == Slot::kQuantity || *slot == Slot::kBrand;
    if (!(type && (add || remove) && !about_item)) return ask(*slot);
  }
  if (type && question && !slot && !add && !remove) return ask(Slot::kList);  // "do you need eggs?"
  if (type) {
    const size_t p = t.resolve_product(st, *type, brand, size);
    if (remove) {
      out.act = t.remove_act(p);
      return out;
    }
    out.act = t.add_act(p);
    out.content.number = quantity(w, spans).value_or(1);
    return out;
  }
  if (checkout) {
    out.act = t.checkout_act();
    return out;
  }
  if (chain) {
    out.act = t.store_act(t.resolve_store(st, *chain, city));
    return out;
  }
  if (city && !question && (has(w, "store") || has(w, "shop") || add)) {
    const size_t c = st.chain >= 0 ? static_cast<size_t>(st.chain) : [&] {
      for (const auto& x : s.stores) {
        if (x.city_index == *city) return x.chain_index;
      }
      return size_t{0};
    }();
    out.act = t.store_act(t.resolve_store(st, c, city));
    return out;
  }
  if (slot) return ask(*slot);
  return out;
}

std::string render_act(const Grocery& t, int32_t a, const Content& c) {
  const Setup& s = t.setup();
  static const char* const kAsk[kSlots] = {"What's the delivery address?",
                                           "Which store do you usually shop at?",
                                           "What do you need on your shopping list?",
                                           "How many of each item do you need?",
                                           "Which brand and size do you prefer for each item?",
                                           "Do you have any dietary restrictions?",
                                           "What's your budget?",
                                           "When would you like it delivered?"};
  if (t.is_ask(a)) return kAsk[a];
  if (t.is_store(a)) {
    const Store& x = s.stores[t.store_of(a)];
    return fmt::format("Let's order from {} in {}.", x.chain, x.city);
  }
  if (t.is_add(a) || t.is_remove(a)) {
    const Product& p = s.products[t.product_of(a)];
    if (t.is_remove(a))
      return fmt::format("Remove {} {} ({}) from the cart.", p.brand, p.name, p.size);
    return fmt::format("Add {} x {} {} ({}) to the cart.", static_cast<int>(c.number.value_or(1)),
                       p.brand, p.name, p.size);
  }
  return "I'll check out and place the order now.";
}

Parsed Game::parse(std::string_view text) const { return parse_text(*task_, st_, text); }

Content Game::compose(int32_t act) const {
  Content c;
  if (task_->is_add(act)) {
    const size_t type = task_->setup().products[task_->product_of(act)].type;
    c.number = st_.quantity[type] > 0 ? st_.quantity[type] : 1;
  }
  return c;
}

std::string Game::render(int32_t act, const Content& content) const {
  return render_act(*task_, act, content);
}

}  // namespace collab::tasks::grocery
