// BLEU-4 (Papineni et al. 2002) for one hypothesis against one reference, smoothed so that short
// or partly matching texts get a graded score. Used by doc_edit's evaluator; any task may use it.
//
// Tokenisation (bleu_tokens): ASCII letters are lower-cased; a maximal run of ASCII letters,
// digits, apostrophes inside a word ("don't") and bytes >= 0x80 is one token; every other non-space
// ASCII character (punctuation, "-" of a bullet, "#") is a token of its own; whitespace separates.
// "Hi, it's 5pm!" -> [hi] [,] [it's] [5pm] [!].
//
// Score: BP · exp(Σ_{n=1..4} ¼ · log p_n), where p_n is the clipped n-gram precision.
// Smoothing: add-one on n > 1 (Lin & Och 2004, "BLEU+1"): p_n = (m_n + 1) / (c_n + 1) for n = 2..4;
// p_1 = m_1 / c_1 is not smoothed, so texts with no word in common score exactly 0.
// Brevity penalty: BP = 1 if c >= r, else exp(1 - r / c) (c, r: hypothesis and reference lengths).
// An empty hypothesis scores 0; identical non-empty texts score exactly 1. Result in [0, 1].
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace collab::text {

std::vector<std::string> bleu_tokens(std::string_view s);

// BLEU-4 as documented above, on already tokenised texts.
double bleu4(const std::vector<std::string>& hypothesis, const std::vector<std::string>& reference);
// BLEU-4 of `hypothesis` against `reference` after bleu_tokens.
double bleu4(std::string_view hypothesis, std::string_view reference);

}  // namespace collab::text
