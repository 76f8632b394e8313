#include "learners/act_scoring.h"

#include <cmath>
#include <sstream>
#include <string>

#include "env/error.h"

namespace collab::learners::detail {

ActScoringImpl::ActScoringImpl(int f, int k, int h, int a)
    : num_features(f), num_act_features(k), hidden(h), num_acts_trained(a) {
  const double g = std::sqrt(2.0);
  // One orthogonal [H, F + K] first layer, used as its two column blocks (see scores()).
  score1 = register_module("score1", orthogonal_linear(f + k, h, g));
  score2 = register_module("score2", orthogonal_linear(h, h, g));
  score3 = register_module("score3", orthogonal_linear(h, 1, 0.01));  // near-uniform at first
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

MaskedCategorical ActScoringImpl::policy(const PolicyInput& x) {
  return MaskedCategorical(scores(x), x.mask);
}

torch::Tensor ActScoringImpl::value(const PolicyInput& x) {
  check_shapes(x, num_features, num_act_features);
  // Pooled over legal acts, so that the value, like the scores, works for any act count and order.
  const torch::Tensor legal = x.mask.ne(0).unsqueeze(-1);                     // [B, A, 1]
  const torch::Tensor count = legal.sum(1).to(x.act_features.scalar_type());  // [B, 1]
  const torch::Tensor mean =
      x.act_features.masked_fill(legal.logical_not(), 0).sum(1) / count.clamp_min(1);
  const torch::Tensor max =
      torch::where(count > 0, x.act_features.masked_fill(legal.logical_not(), kMaskedLogit).amax(1),
                   torch::zeros_like(mean));
  return critic->forward(torch::cat({x.obs, mean, max}, 1)).squeeze(-1);
}

nlohmann::json ActScoringImpl::describe() const {
  return {{"kind", kActScoringPolicy},
          {"num_features", num_features},
          {"num_acts", num_acts_trained},
          {"num_act_features", num_act_features},
          {"hidden", hidden}};
}

}  // namespace collab::learners::detail
