#include "env/bleu.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace collab::text {

std::vector<std::string> bleu_tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  auto word_byte = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (word_byte(c)) {
      cur.push_back(static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c));
      continue;
    }
    // An apostrophe between word bytes stays inside the word.
    if (c == '\'' && !cur.empty() && i + 1 < s.size() &&
        word_byte(static_cast<unsigned char>(s[i + 1]))) {
      cur.push_back('\'');
      continue;
    }
    if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') {
      out.emplace_back(1, static_cast<char>(c));
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

double bleu4(const std::vector<std::string>& hyp, const std::vector<std::string>& ref) {
  if (hyp.empty() || ref.empty()) return 0.0;
  double log_sum = 0;
  for (size_t n = 1; n <= 4; ++n) {
    std::map<std::vector<std::string>, int> ref_counts, hyp_counts;
    for (size_t i = 0; i + n <= ref.size(); ++i) {
      ++ref_counts[std::vector<std::string>(ref.begin() + i, ref.begin() + i + n)];
    }
    for (size_t i = 0; i + n <= hyp.size(); ++i) {
      ++hyp_counts[std::vector<std::string>(hyp.begin() + i, hyp.begin() + i + n)];
    }
    double matched = 0, total = 0;
    for (const auto& [gram, count] : hyp_counts) {
      total += count;
      const auto it = ref_counts.find(gram);
      if (it != ref_counts.end()) matched += std::min(count, it->second);
    }
    double p = 0;
    if (n == 1) {
      if (matched == 0) return 0.0;
      p = matched / total;
    } else {
      p = (matched + 1) / (total + 1);
    }
    log_sum += 0.25 * std::log(p);
  }
  const auto c = static_cast<double>(hyp.size()), r = static_cast<double>(ref.size());
  const double bp = c >= r ? 1.0 : std::exp(1.0 - r / c);
  return std::clamp(bp * std::exp(log_sum), 0.0, 1.0);
}

double bleu4(std::string_view hypothesis, std::string_view reference) {
  return bleu4(bleu_tokens(hypothesis), bleu_tokens(reference));
}

}  // namespace collab::text
