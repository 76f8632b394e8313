// Reading math_qa messages: tokens, phrase lexicons over tokens, and quantities (numbers in digits
// or words, with the unit that follows). Used by the parser (agent text -> act + number) and by
// the user simulator (numbers in words).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace collab::tasks::math_qa {

struct Token {
  enum class Kind : uint8_t { kWord, kNumber, kSymbol, kBreak };
  Kind kind;
  std::string text;  // words lower-cased, apostrophes dropped ("what's" -> "whats")
  std::string key;   // the matching key: words stemmed (trailing plural s dropped), else text
  double value = 0;  // kNumber: the value ("1,250" -> 1250, "3/4" -> 0.75, "1e-05" -> 1e-05)
  bool fraction = false;  // kNumber written as a/b
  size_t pos = 0;         // byte offset of its first character in the text
  bool is(std::string_view s) const { return text == s; }
};

// Splits text into words, numbers (digits with thousands commas, decimals, exponents, a/b
// fractions, a leading minus, the characters ½ ¼ ¾), symbols (one character each; ² and ³ read
// as ^2 and ^3) and line breaks (kBreak).
std::vector<Token> tokenize(std::string_view text);

// The matching key of a lower-case word: a trailing plural "s" dropped from words longer than 3
// letters, except "ss" ("hours" -> "hour", "speeds" -> "speed", "gas" and "glass" stay).
std::string stem(std::string_view word);

// Phrases (token sequences, compared by key) mapping to labels. find() returns the longest phrase
// occurring in [begin, end), the earliest on ties.
class Lexicon {
 public:
  struct Match {
    int label;
    size_t begin, end;  // token range of the occurrence
  };
  // Returns false (adds nothing) if the phrase has no tokens or is already present.
  bool add(std::string_view phrase, int label);
  std::optional<int> label_of(std::string_view phrase) const;
  std::optional<Match> find(std::span<const Token> tokens, size_t begin, size_t end) const;
  // The longest phrase starting exactly at `at`.
  std::optional<Match> at(std::span<const Token> tokens, size_t at, size_t end) const;
  // Every non-overlapping occurrence in [begin, end), left to right, longest first at each place.
  std::vector<Match> find_all(std::span<const Token> tokens, size_t begin, size_t end) const;
  size_t size() const { return phrases_.size(); }

 private:
  struct Phrase {
    std::vector<std::string> keys;
    int label;
  };
  std::vector<Phrase> phrases_;
};

// Reads a number written in words starting at token `at` ("twelve", "three and a half",
// "twenty-five", "one hundred and five", "a dozen", "two thirds", "two point five", "a half").
// On success returns the value and sets *end to one past its last token.
std::optional<double> read_number_words(std::span<const Token> tokens, size_t at, size_t* end);

// "twelve", "forty-five", "one hundred and five": an integer in [0, 999999] in words.
std::string number_words(long long n);

// A number found in a message, with its unit when one follows (or "$" precedes).
struct Quantity {
  double value = 0;
  std::optional<int> unit;  // a label of the unit lexicon
  size_t begin = 0, end = 0;  // token range (unit included)
  bool words = false;         // written in words
  bool lone_one = false;      // just the word "one" (rarely a number: "which one")
  int paren_depth = 0;        // inside (...) or [...]
};

// Every quantity in `tokens`, left to right. Mixed numbers ("1 3/4", "2½") are one quantity;
// "2 hours and 15 minutes" is one quantity (in the first unit) when the units have the same
// dimension. `unit_phrases` maps unit phrases to unit labels, which index `units`.
struct UnitInfo {
  std::vector<int> dimension;               // per unit label: a dimension id (-1: none)
  std::vector<double> factor;               // per unit label: size in the dimension's base unit
  std::optional<int> dollar;                // the unit a leading "$" means, if any
};
std::vector<Quantity> find_quantities(std::span<const Token> tokens, const Lexicon& unit_phrases,
                                     const UnitInfo& units);

}  // namespace collab::tasks::math_qa
