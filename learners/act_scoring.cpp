#include "learners/act_scoring.h"

#include <cmath>
#include <sstream>
#include <string>

#include "env/error.h"

namespace collab::learners::detail {

ActScoringImpl::ActScoringImpl(int f, int k, int h, int a, const ScorerArgs& s)
    : num_features(f), num_act_features(k), hidden(h), num_acts_trained(a), scorer(s) {
  const double g = std::sqrt(2.0);
  if (s.scorer == kFactoredScorer) {
    if (s.act_hidden < 1) {
      throw InvalidOption("act_hidden = " + std::to_string(s.act_hidden) + ": expected >= 1");
    }
    // q(o): near zero at first (gain 0.01), so the first policy is near-uniform.
    obs_embed = register_module("obs_embed", tanh_mlp(f, h, s.act_hidden, 0.01));
    act_embed = register_module("act_embed", orthogonal_linear(k, s.act_hidden, g));
  } else if (s.scorer == kMlpScorer) {
    // One orthogonal [H, F + K] first layer, used as its two column blocks (see scores()).
    score1 = register_module("score1", orthogonal_linear(f + k, h, g));
    score2 = register_module("score2", orthogonal_linear(h, h, g));
    score3 = register_module("score3", orthogonal_linear(h, 1, 0.01));  // near-uniform at first
  } else {
    throw InvalidOption("scorer = '" + s.scorer + "': expected one of factored, mlp");
  }
  critic = register_module("critic", tanh_mlp(f + 2 * k, h, 1, 1.0));
}

namespace {

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

void check_shapes(const PolicyInput& x, int f, int k) {
  const bool ok = x.obs.dim() == 2 && x.mask.dim() == 2 && x.act_features.dim() == 3 &&
                  x.obs.size(0) == x.mask.size(0) && x.obs.size(1) == f &&
                  x.act_features.size(0) == x.mask.size(0) &&
                  x.act_features.size(1) == x.mask.size(1) && x.act_features.size(2) == k;
  if (!ok) {
    throw Error("act-scoring policy: expected obs [B, " + std::to_string(f) +
                "], act_features [B, A, " + std::to_string(k) + "] and mask [B, A]; got obs " +
                shape_of(x.obs) + ", act_features " + shape_of(x.act_features) + ", mask " +
                shape_of(x.mask));
  }
}

}  // namespace

torch::Tensor ActScoringImpl::scores(const PolicyInput& x) {
  if (obs_embed) return factored_scores(x).masked_fill(x.mask.eq(0), kMaskedLogit);
  check_shapes(x, num_features, num_act_features);
  const int64_t b = x.mask.size(0), a = x.mask.size(1);
  // W1 [o; a] + b1 = (W1o o + b1) + W1a a: the observation's part once per row [B, H].
  const torch::Tensor w_obs = score1->weight.narrow(1, 0, num_features);
  const torch::Tensor w_act = score1->weight.narrow(1, num_features, num_act_features);
  const torch::Tensor h_obs = torch::addmm(score1->bias, x.obs, w_obs.t());
  // Only legal (row, act) pairs are scored: M rows of the [B*A] grid, row-major.
  const torch::Tensor legal = x.mask.reshape({b * a}).ne(0);
  const torch::Tensor idx = legal.nonzero().squeeze(1);   // [M]
  const torch::Tensor row = torch::div(idx, a, "floor");  // [M]
  const torch::Tensor acts = x.act_features.reshape({b * a, num_act_features}).index_select(0, idx);
  const torch::Tensor h1 = torch::tanh(torch::addmm(h_obs.index_select(0, row), acts, w_act.t()));
  const torch::Tensor h2 = torch::tanh(score2->forward(h1));
  const torch::Tensor s = score3->forward(h2).squeeze(-1);  // [M]
  return torch::full({b * a}, kMaskedLogit, s.options()).index_put_({idx}, s).view({b, a});
}

torch::Tensor ActScoringImpl::factored_scores(const PolicyInput& x) {
  check_shapes(x, num_features, num_act_features);
  const int64_t b = x.mask.size(0), a = x.mask.size(1), d = scorer.act_hidden;
  const torch::Tensor q = obs_embed->forward(x.obs);  // [B, D]
  // z(a) for every act of every row: one [B*A, K] x [K, D] GEMM (relu in place: the GEMM's
  // backward needs only its inputs), then q . z per act.
  const torch::Tensor z =
      torch::addmm(act_embed->bias, x.act_features.reshape({b * a, num_act_features}),
                   act_embed->weight.t())
          .relu_()
          .view({b, a, d});
  return torch::bmm(z, q.unsqueeze(2)).squeeze(2);  // [B, A]
}

MaskedCategorical ActScoringImpl::policy(const PolicyInput& x) {
  // MaskedCategorical masks the logits itself: the factored scores need no mask of their own.
  return MaskedCategorical(obs_embed ? factored_scores(x) : scores(x), x.mask);
}

torch::Tensor ActScoringImpl::value_context(const PolicyInput& x) {
  check_shapes(x, num_features, num_act_features);
  // Pooled over legal acts, so that the value, like the scores, works for any act count and order.
  // A float mask and reductions over the act axis of [B, K, A] (contiguous) are several times
  // faster here than masked_fill and amax over the middle axis of [B, A, K].
  const torch::Tensor legal = x.mask.to(x.act_features.scalar_type()).unsqueeze(-1);  // [B, A, 1]
  const torch::Tensor count = legal.sum(1);                                            // [B, 1]
  const torch::Tensor mean = (x.act_features * legal).sum(1) / count.clamp_min(1);
  const torch::Tensor shifted =
      x.act_features.addcmul(1 - legal, legal.new_full({1}, kMaskedLogit));
  const torch::Tensor max = torch::where(count > 0, shifted.transpose(1, 2).contiguous().amax(-1),
                                         torch::zeros_like(mean));
  return torch::cat({mean, max}, 1);
}

torch::Tensor ActScoringImpl::value(const PolicyInput& x) {
  const torch::Tensor pooled = x.value_context.defined() ? x.value_context : value_context(x);
  return critic->forward(torch::cat({x.obs, pooled}, 1)).squeeze(-1);
}

nlohmann::json ActScoringImpl::describe() const {
  nlohmann::json j = {{"kind", kActScoringPolicy},
                      {"num_features", num_features},
                      {"num_acts", num_acts_trained},
                      {"num_act_features", num_act_features},
                      {"hidden", hidden},
                      {"scorer", scorer.scorer}};
  if (scorer.scorer == kFactoredScorer) j["act_hidden"] = scorer.act_hidden;
  return j;
}

}  // namespace collab::learners::detail
