// Text utilities shared by tasks: normalisation, phrase lexicons, did-you-mean, hashing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace collab::text {

// Lower-cases ASCII letters and turns every other non-alphanumeric byte into a single space;
// trims. "Is it a Dog?!" -> "is it a dog". Bytes >= 0x80 are kept (UTF-8 passes through).
std::string normalize(std::string_view s);

// Splits normalized text on spaces.
std::vector<std::string_view> words(std::string_view normalized);

// A lexicon of phrases (word sequences) mapping to integer labels. find() returns the longest
// phrase occurring as whole words in the text; ties go to the earliest occurrence.
class PhraseMatcher {
 public:
  struct Match {
    int label;
    size_t first_word;  // index of the phrase's first word in the text
    size_t length;      // words in the phrase
  };

  // Returns false (and adds nothing) if the phrase normalizes to nothing or is already present.
  bool add(std::string_view phrase, int label);
  std::optional<Match> find(const std::vector<std::string_view>& text_words) const;
  // Label of a phrase that equals the whole text, if any.
  std::optional<int> exact(const std::vector<std::string_view>& text_words) const;
  // The label a phrase already maps to, if any.
  std::optional<int> label_of(std::string_view phrase) const;
  size_t size() const { return phrases_.size(); }

 private:
  struct Phrase {
    std::vector<std::string> words;
    int label;
  };
  struct Hash {  // heterogeneous lookup: find by string_view without allocating
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<Phrase> phrases_;
  std::unordered_map<std::string, std::vector<uint32_t>, Hash, std::equal_to<>> by_first_word_;
};

// Levenshtein distance (bytes).
size_t edit_distance(std::string_view a, std::string_view b);

// Up to `max` candidates closest to `key` (distance <= max(2, key.size()/3), or a prefix/substring
// match), best first. Empty if nothing is close.
std::vector<std::string> did_you_mean(std::string_view key,
                                      const std::vector<std::string>& candidates, size_t max = 3);

// "a, b or c" / "" for an empty list.
std::string join_or(const std::vector<std::string>& items);

// FNV-1a 64-bit hash as 16 lowercase hex digits (stable across platforms; used for scenario files).
std::string fnv1a_hex(std::string_view bytes);

}  // namespace collab::text
