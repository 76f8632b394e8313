#include "env/text.h"

#include <fmt/format.h>

#include <algorithm>

namespace collab::text {

std::string normalize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c >= 0x80;
    if (c >= 'A' && c <= 'Z') {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (keep) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(ch);
    } else {
      pending_space = true;
    }
  }
  return out;
}

std::vector<std::string_view> words(std::string_view normalized) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < normalized.size()) {
    while (i < normalized.size() && normalized[i] == ' ') ++i;
    size_t j = i;
    while (j < normalized.size() && normalized[j] != ' ') ++j;
    if (j > i) out.push_back(normalized.substr(i, j - i));
    i = j;
  }
  return out;
}

bool PhraseMatcher::add(std::string_view phrase, int label) {
  const std::string norm = normalize(phrase);
  auto ws = words(norm);
  if (ws.empty() || label_of(norm)) return false;
  Phrase p{{ws.begin(), ws.end()}, label};
  by_first_word_[p.words.front()].push_back(static_cast<uint32_t>(phrases_.size()));
  phrases_.push_back(std::move(p));
  return true;
}

std::optional<PhraseMatcher::Match> PhraseMatcher::find(
    const std::vector<std::string_view>& text_words) const {
  std::optional<Match> best;
  for (size_t i = 0; i < text_words.size(); ++i) {
    auto it = by_first_word_.find(text_words[i]);
    if (it == by_first_word_.end()) continue;
    for (uint32_t id : it->second) {
      const Phrase& p = phrases_[id];
      if (i + p.words.size() > text_words.size()) continue;
      if (best && p.words.size() <= best->length) continue;
      bool ok = true;
      for (size_t k = 1; k < p.words.size() && ok; ++k) ok = text_words[i + k] == p.words[k];
      if (ok) best = Match{p.label, i, p.words.size()};
    }
  }
  return best;
}

std::optional<int> PhraseMatcher::exact(const std::vector<std::string_view>& text_words) const {
  if (text_words.empty()) return std::nullopt;
  auto it = by_first_word_.find(text_words.front());
  if (it == by_first_word_.end()) return std::nullopt;
  for (uint32_t id : it->second) {
    const Phrase& p = phrases_[id];
    if (p.words.size() == text_words.size() &&
        std::equal(p.words.begin(), p.words.end(), text_words.begin())) {
      return p.label;
    }
  }
  return std::nullopt;
}

std::optional<int> PhraseMatcher::label_of(std::string_view phrase) const {
  const std::string norm = normalize(phrase);
  return exact(words(norm));
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> did_you_mean(std::string_view key,
                                      const std::vector<std::string>& candidates, size_t max) {
  const size_t limit = std::max<size_t>(2, key.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    size_t d = edit_distance(key, c);
    const bool contains =
        !key.empty() && (c.find(key) != std::string::npos || key.find(c) != std::string_view::npos);
    if (d <= limit || contains) scored.emplace_back(contains ? std::min(d, limit) : d, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
  return out;
}

std::string join_or(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

std::string fnv1a_hex(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace collab::text
