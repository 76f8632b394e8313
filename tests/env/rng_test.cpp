#include "env/rng.h"

#include <gtest/gtest.h>

#include <set>

namespace collab {
namespace {

TEST(Rng, SameSeedSameSequence) {
  Rng a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a();
    EXPECT_EQ(x, b());
    differs |= x != c();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, DerivedStreamsAreDistinct) {
  std::set<uint64_t> seeds;
  for (uint64_t turn = 0; turn < 20; ++turn) {
    for (auto purpose : {Stream::kEpisode, Stream::kUser, Stream::kPolicy, Stream::kMrSample}) {
      for (uint64_t i = 0; i < 5; ++i) seeds.insert(derive_seed(42, turn, purpose, i));
    }
  }
  EXPECT_EQ(seeds.size(), 20u * 4u * 5u);
  EXPECT_EQ(derive_seed(1, 2, Stream::kUser, 3), derive_seed(1, 2, Stream::kUser, 3));
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng r(1);
  std::vector<int> hits(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const auto v = r.below(7);
    ASSERT_LT(v, 7u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_GT(h, 800);  // expected 1000 each
}

TEST(Rng, UniformInUnitInterval) {
  Rng r(3);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

}  // namespace
}  // namespace collab
