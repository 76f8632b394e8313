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

// pass^k = C(c, k) / C(n, k), worked by hand.
TEST(Stats, PassHatKByHand) {
  EXPECT_DOUBLE_EQ(pass_hat_k(4, 2, 2), 1.0 / 6.0);  // C(2,2)/C(4,2) = 1/6
  EXPECT_DOUBLE_EQ(pass_hat_k(5, 3, 2), 3.0 / 10.0);  // C(3,2)/C(5,2) = 3/10
  EXPECT_DOUBLE_EQ(pass_hat_k(5, 5, 3), 1.0);
  EXPECT_DOUBLE_EQ(pass_hat_k(5, 2, 3), 0.0);  // fewer successes than k
  EXPECT_DOUBLE_EQ(pass_hat_k(8, 6, 1), 0.75);  // pass^1 is the success rate
  EXPECT_DOUBLE_EQ(pass_hat_k(3, 2, 3), 0.0);  // n = k: all of them or nothing
  EXPECT_DOUBLE_EQ(pass_hat_k(3, 3, 3), 1.0);
  EXPECT_THROW(pass_hat_k(3, 4, 1), InvalidOption);
  EXPECT_THROW(pass_hat_k(3, 1, 0), InvalidOption);
  EXPECT_THROW(pass_hat_k(3, 1, 4), InvalidOption);
}

// The interquartile mean drops floor(n/4) values at each end (scipy's trim_mean(x, 0.25)).
TEST(Stats, InterquartileMeanByHand) {
  EXPECT_DOUBLE_EQ(iqm(std::vector<double>{4, 1, 3, 2}), 2.5);        // mean of 2, 3
  EXPECT_DOUBLE_EQ(iqm(std::vector<double>{1, 2, 3, 4, 100}), 3.0);   // 100 and 1 dropped
  EXPECT_DOUBLE_EQ(iqm(std::vector<double>{8, 7, 6, 5, 4, 3, 2, 1}), 4.5);  // mean of 3..6
  EXPECT_NEAR(iqm(std::vector<double>{1, 2, 100}), 103.0 / 3, 1e-12);  // n < 4: nothing dropped
  EXPECT_DOUBLE_EQ(iqm(std::vector<double>{0, 0, 0, 10}), 0.0);
  EXPECT_EQ(iqm(std::vector<double>{}), 0.0);
}

// Two values {0, 1}: a resample's mean is 0, 0.5 or 1 with chances 1/4, 1/2, 1/4. A 40% interval
// (the 30th to 70th percentile) is then [0.5, 0.5], a 90% one [0, 1]; constant data gives a point.
TEST(Stats, BootstrapByHand) {
  const std::vector<double> xs = {0, 1};
  auto mean_of = [&](std::span<const size_t> idx) {
    double s = 0;
    for (size_t i : idx) s += xs[i];
    return s / static_cast<double>(idx.size());
  };
  const Estimate narrow = bootstrap(2, mean_of, 0.4, 4000, 7);
  EXPECT_DOUBLE_EQ(narrow.mean, 0.5);
  EXPECT_DOUBLE_EQ(narrow.lo, 0.5);
  EXPECT_DOUBLE_EQ(narrow.hi, 0.5);
  const Estimate wide = bootstrap(2, mean_of, 0.9, 4000, 7);
  EXPECT_DOUBLE_EQ(wide.lo, 0.0);
  EXPECT_DOUBLE_EQ(wide.hi, 1.0);
  // The bootstrap standard deviation of the mean of two fair coin flips: sqrt(1/8).
  EXPECT_NEAR(wide.se, std::sqrt(0.125), 0.01);
  const std::vector<double> same = {2, 2, 2};
  const Estimate flat = estimate(same, 0.95, 500, 1);
  EXPECT_EQ(flat.lo, 2.0);
  EXPECT_EQ(flat.hi, 2.0);
  // A fixed seed fixes the interval; another seed moves it.
  Rng rng(5);
  std::vector<double> ys(30);
  for (auto& y : ys) y = rng.uniform();
  auto mean_ys = [&](std::span<const size_t> idx) {
    double s = 0;
    for (size_t i : idx) s += ys[i];
    return s / static_cast<double>(idx.size());
  };
  const Estimate a = bootstrap(ys.size(), mean_ys, 0.95, 999, 42);
  const Estimate b = bootstrap(ys.size(), mean_ys, 0.95, 999, 42);
  const Estimate c = bootstrap(ys.size(), mean_ys, 0.95, 999, 43);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_TRUE(a.lo != c.lo || a.hi != c.hi);
  // The generic bootstrap of the mean is estimate()'s interval (same stream, same draws).
  const Estimate d = estimate(ys, 0.95, 999, 42);
  EXPECT_EQ(a.lo, d.lo);
  EXPECT_EQ(a.hi, d.hi);
  EXPECT_THROW(bootstrap(2, mean_of, 1.5), InvalidOption);
  EXPECT_THROW(bootstrap(2, mean_of, 0.9, 0), InvalidOption);
}

TEST(Stats, PairedDifference) {
  const std::vector<double> a = {1, 2, 3}, b = {0, 2, 1};
  const Estimate d = paired_difference(a, b);
  EXPECT_DOUBLE_EQ(d.mean, 1.0);  // differences 1, 0, 2
  EXPECT_GE(d.lo, 0.0);
  EXPECT_LE(d.hi, 2.0);
  // Pairing removes what both share: b = a + 0.1 exactly gives a point interval.
  std::vector<double> x(20), y(20);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<double>(i % 7);
    y[i] = x[i] + 0.25;
  }
  const Estimate p = paired_difference(y, x);
  EXPECT_DOUBLE_EQ(p.lo, 0.25);
  EXPECT_DOUBLE_EQ(p.hi, 0.25);
  EXPECT_THROW(paired_difference(a, std::vector<double>{1}), InvalidOption);
}

TEST(Stats, EpisodeSummaryCountsFailuresAndNewColumns) {
  std::vector<EpisodeRecord> eps(3);
  eps[0].r_star = 1.5;
  eps[1].r_star = 0.5;
  eps[2].failure = "remote agent: timeout";
  eps[0].user_tokens = 10;
  eps[0].mr_per_turn = 0.9;
  const EpisodeSummary s = EpisodeSummary::of(eps);
  EXPECT_EQ(s.failures, 1);
  EXPECT_DOUBLE_EQ(s.r_star.mean, 2.0 / 3.0);
  EXPECT_NEAR(s.user_tokens.mean, 10.0 / 3.0, 1e-12);
  EXPECT_NEAR(s.mr_per_turn.mean, 0.3, 1e-12);
}

}  // namespace
}  // namespace collab
