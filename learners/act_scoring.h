// The act-scoring policy (DRRN family: He et al. 2016, "Deep Reinforcement Learning with a Natural
// Language Action Space"): ONE network scores every act from the observation's features and that
// act's features, so it works for any act count A and transfers between act sets of different
// sizes (docs/learners.md "Policies"). Internal to collab::learners (torch; no fmt/spdlog here).
#pragma once

#include <string>

#include "learners/policy.h"

namespace collab::learners::detail {

// Two scorers (ScorerArgs::scorer), the same interface and critic:
//
// "factored" (the default): an observation embedding q(o) in R^D, computed once per row by an MLP
//   (F -> H -> H -> D, tanh), and an act encoder z(a) = tanh(Wa a + ba) in R^D, computed once per
//   act per row (K*D multiply-adds); score(o, a) = q(o) . z(a). A low-rank bilinear form between
//   the two embeddings: per act it costs K*D + D, against H*H + K*H for "mlp", and it is still a
//   one-hidden-layer network in the act features whose output weights depend on the observation.
//   Every act of the row is computed (dense [B, A, D], one GEMM), masked ones then masked: cheaper
//   here than gathering the legal ones.
//
// "mlp" (the first scorer; checkpoints without network.scorer hold it):
//   score(o, a_j) = w3 . tanh(W2 tanh(W1 [o; a_j] + b1) + b2) + b3 for each act j. The first layer
//   is split, W1 [o; a] = W1o o + W1a a, so the observation's part is computed once per row; only
//   legal acts are scored (masked ones get kMaskedLogit without being computed).
//
// Critic: an MLP over [o, mean of a_j over legal acts, max of a_j over legal acts] (0 and 0 where
// no act is legal). tanh activations, orthogonal initialisation with CleanRL's gains.
struct ActScoringImpl : PolicyNetImpl {
  ActScoringImpl(int num_features, int num_act_features, int hidden, int num_acts_trained = 0,
                 const ScorerArgs& scorer = {});
  MaskedCategorical policy(const PolicyInput& x) override;
  torch::Tensor value(const PolicyInput& x) override;
  // [B, 2K]: the mean and the max of the act features over each row's legal acts (0 and 0 where
  // none is legal).
  torch::Tensor value_context(const PolicyInput& x) override;
  nlohmann::json describe() const override;
  // The score of every act [B, A] (masked acts: kMaskedLogit).
  torch::Tensor scores(const PolicyInput& x);
  // The factored scorer's scores of every act, masked ones included (finite, meaningless).
  torch::Tensor factored_scores(const PolicyInput& x);

  int num_features, num_act_features, hidden;
  int num_acts_trained;  // the A it was built for; recorded in the sidecar, not a limit
  ScorerArgs scorer;
  // "mlp" scorer
  torch::nn::Linear score1{nullptr}, score2{nullptr}, score3{nullptr};
  // "factored" scorer
  torch::nn::Sequential obs_embed{nullptr};
  torch::nn::Linear act_embed{nullptr};
  torch::nn::Sequential critic{nullptr};
};
TORCH_MODULE(ActScoring);

}  // namespace collab::learners::detail
