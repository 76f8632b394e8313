#include "env/tokens.h"

#include <gtest/gtest.h>

namespace collab {
namespace {

TEST(Tokens, FollowsTheDocumentedRule) {
  EXPECT_EQ(count_tokens(""), 0);
  EXPECT_EQ(count_tokens("   \n\t"), 0);
  EXPECT_EQ(count_tokens("Is it alive?"), 4);   // Is, it, alive, ?
  EXPECT_EQ(count_tokens("kitchen"), 2);        // 7 letters: 1 + 6/6
  EXPECT_EQ(count_tokens("abcdef"), 1);         // 6 letters: 1 + 5/6
  EXPECT_EQ(count_tokens("refrigerator"), 2);   // 12 letters: 1 + 11/6
  EXPECT_EQ(count_tokens("abcdefghijklm"), 3);  // 13 letters: 1 + 12/6
  EXPECT_EQ(count_tokens("Hello, world!"), 4);
  EXPECT_EQ(count_tokens("3.14"), 3);          // 3 . 14
  EXPECT_EQ(count_tokens("h\xC3\xA9llo"), 3);  // h é llo: a code point counts once
}

TEST(Tokens, AdditiveOverWhitespaceJoins) {
  EXPECT_EQ(count_tokens("Is it a dog? No."), count_tokens("Is it a dog?") + count_tokens("No."));
}

}  // namespace
}  // namespace collab
