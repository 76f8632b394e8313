// The statistics module (env/stats.h): mean, standard error, bootstrap intervals.
#include "env/stats.h"

#include <gtest/gtest.h>

#include <cmath>

#include "env/error.h"
#include "env/rng.h"

namespace collab {
namespace {

TEST(Stats, MeanAndStandardErrorByHand) {
  const std::vector<double> xs = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(mean(xs), 2.5);
  // Sample variance 5/3, so se = sqrt(5/3 / 4).
  EXPECT_NEAR(standard_error(xs), std::sqrt(5.0 / 3.0 / 4.0), 1e-12);
  EXPECT_EQ(mean(std::vector<double>{}), 0.0);
  EXPECT_EQ(standard_error(std::vector<double>{7}), 0.0);
}

TEST(Stats, BootstrapIntervalIsReproducibleAndBracketsTheMean) {
  Rng rng(3);
  std::vector<double> xs(200);
  for (auto& x : xs) x = rng.uniform();
  const Estimate a = estimate(xs, 0.95, 1000, 9), b = estimate(xs, 0.95, 1000, 9);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_LT(a.lo, a.mean);
  EXPECT_GT(a.hi, a.mean);
  // For a mean of 200 uniforms the 95% interval is about mean ± 1.96 se.
  EXPECT_NEAR(a.hi - a.lo, 2 * 1.96 * a.se, 0.3 * 2 * 1.96 * a.se);
  const Estimate narrow = estimate(xs, 0.5, 1000, 9);
  EXPECT_LT(narrow.hi - narrow.lo, a.hi - a.lo);
}

TEST(Stats, CoverageOfTheIntervalIsNearItsLevel) {
  // 200 data sets of 60 Bernoulli(0.3) draws: the 90% interval should contain 0.3 about 90% of
  // the time (a loose band: percentile intervals under-cover slightly at this size).
  Rng rng(11);
  int covered = 0;
  for (int t = 0; t < 200; ++t) {
    std::vector<double> xs(60);
    for (auto& x : xs) x = rng.bernoulli(0.3) ? 1.0 : 0.0;
    const Estimate e = estimate(xs, 0.9, 500, static_cast<uint64_t>(t));
    covered += e.lo <= 0.3 && 0.3 <= e.hi;
  }
  EXPECT_GT(covered, 160);
  EXPECT_LT(covered, 196);
}

TEST(Stats, WilsonIntervalsForRates) {
  EXPECT_NEAR(normal_quantile(0.95), 1.959964, 1e-6);
  // 100% of 200: Wald says ± 0; Wilson's lower bound is below 1.
  const Estimate all = wilson(200, 200);
  EXPECT_EQ(all.mean, 1.0);
  EXPECT_EQ(all.hi, 1.0);
  EXPECT_NEAR(all.lo, 0.98116, 1e-4);
  // A textbook value: 8 of 10 at 95% is [0.490, 0.943].
  const Estimate e = wilson(8, 10);
  EXPECT_NEAR(e.lo, 0.4902, 1e-3);
  EXPECT_NEAR(e.hi, 0.9433, 1e-3);
  EXPECT_STREQ(e.method, "wilson");
  EXPECT_THROW(wilson(3, 2), InvalidOption);
  EXPECT_THROW(wilson(-1, 2), InvalidOption);
  EXPECT_EQ(wilson(0, 0).n, 0);
}

TEST(Stats, BadParametersAreRefused) {
  const std::vector<double> xs = {1, 2};
  EXPECT_THROW(estimate(xs, 1.0), InvalidOption);
  EXPECT_THROW(estimate(xs, 0.0), InvalidOption);
  EXPECT_THROW(estimate(xs, 0.9, 0), InvalidOption);
}

TEST(Stats, EpisodeSummaryColumns) {
  std::vector<EpisodeRecord> eps(4);
  for (int i = 0; i < 4; ++i) {
    eps[static_cast<size_t>(i)].success = i % 2 == 0;
    eps[static_cast<size_t>(i)].turns = i + 1;
  }
  const EpisodeSummary s = EpisodeSummary::of(eps);
  EXPECT_DOUBLE_EQ(s.success.mean, 0.5);
  EXPECT_DOUBLE_EQ(s.turns.mean, 2.5);
  EXPECT_EQ(s.success.n, 4);
}

}  // namespace
}  // namespace collab
