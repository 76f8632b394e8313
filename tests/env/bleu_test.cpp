#include "env/bleu.h"

#include <gtest/gtest.h>

#include <cmath>

namespace collab::text {
namespace {

TEST(Bleu, TokenisesByTheDocumentedRule) {
  EXPECT_EQ(bleu_tokens("Hi, it's 5pm!"),
            (std::vector<std::string>{"hi", ",", "it's", "5pm", "!"}));
  EXPECT_EQ(bleu_tokens("- Bullet\n\n'quoted'"),
            (std::vector<std::string>{"-", "bullet", "'", "quoted", "'"}));
  EXPECT_TRUE(bleu_tokens("  \n ").empty());
}

TEST(Bleu, IdenticalTextsScoreOne) {
  EXPECT_DOUBLE_EQ(bleu4("The cat sat on the mat.", "The cat sat on the mat."), 1.0);
  EXPECT_DOUBLE_EQ(bleu4("the CAT sat", "The cat  sat"), 1.0);  // case and spacing do not count
  EXPECT_DOUBLE_EQ(bleu4("Hi", "hi"), 1.0);  // fewer than 4 tokens: smoothed orders give 1
}

TEST(Bleu, DisjointOrEmptyTextsScoreZero) {
  EXPECT_DOUBLE_EQ(bleu4("dogs bark loudly", "the cat sat on the mat"), 0.0);
  EXPECT_DOUBLE_EQ(bleu4("", "the cat"), 0.0);
  EXPECT_DOUBLE_EQ(bleu4("the cat", ""), 0.0);
}

TEST(Bleu, WorkedPartialCase) {
  // hyp "the cat sat on a mat", ref "the cat sat on the mat" (6 tokens each, so BP = 1).
  //  p1 = 5/6                   (the, cat, sat, on, mat match; "a" does not)
  //  p2 = (3+1)/(5+1) = 4/6     (the cat, cat sat, sat on)
  //  p3 = (2+1)/(4+1) = 3/5     (the cat sat, cat sat on)
  //  p4 = (1+1)/(3+1) = 1/2     (the cat sat on)
  //  BLEU = (5/6 · 4/6 · 3/5 · 1/2)^(1/4) = (1/6)^(1/4) ≈ 0.63894
  EXPECT_NEAR(bleu4("the cat sat on a mat", "the cat sat on the mat"), std::pow(1.0 / 6, 0.25),
              1e-12);
  EXPECT_NEAR(bleu4("the cat sat on a mat", "the cat sat on the mat"), 0.63894, 1e-5);
}

TEST(Bleu, ClipsRepeatedWords) {
  // hyp "the the the the", ref "the cat": p1 = 1/4 (clipped to the reference's one "the"),
  // p2 = (0+1)/(3+1), p3 = 1/3, p4 = 1/2; c = 4 >= r = 2 so BP = 1.
  const double expected = std::pow(0.25 * 0.25 * (1.0 / 3) * 0.5, 0.25);
  EXPECT_NEAR(bleu4("the the the the", "the cat"), expected, 1e-12);
}

TEST(Bleu, BrevityPenaltyAppliesToShortHypotheses) {
  // hyp "the cat" (c = 2) vs ref of r = 6 tokens: every precision is 1 (p1 = 2/2, p2 = 2/2, and
  // p3, p4 = (0+1)/(0+1)), so BLEU = BP = exp(1 - 6/2) = exp(-2).
  EXPECT_NEAR(bleu4("the cat", "the cat sat on the mat"), std::exp(-2.0), 1e-12);
  // A longer hypothesis is not penalised for length, only for precision.
  EXPECT_LT(bleu4("the cat sat on the mat today", "the cat sat on the mat"), 1.0);
  EXPECT_GT(bleu4("the cat sat on the mat today", "the cat sat on the mat"), 0.8);
}

TEST(Bleu, IsInTheUnitInterval) {
  for (const char* h : {"a", "a b", "x y z w v", "the mat", "mat the on sat cat the"}) {
    const double b = bleu4(h, "the cat sat on the mat");
    EXPECT_GE(b, 0.0);
    EXPECT_LE(b, 1.0);
  }
}

}  // namespace
}  // namespace collab::text
