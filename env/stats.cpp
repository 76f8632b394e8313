#include "env/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "env/error.h"
#include "env/rng.h"

namespace collab {

nlohmann::json Estimate::to_json() const {
  return {{"n", n}, {"mean", mean}, {"se", se}, {"ci", {lo, hi}}, {"level", level}};
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

Estimate estimate(std::span<const double> xs, double level, int resamples, uint64_t seed) {
  if (!(level > 0 && level < 1)) {
    throw InvalidOption(fmt::format("confidence level {}: expected a number in (0, 1)", level));
  }
  if (resamples < 1) {
    throw InvalidOption(fmt::format("bootstrap resamples {}: expected at least 1", resamples));
  }
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
  std::sort(means.begin(), means.end());
  const double tail = (1 - level) / 2;
  auto at = [&](double q) {
    const auto k = static_cast<size_t>(std::floor(q * static_cast<double>(means.size() - 1) + 0.5));
    return means[std::min(k, means.size() - 1)];
  };
  e.lo = at(tail);
  e.hi = at(1 - tail);
  return e;
}

EpisodeSummary EpisodeSummary::of(std::span<const EpisodeRecord> eps, double level,
                                  int resamples) {
  std::vector<double> col(eps.size());
  auto column = [&](auto get, uint64_t salt) {
    for (size_t i = 0; i < eps.size(); ++i) col[i] = static_cast<double>(get(eps[i]));
    return estimate(col, level, resamples, salt);
  };
  EpisodeSummary s;
  s.success = column([](const EpisodeRecord& e) { return e.success; }, 1);
  s.score = column([](const EpisodeRecord& e) { return e.score; }, 2);
  s.turns = column([](const EpisodeRecord& e) { return e.turns; }, 3);
  s.agent_tokens = column([](const EpisodeRecord& e) { return e.agent_tokens; }, 4);
  s.ret = column([](const EpisodeRecord& e) { return e.ret; }, 5);
  s.interactivity = column([](const EpisodeRecord& e) { return e.interactivity; }, 6);
  return s;
}

}  // namespace collab
