// The one token counter behind every token figure in CollabGym (rewards, reports, traces).
//
// Rule (deterministic, language-agnostic, close to a BPE count for English prose):
//  * a maximal run of ASCII letters/digits of length L counts 1 + (L - 1) / 6 tokens
//    ("it" = 1, "kitchen" = 2, "refrigerator" = 2);
//  * every other non-space ASCII character (punctuation, symbols) counts 1;
//  * every non-ASCII UTF-8 code point counts 1;
//  * whitespace counts 0.
// Example: "Is it alive?" = 1 + 1 + 1 + 1 = 4 tokens.
#pragma once

#include <string_view>

namespace collab {

int count_tokens(std::string_view text);

}  // namespace collab
