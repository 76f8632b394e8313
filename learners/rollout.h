// Rollout storage and generalised advantage estimation (torch-free; shared by on-policy learners).
//
// Layout: time-major, row (t, i) = t * num_envs + i. Row t holds the observation an environment
// showed at step t, the act sampled there, and what stepping it produced (reward, terminated,
// truncated: the VectorBatch returned by that step).
//
// VectorEnv autoresets on the *next* step: when step t ends an episode, row t+1 holds that
// episode's last observation, the act sampled there is ignored and the environment is reset instead
// (the batch after it has reset = 1 and reward 0). Such rows are not transitions: valid = 0, and
// learners skip them. Their observation still serves to bootstrap V on truncation.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "env/vector_env.h"

namespace collab::learners::detail {

struct Rollout {
  // num_act_features = K of the stored act features: the env's K for a policy that reads them,
  // 0 for one that does not (nothing is copied then). Memory: T * N * A * K floats (e.g. 32 steps
  // x 64 envs x 367 acts x 8 = 24 MB).
  Rollout(int num_steps, int num_envs, int num_features, int num_acts, int num_act_features = 0);

  int num_steps, num_envs, num_features, num_acts, num_act_features;
  std::vector<float> obs;           // [T * N * F]
  std::vector<float> act_features;  // [T * N * A * K] (empty when K = 0)
  std::vector<uint8_t> masks;       // [T * N * A]
  std::vector<int64_t> acts;        // [T * N]
  std::vector<float> logprobs;      // [T * N] log pi(act | obs) when sampled
  std::vector<float> values;        // [T * N] V(obs) when sampled
  std::vector<float> rewards;       // [T * N] reward of the step taken from row t
  std::vector<uint8_t> terminated;  // [T * N]
  std::vector<uint8_t> truncated;   // [T * N]
  std::vector<uint8_t> valid;       // [T * N] 0: a finished episode's last observation (see above)
  std::vector<float> advantages;    // [T * N] filled by compute_gae (0 where !valid)
  std::vector<float> returns;       // [T * N] advantages + values

  size_t rows() const { return acts.size(); }
  // Copies the observation rows of `b` (the batch the policy acts on at step t).
  void record_obs(int t, const VectorBatch& b);
  // Copies what the step from row t produced (`b` is the batch that step returned).
  void record_outcome(int t, const VectorBatch& b);
  // Computes advantages and returns; `last_values` = V of the observations after the last step [N].
  void compute_gae(std::span<const float> last_values, double gamma, double lambda);
};

// GAE over time-major [T][N] arrays (Schulman et al. 2016), mindful of autoreset:
//   next_v_t   = V(s_{t+1}) (row t+1, or last_values at t = T-1)
//   delta_t    = r_t + gamma * (1 - terminated_t) * next_v_t - V(s_t)
//   A_t        = delta_t + gamma * lambda * (1 - terminated_t) * (1 - truncated_t) * A_{t+1}
// On truncation the next observation is the episode's last one, so V bootstraps from it while the
// chain of advantages stops. Rows with valid = 0 get A = 0 and never feed an earlier row (the row
// before them always ended its episode). returns = A + V.
void compute_gae(int num_steps, int num_envs, std::span<const float> rewards,
                 std::span<const float> values, std::span<const float> last_values,
                 std::span<const uint8_t> terminated, std::span<const uint8_t> truncated,
                 std::span<const uint8_t> valid, double gamma, double lambda,
                 std::span<float> advantages, std::span<float> returns);

}  // namespace collab::learners::detail
