// What the agent sees of a 20 Questions game: features, the mask and (v1) act features. All come
// from the dialogue (answers as given, guesses made) and the public catalog, never the target.
#include "tasks/twenty_questions/task.h"

namespace collab::tasks::twenty_questions {

void Game::features(std::span<float> out) const {
  const auto& cat = task_->catalog();
  const size_t na = cat.attributes.size();
  for (size_t a = 0; a < na; ++a) {
    const Answer ans = answers_[a];
    out[2 * a] = ans == Answer::kUnasked ? 0.0f : 1.0f;
    out[2 * a + 1] = ans == Answer::kYes ? 1.0f : ans == Answer::kNo ? -1.0f : 0.0f;
  }
  out[2 * na] = static_cast<float>(candidates_) / static_cast<float>(cat.objects.size());
  out[2 * na + 1] = static_cast<float>(questions_) / static_cast<float>(cat.patience);
  out[2 * na + 2] = static_cast<float>(wrong_) / static_cast<float>(cat.max_wrong_guesses);
}

void Game::mask(std::span<uint8_t> out) const {
  const size_t na = answers_.size(), no = guessed_.size();
  // Raw restrict pointers: uint8_t may alias anything, which otherwise blocks vectorisation.
  uint8_t* __restrict dst = out.data();
  const uint8_t* __restrict guessed = guessed_.data();
  const Answer* __restrict answers = answers_.data();
  for (size_t a = 0; a < na; ++a) dst[a] = answers[a] == Answer::kUnasked;
  for (size_t o = 0; o < no; ++o) dst[na + o] = guessed[o] ^ 1;
  if (out.size() > na + no) dst[na + no] = 1;  // v2: ask_other is always legal
}

void Game::act_features(std::span<float> out) const { task_->write_act_features(*this, out); }

void TwentyQuestions::write_act_features(const Game& g, std::span<float> out) const {
  // Row per act, columns (README "Act features"):
  //   0 is_question  1 yes_share  2 no_share  3 sometimes_share  4 already_asked
  //   5 consistent   6 posterior  7 already_guessed
  // Shares are of the posterior mass (the expert's noise model) over objects not yet guessed.
  constexpr size_t K = kActFeatures;
  const size_t n = catalog_.objects.size();
  const size_t na = catalog_.attributes.size();
  const bool other = ask_other_act().has_value();
  COLLAB_CHECK(out.size() == (na + n + (other ? 1 : 0)) * K);
  thread_local std::vector<double> post_buf;
  post_buf.resize(n);
  posterior(g, post_buf);
  const double* __restrict post = post_buf.data();
  for (size_t a = 0; a < na; ++a) {
    const double* __restrict yes = &yes_ind_[a * n];
    const double* __restrict some = &some_ind_[a * n];
    double py = 0, ps = 0;
#pragma omp simd reduction(+ : py, ps)
    for (size_t o = 0; o < n; ++o) {
      py += post[o] * yes[o];
      ps += post[o] * some[o];
    }
    float* row = &out[a * K];
    row[0] = 1.0f;
    row[1] = static_cast<float>(py);
    row[2] = static_cast<float>(std::max(0.0, 1.0 - py - ps));
    row[3] = static_cast<float>(ps);
    row[4] = g.answers()[a] != Answer::kUnasked ? 1.0f : 0.0f;
    row[5] = row[6] = row[7] = 0.0f;
  }
  const auto& consistent = g.consistent();
  for (size_t o = 0; o < n; ++o) {
    float* row = &out[(na + o) * K];
    row[0] = row[1] = row[2] = row[3] = row[4] = 0.0f;
    row[5] = (consistent[o / 64] >> (o % 64)) & 1 ? 1.0f : 0.0f;
    row[6] = static_cast<float>(post[o]);
    row[7] = g.guessed()[o] ? 1.0f : 0.0f;
  }
  if (other) {
    // ask_other: a question whose answer carries no information (no shares, never "asked").
    float* row = &out[(na + n) * K];
    std::fill(row, row + K, 0.0f);
    row[0] = 1.0f;
  }
}

}  // namespace collab::tasks::twenty_questions
