#include "env/tokens.h"

namespace collab {

namespace {
bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
}  // namespace

int count_tokens(std::string_view text) {
  int tokens = 0;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (is_alnum(c)) {
      size_t j = i;
      while (j < text.size() && is_alnum(static_cast<unsigned char>(text[j]))) ++j;
      tokens += 1 + static_cast<int>((j - i - 1) / 6);
      i = j;
    } else if (is_space(c)) {
      ++i;
    } else if (c < 0x80) {
      ++tokens;
      ++i;
    } else {
      ++tokens;  // a code point: skip its continuation bytes
      ++i;
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    }
  }
  return tokens;
}

}  // namespace collab
