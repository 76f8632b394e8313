// The v2 reader's word classes (words.h).
#include "tasks/twenty_questions/words.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace collab::tasks::twenty_questions::words {

bool corrected(const std::string& w) { return !w.empty() && w[0] == kCorrected; }

std::vector<std::string> unmarked(std::vector<std::string> ws) {
  for (auto& w : ws) {
    if (corrected(w)) w.erase(0, 1);
  }
  return ws;
}

bool in(std::string_view w, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

bool starter(std::string_view w) {
  return in(w, {"is",     "are",  "was",    "were",  "does",  "do",    "did",   "can",  "could",
                "would",  "will", "should", "shall", "might", "may",   "must",  "has",  "have",
                "had",    "am",   "isn",    "doesn", "don",   "aren",  "wasn",  "what", "which",
                "where",  "when", "how",    "who",   "why",   "whats", "tell",  "any",  "wouldn",
                "couldn", "hasn", "haven",  "didn",  "ever",  "hows",  "wheres"});
}

bool opener(std::string_view w) {
  return in(
      w, {"ok",      "okay",     "so",          "and",   "well",   "alright", "right",  "hmm",
          "hm",      "then",     "now",         "also",  "next",   "oh",      "um",     "uh",
          "hey",     "question", "q",           "quick", "one",    "more",    "last",   "another",
          "but",     "lol",      "wait",        "fine",  "cool",   "great",   "nice",   "thanks",
          "thank",   "sure",     "got",         "ah",    "aha",    "yes",     "no",     "yeah",
          "nope",    "yep",      "interesting", "let",   "me",     "ask",     "see",    "hmmm",
          "mm",      "erm",      "er",          "ooh",   "follow", "up",      "please", "just",
          "quickly", "next",     "guess",       "my",    "first",  "second",  "third",  "new",
          "try"});
}

bool recap_start(const Words& w, size_t i) {
  auto at = [&](size_t k) -> std::string_view {
    return i + k < w.size() ? std::string_view(w[i + k]) : std::string_view();
  };
  if (in(at(0), {"since", "given", "because", "as", "knowing", "not", "no", "obviously", "clearly",
                 "assuming"})) {
    return true;
  }
  // "we know …", "you said …", "i see …" (but not "i wonder …", "i'm picturing …").
  if (in(at(0), {"we", "i", "you"}) &&
      in(at(1), {"know", "said", "see", "ve", "told", "established", "heard", "learned",
                 "mentioned", "already", "got"})) {
    return true;
  }
  if (at(0) == "it" && in(at(1), {"s", "is", "isn", "has", "hasn", "can", "doesn", "does", "was"}))
    return true;
  if (at(0) == "its" && in(at(1), {"not", "a", "an", "definitely", "probably"})) return true;
  return false;
}

size_t contrast_at(const Words& w, size_t i) {
  auto at = [&](size_t k) -> std::string_view {
    return i + k < w.size() ? std::string_view(w[i + k]) : std::string_view();
  };
  if (at(0) == "as" && at(1) == "opposed" && at(2) == "to") return 3;
  if (at(0) == "rather" && at(1) == "than") return 2;
  if (at(0) == "instead" && at(1) == "of") return 2;
  if (at(0) == "other" && at(1) == "than") return 2;
  if (at(0) == "apart" && at(1) == "from") return 2;
  if (at(0) == "unlike" || at(0) == "besides" || at(0) == "except") return 1;
  if (at(0) == "not" && (i == 0 || w[i - 1] == kBoundary || w[i - 1] == "and" ||
                         w[i - 1] == "but" || w[i - 1] == "or")) {
    return 1;
  }
  return 0;
}

bool generic_head(std::string_view w) {
  return in(w, {"thing", "things", "something", "anything", "object", "item", "stuff", "kind",
                "type", "sort", "one", "thingy", "thingamajig", "sorts", "kinds", "types"});
}

bool property_noun(std::string_view w) {
  return in(w, {"taste", "flavor", "flavour", "colour", "color", "shape", "size", "smell",
                "texture", "feel", "sound", "finish", "coating", "surface"});
}

bool np_stop(std::string_view w) {
  return in(
      w, {"that",  "which",  "who",       "whom",     "whose",   "you",       "your",    "i",
          "we",    "they",   "people",    "with",     "without", "from",      "in",      "on",
          "at",    "for",    "by",        "to",       "of",      "used",      "found",   "made",
          "kept",  "or",     "and",       "than",     "like",    "as",        "is",      "are",
          "does",  "do",     "can",       "could",    "would",   "will",      "s",       "d",
          "ll",    "it",     "its",       "near",     "into",    "inside",    "outside", "under",
          "over",  "about",  "when",      "where",    "if",      "because",   "living",  "kind",
          "type",  "sort",   "someone",   "somebody", "one",     "typically", "usually", "normally",
          "often", "mostly", "generally", "right",    "then",    "maybe"});
}

bool function_word(std::string_view w) {
  return in(w, {"it", "its", "a",  "an", "the",  "you", "your", "my",   "i",    "to", "of",
                "is", "are", "be", "do", "does", "can", "that", "this", "them", "s"});
}

bool article(std::string_view w) { return in(w, {"a", "an", "the", "some", "any"}); }

bool determiner(std::string_view w) {
  return in(w, {"a", "an", "the", "some", "any", "your", "my", "its", "their", "his", "her", "this",
                "that", "these", "those"});
}

std::string_view function_word_typo(std::string_view w) {
  static const std::array<std::pair<std::string_view, std::string_view>, 16> kTypos = {{
      {"dose", "does"},
      {"doe", "does"},
      {"deos", "does"},
      {"si", "is"},
      {"ti", "it"},
      {"teh", "the"},
      {"hav", "have"},
      {"ahve", "have"},
      {"cna", "can"},
      {"yuo", "you"},
      {"wat", "what"},
      {"waht", "what"},
      {"iz", "is"},
      {"u", "you"},
      {"ur", "your"},
      {"r", "are"},
  }};
  for (const auto& [typo, word] : kTypos) {
    if (w == typo) return word;
  }
  return {};
}

bool trailing_filler(std::string_view w) {
  return in(w, {"then",     "maybe",  "perhaps", "possibly",  "right",      "correct", "yes",
                "yeah",     "or",     "not",     "am",        "i",          "by",      "any",
                "chance",   "to",     "me",      "actually",  "final",      "answer",  "is",
                "my",       "guess",  "it",      "that",      "this",       "please",  "lol",
                "haha",     "again",  "instead", "after",     "all",        "ok",      "okay",
                "now",      "though", "you",     "think",     "reckon",     "suppose", "bet",
                "would",    "be",     "s",       "t",         "eh",         "huh",     "there",
                "hmm",      "sure",   "certain", "obviously", "definitely", "surely",  "probably",
                "guessing", "m",      "going",   "say",       "sounds",     "too",     "here",
                "goes",     "just",   "finally", "thinking",  "was",        "were",    "are",
                "d",        "ll",     "yet",     "thats",     "im",         "wrong",   "close",
                "guessed",  "win",    "do",      "did",       "so",         "the",     "didn",
                "don",      "isn",    "wasn",    "aren",      "doesn",      "won",     "wouldn",
                "couldn"});
}

bool guess_cue(const Words& p) {
  if (p.empty()) return true;
  const std::string_view last = p.back();
  if (in(last, {"guess", "guessing", "be",    "say",    "answer", "bet",    "reckon",  "about",
                "try",   "choose",   "pick",  "picked", "chose",  "think",  "believe", "its",
                "thats", "object",   "thing", "item",   "saying", "guessed"})) {
    return true;
  }
  if (p.size() >= 2) {
    const std::string_view prev = p[p.size() - 2];
    const std::array<std::pair<std::string_view, std::string_view>, 25> pairs = {{
        {"is", "it"},       {"it", "is"},    {"it", "s"},        {"that", "s"},   {"is", "that"},
        {"is", "this"},     {"this", "is"},  {"that", "is"},     {"was", "it"},   {"it", "was"},
        {"thinking", "of"}, {"think", "of"}, {"sounds", "like"}, {"go", "with"},  {"going", "with"},
        {"m", "thinking"},  {"is", "your"},  {"go", "for"},      {"guess", "is"}, {"answer", "is"},
        {"bet", "is"},      {"pick", "is"},  {"choice", "is"},   {"hunch", "is"}, {"idea", "is"},
    }};
    for (const auto& [a, b] : pairs) {
      if (prev == a && last == b) return true;
    }
  }
  return false;
}

bool colour_word(std::string_view w) {
  return in(w, {"orange", "rose", "lime", "lemon", "peach", "cherry", "plum", "olive", "salmon",
                "gold", "silver", "cream", "coral", "ruby", "emerald", "amber", "navy"});
}

bool negator(std::string_view w) { return in(w, {"not", "t", "never", "no", "nor", "neither"}); }

std::string singular(const std::string& w) {
  const size_t n = w.size();
  if (n > 4 && w.ends_with("ies")) return w.substr(0, n - 3) + "y";
  if (n > 4 && w.ends_with("ves")) return w.substr(0, n - 3) + "f";
  if (n > 4 && w.ends_with("es")) {
    std::string stem = w.substr(0, n - 2);
    if (stem.ends_with("s") || stem.ends_with("x") || stem.ends_with("ch") ||
        stem.ends_with("sh") || stem.ends_with("o")) {
      return stem;
    }
  }
  if (n > 3 && w.back() == 's' && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is"))
    return w.substr(0, n - 1);
  return w;
}

bool common_word(std::string_view w) {
  return in(
      w, {"this",     "that",       "thing",    "things",    "think",       "there",    "their",
          "these",    "those",      "where",    "which",     "while",       "would",    "could",
          "should",   "about",      "other",    "something", "anything",    "maybe",    "really",
          "guess",    "right",      "usually",  "people",    "person",      "someone",  "somebody",
          "often",    "every",      "always",   "never",     "kinda",       "sorta",    "gonna",
          "wanna",    "gotta",      "please",   "thanks",    "hello",       "still",    "again",
          "first",    "second",     "third",    "before",    "after",       "being",    "doing",
          "having",   "going",      "getting",  "making",    "using",       "normally", "typically",
          "mostly",   "generally",  "around",   "inside",    "outside",     "under",    "over",
          "without",  "within",     "between",  "among",     "through",     "whole",    "little",
          "quite",    "very",       "pretty",   "sure",      "okay",        "alright",  "actually",
          "probably", "definitely", "question", "questions", "answer",      "correct",  "wrong",
          "number",   "object",     "objects",  "item",      "items",       "stuff",    "found",
          "find",     "made",       "make",     "used",      "use",         "kept",     "keep",
          "known",    "know",       "called",   "call",      "named",       "name",     "typical",
          "normal",   "average",    "regular",  "common",    "everyday",    "ordinary", "likely",
          "possible", "perhaps",    "another",  "since",     "because",     "given",    "hmmm",
          "hints",    "hint",       "clue",     "clues",     "thinking",    "picked",   "chosen",
          "start",    "game",       "next",     "last",      "least",       "most",     "more",
          "less",     "than",       "then",     "them",      "they",        "what",     "when",
          "with",     "will",       "were",     "your",      "yours",       "mine",     "have",
          "does",     "done",       "just",     "like",      "also",        "only",     "even",
          "here",     "well",       "much",     "many",      "some",        "same",     "such",
          "each",     "both",       "either",   "neither",   "enough",      "one",      "old",
          "older",    "oldest",     "new",      "newer",     "young",       "younger",  "bigger",
          "smaller",  "larger",     "taller",   "shorter",   "longer",      "heavier",  "lighter",
          "better",   "worse",      "colder",   "warmer",    "hotter",      "cheaper",  "nicer",
          "closer",   "further",    "faster",   "slower",    "grandmother", "mother",   "father",
          "friend",   "family",     "house",    "today",     "world",       "words",    "word",
          "letter",   "letters",    "start",    "starts",    "begin",       "begins",   "famous",
          "popular",  "lucky",      "smell",    "smells",    "taste",       "tastes",   "looks",
          "look",     "sound",      "sounds",   "feel",      "feels",       "think",    "thinks",
          "place",    "places",     "while"});
}

std::string ascii_punctuation(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
      const auto d = static_cast<unsigned char>(s[i + 2]);
      if (d == 0x98 || d == 0x99) {  // ‘ ’
        out += '\'';
        i += 2;
        continue;
      }
      if (d == 0x9C || d == 0x9D) {  // “ ”
        out += '"';
        i += 2;
        continue;
      }
      if (d == 0x93 || d == 0x94) {  // – —
        out += " - ";
        i += 2;
        continue;
      }
      if (d == 0xA6) {  // …
        out += "...";
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace collab::tasks::twenty_questions::words
