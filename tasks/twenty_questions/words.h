// The v2 reader's word classes (understand.cpp; README "Text (v2)"): which words start a question
// or a recap, end a noun phrase, are function words, fillers, colours or guess cues, plus the
// small normalisations (singular forms, ASCII punctuation) the reader applies first.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace collab::tasks::twenty_questions::words {

using Words = std::vector<std::string>;
inline const std::string kBoundary = "|";
// Marks a word the typo corrector changed ("~sand" for "stand"): it may name a guessed object, but
// an attribute phrase built on it gives way to any phrase found as typed.
constexpr char kCorrected = '~';

// Whether the typo corrector changed `w` (it carries kCorrected).
bool corrected(const std::string& w);

// `ws` with the kCorrected marks taken off.
std::vector<std::string> unmarked(std::vector<std::string> ws);

// Whether `w` is one of `set`.
bool in(std::string_view w, std::initializer_list<std::string_view> set);

// First words of a clause that asks: auxiliaries, wh-words and request forms.
bool starter(std::string_view w);

// Words that may open a clause before its real start ("ok so, is it …").
bool opener(std::string_view w);

// Openings of a recap or a statement: "so it's not …", "since it is …", "we know …".
bool recap_start(const Words& w, size_t i);

// Marks a contrast: what follows it, up to the clause boundary, is what the question is *not*
// about ("made by people, as opposed to natural").
size_t contrast_at(const Words& w, size_t i);

// Nouns that carry no meaning as the head of a question ("is it a *thing* you …").
bool generic_head(std::string_view w);

// Nouns that name a property whose value the adjective before them gives ("a sweet *taste*").
bool property_noun(std::string_view w);

// Words that end a noun phrase: what follows is a post-modifier ("an animal *that* lives …").
bool np_stop(std::string_view w);

// Words that do not make a phrase more specific: "eat it" says no more than "eat".
bool function_word(std::string_view w);

bool article(std::string_view w);

bool determiner(std::string_view w);

// Misspellings of short function words, which the catalog-word typo correction does not reach.
std::string_view function_word_typo(std::string_view w);

// Words that may follow a guessed name without making it something else ("a dog, right?").
bool trailing_filler(std::string_view w);

// The end of a prefix that makes the next name a guess ("is it a", "my guess is", "could it be").
bool guess_cue(const Words& p);

bool colour_word(std::string_view w);

bool negator(std::string_view w);

std::string singular(const std::string& w);

// Everyday words that are never "corrected" into a catalog word (this -> thin, thing -> ring).
bool common_word(std::string_view w);

// Typographic characters people type into chat: curly quotes, dashes, ellipses.
std::string ascii_punctuation(std::string_view s);

}  // namespace collab::tasks::twenty_questions::words
