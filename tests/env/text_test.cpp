#include "env/text.h"

#include <gtest/gtest.h>

namespace collab::text {
namespace {

TEST(Text, NormalizeLowercasesAndSplitsOnPunctuation) {
  EXPECT_EQ(normalize("  Is it a DOG?!  "), "is it a dog");
  EXPECT_EQ(normalize("it's-a thing"), "it s a thing");
  EXPECT_EQ(normalize("???"), "");
  const std::string n = normalize("one  two\tthree");
  const auto w = words(n);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[2], "three");
}

TEST(Text, PhraseMatcherPrefersTheLongestPhrase) {
  PhraseMatcher m;
  EXPECT_TRUE(m.add("eat", 1));
  EXPECT_TRUE(m.add("eat meat", 2));
  EXPECT_FALSE(m.add("Eat!", 3));  // same phrase after normalisation
  const std::string t = normalize("Does it eat meat?");
  auto hit = m.find(words(t));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->label, 2);
  EXPECT_EQ(hit->first_word, 2u);
  const std::string t2 = normalize("can you eat it");
  EXPECT_EQ(m.find(words(t2))->label, 1);
  const std::string t3 = normalize("eaten");  // whole words only
  EXPECT_FALSE(m.find(words(t3)).has_value());
  EXPECT_EQ(m.label_of("EAT MEAT"), 2);
  EXPECT_FALSE(m.exact(words(t2)).has_value());
}

TEST(Text, DidYouMeanFindsCloseNames) {
  const std::vector<std::string> ids{"twenty_questions-v0", "grocery-v0", "math_qa-v0"};
  auto near = did_you_mean("twenty_question-v0", ids);
  ASSERT_FALSE(near.empty());
  EXPECT_EQ(near[0], "twenty_questions-v0");
  EXPECT_TRUE(did_you_mean("zzzzzzzz", ids).empty());
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(join_or({"a", "b", "c"}), "a, b or c");
}

TEST(Text, FnvHashIsStable) {
  EXPECT_EQ(fnv1a_hex(""), "cbf29ce484222325");
  EXPECT_EQ(fnv1a_hex("a"), "af63dc4c8601ec8c");
  EXPECT_NE(fnv1a_hex("ab"), fnv1a_hex("ba"));
}

}  // namespace
}  // namespace collab::text
