// How the v2 simulated user reads a message (README "Text (v2)"): it finds the clause that asks
// (the last question, or the sentence with the guess), ignores recaps and contrasts outside it,
// and matches the catalog's phrases in that clause with its head noun weighted. A guess needs the
// object's name in a guess shape ("is it a …", "my guess is …", "… ?" alone). v0 and v1 keep the
// legacy whole-message matcher (parser.cpp) so that their traces replay.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tasks/twenty_questions/catalog.h"

namespace collab::tasks::twenty_questions {

struct Reading {
  enum class Kind : uint8_t {
    kNothing,          // neither a question nor a guess: the user is confused
    kAsk,              // a question about attribute `index`
    kGuess,            // a guess of object `index`
    kUnknownQuestion,  // a question about something the catalog does not record
  };
  Kind kind = Kind::kNothing;
  size_t index = 0;
  std::string clause;  // the words read as the asking clause (canonical forms), for diagnostics
};

class Reader {
 public:
  explicit Reader(const Catalog& catalog);
  Reading read(std::string_view text) const;

 private:
  struct Phrase {
    std::vector<std::string> words;
    int label;
  };
  struct Match {
    int label;
    size_t begin, end;  // word span [begin, end) in the clause
  };
  struct Lexicon {
    std::vector<Phrase> phrases;
    std::unordered_map<std::string, std::vector<uint32_t>> by_first_word;
    void add(std::vector<std::string> words, int label);
    // Non-overlapping matches, longest first; boundary words ("|") never match.
    std::vector<Match> find(const std::vector<std::string>& w) const;
  };
  // A match's specificity: its words that are not function words.
  static size_t weight(const std::vector<std::string>& w, const Match& m);
  struct Sentence {
    std::vector<std::string> words;  // canonical words; "|" marks a clause boundary
    bool question_mark = false;
  };

  std::vector<Sentence> sentences(std::string_view text) const;
  std::string canonical(const std::string& word) const;
  std::string lemma(const std::string& word) const;  // singular, when that is a catalog word too
  Reading read_sentence(const Sentence& s, bool* asking) const;
  std::optional<size_t> guess_in(const std::vector<std::string>& clause) const;
  std::optional<size_t> attribute_in(const std::vector<std::string>& clause) const;

  Lexicon attributes_;                     // label = attribute index
  Lexicon objects_;                        // label = object index
  std::unordered_set<std::string> vocab_;  // every word of a phrase, name or synonym
  std::vector<std::string> typo_targets_;  // vocab words long enough to correct towards
  std::vector<size_t> breadth_;            // per attribute: objects for which it is not "no"
};

// The affirmative or negative statement of an attribute's canonical question, for replies that say
// what was understood: "Does it have wheels?" -> "it has wheels" / "it does not have wheels".
std::string statement(std::string_view question, bool yes);

}  // namespace collab::tasks::twenty_questions
