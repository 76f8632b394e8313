// The 20 Questions built-in policies. Both read the dialogue state only (answers given, objects
// guessed, questions used), never the target: the conformance suite checks it.
#include <algorithm>
#include <cmath>

#include "tasks/twenty_questions/task.h"

namespace collab::tasks::twenty_questions {

Action TwentyQuestions::expert(const Game& game, Rng&) const {
  return Action::from_act(expert_act(game));
}

namespace {

constexpr double e = TwentyQuestions::kExpertAssumedNoise;
constexpr double kTiny = 1e-4;  // an "unsure" about a clear-cut attribute, or vice versa
// P(answer | value): rows value (no, yes, sometimes), columns answer (no, yes, unsure).
constexpr double kLik[3][3] = {
    {1 - e - kTiny, e, kTiny}, {e, 1 - e - kTiny, kTiny}, {kTiny, kTiny, 1 - 2 * kTiny}};

}  // namespace

void TwentyQuestions::posterior(const Game& g, std::span<double> out) const {
  // The loops run over 0/1 indicator columns so that they vectorise (the `omp simd` pragmas need
  // only -fopenmp-simd: no OpenMP runtime).
  const size_t n = catalog_.objects.size();
  const size_t na = catalog_.attributes.size();
  COLLAB_CHECK(out.size() == n);
  double* __restrict post = out.data();
  const uint8_t* __restrict guessed = g.guessed().data();
  for (size_t o = 0; o < n; ++o) post[o] = guessed[o] ? 0.0 : 1.0;
  for (size_t a = 0; a < na; ++a) {
    const auto ans = g.answers()[a];
    if (ans == Answer::kUnasked) continue;
    const int col = ans == Answer::kNo ? 0 : ans == Answer::kYes ? 1 : 2;
    const double base = kLik[0][col], dy = kLik[1][col] - base, ds = kLik[2][col] - base;
    const double* __restrict yes = &yes_ind_[a * n];
    const double* __restrict some = &some_ind_[a * n];
#pragma omp simd
    for (size_t o = 0; o < n; ++o) post[o] *= base + dy * yes[o] + ds * some[o];
  }
  double z = 0;
#pragma omp simd reduction(+ : z)
  for (size_t o = 0; o < n; ++o) z += post[o];
  COLLAB_CHECK(z > 0);
  const double inv = 1.0 / z;
#pragma omp simd
  for (size_t o = 0; o < n; ++o) post[o] *= inv;
}

int32_t TwentyQuestions::expert_act(const Game& g) const {
  // Bayesian expert: posterior over objects under an assumed answer-noise e, then either guess the
  // most likely object or ask the question with the largest expected information gain.
  const size_t n = catalog_.objects.size();
  const size_t na = catalog_.attributes.size();
  thread_local std::vector<double> post_buf;
  post_buf.resize(n);
  posterior(g, post_buf);
  const double* __restrict post = post_buf.data();
  size_t best = 0;
  for (size_t o = 0; o < n; ++o) {
    if (post[o] > post[best]) best = o;
  }
  const int left = catalog_.patience - g.questions();
  if (post[best] >= 0.8 || left <= 1) return guess_act(best);

  auto h = [](double p) { return p > 0 ? -p * std::log2(p) : 0.0; };
  double cond_entropy[3];
  for (int v = 0; v < 3; ++v) cond_entropy[v] = h(kLik[v][0]) + h(kLik[v][1]) + h(kLik[v][2]);
  double best_gain = 1e-9;
  std::optional<size_t> best_attr;
  for (size_t a = 0; a < na; ++a) {
    if (g.answers()[a] != Answer::kUnasked) continue;
    const double* __restrict yes = &yes_ind_[a * n];
    const double* __restrict some = &some_ind_[a * n];
    double py = 0, ps = 0;
#pragma omp simd reduction(+ : py, ps)
    for (size_t o = 0; o < n; ++o) {
      py += post[o] * yes[o];
      ps += post[o] * some[o];
    }
    const double pv[3] = {std::max(0.0, 1.0 - py - ps), py, ps};
    double pans[3] = {0, 0, 0}, hcond = 0;
    for (int v = 0; v < 3; ++v) {
      hcond += pv[v] * cond_entropy[v];
      for (int c = 0; c < 3; ++c) pans[c] += pv[v] * kLik[v][c];
    }
    const double gain = h(pans[0]) + h(pans[1]) + h(pans[2]) - hcond;
    if (gain > best_gain) {
      best_gain = gain;
      best_attr = a;
    }
  }
  if (!best_attr) return guess_act(best);
  return ask_act(*best_attr);
}

Action TwentyQuestions::passive(const Game& g, Rng& rng) const {
  // Never asks: guesses an object it has not guessed yet, uniformly at random.
  size_t open = 0;
  for (uint8_t x : g.guessed()) open += !x;
  COLLAB_CHECK(open > 0);
  size_t k = rng.below(open);
  for (size_t o = 0; o < g.guessed().size(); ++o) {
    if (!g.guessed()[o] && k-- == 0) return Action::from_act(guess_act(o));
  }
  COLLAB_CHECK(false);
  return {};
}

}  // namespace collab::tasks::twenty_questions
