#include "env/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "env/error.h"
#include "env/rng.h"

namespace collab {

nlohmann::json Estimate::to_json() const {
  return {{"n", n},         {"mean", mean},   {"se", se},
          {"ci", {lo, hi}}, {"level", level}, {"method", method}};
}

double normal_quantile(double level) {
  if (!(level > 0 && level < 1)) {
    throw InvalidOption(fmt::format("confidence level {}: expected a number in (0, 1)", level));
  }
  // Solve erf(z / sqrt 2) = level by bisection: exact to double precision, no tables.
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erf(mid / std::sqrt(2.0)) < level ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

Estimate wilson(int k, int n, double level) {
  if (n < 0 || k < 0 || k > n) {
    throw InvalidOption(fmt::format("wilson({}, {}): expected 0 <= successes <= n", k, n));
  }
  const double z = normal_quantile(level);
  Estimate e;
  e.n = n;
  e.level = level;
  e.method = "wilson";
  if (n == 0) return e;
  const double p = static_cast<double>(k) / n, z2 = z * z, nn = n;
  e.mean = p;
  e.se = n > 1 ? std::sqrt(p * (1 - p) / (nn - 1)) : 0.0;  // matches standard_error on 0/1 data
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  e.lo = std::max(0.0, centre - half);
  e.hi = std::min(1.0, centre + half);
  return e;
}

double mean(std::span<const double> xs) {
  if (xs.empty()) return 0;
  double s = 0;
  for (double x : xs) s += x;
  return s / static_cast<double>(xs.size());
}

double standard_error(std::span<const double> xs) {
  if (xs.size() < 2) return 0;
  const double m = mean(xs);
  double ss = 0;
  for (double x : xs) ss += (x - m) * (x - m);
  const double n = static_cast<double>(xs.size());
  return std::sqrt(ss / (n - 1) / n);
}

namespace {
void check_bootstrap_args(double level, int resamples) {
  if (!(level > 0 && level < 1)) {
    throw InvalidOption(fmt::format("confidence level {}: expected a number in (0, 1)", level));
  }
  if (resamples < 1) {
    throw InvalidOption(fmt::format("bootstrap resamples {}: expected at least 1", resamples));
  }
}
}  // namespace

Estimate estimate(std::span<const double> xs, double level, int resamples, uint64_t seed) {
  check_bootstrap_args(level, resamples);
  Estimate e;
  e.n = static_cast<int>(xs.size());
  e.level = level;
  e.mean = mean(xs);
  e.se = standard_error(xs);
  e.lo = e.hi = e.mean;
  if (xs.size() < 2) return e;
  Rng rng(derive_seed(seed, xs.size(), Stream::kBootstrap));
  std::vector<double> means(static_cast<size_t>(resamples));
  for (auto& m : means) {
    double s = 0;
    for (size_t i = 0; i < xs.size(); ++i) s += xs[rng.below(xs.size())];
    m = s / static_cast<double>(xs.size());
  }
  Estimate b = percentile_interval(std::move(means), e.mean, e.n, level);
  e.lo = b.lo;
  e.hi = b.hi;  // se stays the data's standard error (Estimate::se)
  return e;
}

Estimate percentile_interval(std::vector<double> values, double point, int n, double level) {
  Estimate e;
  e.n = n;
  e.level = level;
  e.mean = point;
  e.lo = e.hi = point;
  if (values.empty() || n < 2) return e;
  e.se = standard_error(values) * std::sqrt(static_cast<double>(values.size()));  // their std-dev
  std::sort(values.begin(), values.end());
  const double tail = (1 - level) / 2;
  auto at = [&](double q) {
    const auto k =
        static_cast<size_t>(std::floor(q * static_cast<double>(values.size() - 1) + 0.5));
    return values[std::min(k, values.size() - 1)];
  };
  e.lo = at(tail);
  e.hi = at(1 - tail);
  return e;
}

Estimate bootstrap(size_t n, const std::function<double(std::span<const size_t>)>& stat,
                   double level, int resamples, uint64_t seed) {
  check_bootstrap_args(level, resamples);
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  Estimate e;
  e.n = static_cast<int>(n);
  e.level = level;
  e.mean = stat(idx);
  e.lo = e.hi = e.mean;
  if (n < 2) return e;
  Rng rng(derive_seed(seed, n, Stream::kBootstrap));
  std::vector<double> values(static_cast<size_t>(resamples));
  for (auto& v : values) {
    for (auto& i : idx) i = rng.below(n);
    v = stat(idx);
  }
  return percentile_interval(std::move(values), e.mean, e.n, level);
}

double pass_hat_k(int n, int c, int k) {
  if (n < 1 || c < 0 || c > n || k < 1 || k > n) {
    throw InvalidOption(
        fmt::format("pass^k with n={}, c={}, k={}: expected 0 <= c <= n and 1 <= k <= n", n, c, k));
  }
  // C(c, k) / C(n, k) = prod_{j<k} (c - j) / (n - j): no large binomials.
  double p = 1;
  for (int j = 0; j < k; ++j) p *= static_cast<double>(c - j) / static_cast<double>(n - j);
  return std::max(0.0, p);
}

double iqm(std::span<const double> xs) {
  if (xs.empty()) return 0;
  std::vector<double> v(xs.begin(), xs.end());
  std::sort(v.begin(), v.end());
  const size_t cut = v.size() / 4;
  return mean(std::span<const double>(v).subspan(cut, v.size() - 2 * cut));
}

Estimate paired_difference(std::span<const double> a, std::span<const double> b, double level,
                           int resamples, uint64_t seed) {
  if (a.size() != b.size()) {
    throw InvalidOption(fmt::format(
        "paired difference of {} and {} values: expected the same number (one per pair)", a.size(),
        b.size()));
  }
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return estimate(d, level, resamples, seed);
}

EpisodeSummary EpisodeSummary::of(std::span<const EpisodeRecord> eps, double level, int resamples) {
  std::vector<double> col(eps.size());
  auto column = [&](auto get, uint64_t salt) {
    for (size_t i = 0; i < eps.size(); ++i) col[i] = static_cast<double>(get(eps[i]));
    return estimate(col, level, resamples, salt);
  };
  EpisodeSummary s;
  int wins = 0;
  for (const auto& e : eps) wins += e.success;
  s.success = wilson(wins, static_cast<int>(eps.size()), level);
  s.score = column([](const EpisodeRecord& e) { return e.score; }, 2);
  s.turns = column([](const EpisodeRecord& e) { return e.turns; }, 3);
  s.agent_tokens = column([](const EpisodeRecord& e) { return e.agent_tokens; }, 4);
  s.ret = column([](const EpisodeRecord& e) { return e.ret; }, 5);
  s.interactivity = column([](const EpisodeRecord& e) { return e.interactivity; }, 6);
  s.r_star = column([](const EpisodeRecord& e) { return e.r_star; }, 7);
  s.mr_per_turn = column([](const EpisodeRecord& e) { return e.mr_per_turn; }, 8);
  s.user_tokens = column([](const EpisodeRecord& e) { return e.user_tokens; }, 9);
  for (const auto& e : eps) s.failures += !e.failure.empty();
  return s;
}

}  // namespace collab
