// The act-scoring policy (DRRN family: He et al. 2016, "Deep Reinforcement Learning with a Natural
// Language Action Space"): ONE network scores every act from [observation features, that act's
// features], so it works for any act count A and transfers between act sets of different sizes
// (docs/learners.md "Policies"). Internal to collab::learners (torch; no fmt/spdlog here).
#pragma once

#include "learners/policy.h"

namespace collab::learners::detail {

// Actor: score(o, a_j) = w3 . tanh(W2 tanh(W1 [o; a_j] + b1) + b2) + b3 for each act j, the same
// weights for every act; logits [B, A] masked as in MaskedCategorical. The first layer is split,
// W1 [o; a] = W1o o + W1a a, so the observation's part is computed once per row and broadcast over
// the acts; only legal acts are scored (masked ones get kMaskedLogit without being computed).
// Critic: an MLP over [o, mean of a_j over legal acts, max of a_j over legal acts] (0 and 0 where
// no act is legal). tanh activations, orthogonal initialisation with CleanRL's gains.
struct ActScoringImpl : PolicyNetImpl {
  ActScoringImpl(int num_features, int num_act_features, int hidden, int num_acts_trained = 0);
  MaskedCategorical policy(const PolicyInput& x) override;
  torch::Tensor value(const PolicyInput& x) override;
  nlohmann::json describe() const override;
  // The raw score of every act [B, A] before masking (masked acts: kMaskedLogit).
  torch::Tensor scores(const PolicyInput& x);

  int num_features, num_act_features, hidden;
  int num_acts_trained;  // the A it was built for; recorded in the sidecar, not a limit
  torch::nn::Linear score1{nullptr}, score2{nullptr}, score3{nullptr};
  torch::nn::Sequential critic{nullptr};
};
TORCH_MODULE(ActScoring);

}  // namespace collab::learners::detail
