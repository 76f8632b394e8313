#include "learners/rollout.h"

#include <fmt/format.h>

#include <algorithm>

#include "env/error.h"

namespace collab::learners::detail {

Rollout::Rollout(int t, int n, int f, int a, int k)
    : num_steps(t), num_envs(n), num_features(f), num_acts(a), num_act_features(k) {
  const size_t rows = static_cast<size_t>(t) * static_cast<size_t>(n);
  obs.assign(rows * static_cast<size_t>(f), 0.0f);
  act_features.assign(rows * static_cast<size_t>(a) * static_cast<size_t>(k), 0.0f);
  masks.assign(rows * static_cast<size_t>(a), 0);
  acts.assign(rows, 0);
  logprobs.assign(rows, 0.0f);
  values.assign(rows, 0.0f);
  rewards.assign(rows, 0.0f);
  terminated.assign(rows, 0);
  truncated.assign(rows, 0);
  valid.assign(rows, 0);
  advantages.assign(rows, 0.0f);
  returns.assign(rows, 0.0f);
}

void Rollout::record_obs(int t, const VectorBatch& b) {
  COLLAB_CHECK(b.num_envs == num_envs && b.num_features == num_features && b.num_acts == num_acts);
  const size_t row0 = static_cast<size_t>(t) * static_cast<size_t>(num_envs);
  std::copy(b.features.begin(), b.features.end(),
            obs.begin() + static_cast<std::ptrdiff_t>(row0 * static_cast<size_t>(num_features)));
  std::copy(b.masks.begin(), b.masks.end(),
            masks.begin() + static_cast<std::ptrdiff_t>(row0 * static_cast<size_t>(num_acts)));
  if (num_act_features > 0) {
    COLLAB_CHECK(b.num_act_features == num_act_features);
    const size_t width = static_cast<size_t>(num_acts) * static_cast<size_t>(num_act_features);
    std::copy(b.act_features.begin(), b.act_features.end(),
              act_features.begin() + static_cast<std::ptrdiff_t>(row0 * width));
  }
  // A row whose last step ended its episode shows the final observation; its act will be ignored.
  for (size_t i = 0; i < static_cast<size_t>(num_envs); ++i) {
    valid[row0 + i] = !(b.terminated[i] || b.truncated[i]);
  }
}

void Rollout::record_outcome(int t, const VectorBatch& b) {
  const size_t row0 = static_cast<size_t>(t) * static_cast<size_t>(num_envs);
  for (size_t i = 0; i < static_cast<size_t>(num_envs); ++i) {
    rewards[row0 + i] = static_cast<float>(b.rewards[i]);
    terminated[row0 + i] = b.terminated[i];
    truncated[row0 + i] = b.truncated[i];
  }
}

void Rollout::compute_gae(std::span<const float> last_values, double gamma, double lambda) {
  detail::compute_gae(num_steps, num_envs, rewards, values, last_values, terminated, truncated,
                      valid, gamma, lambda, advantages, returns);
}

void compute_gae(int num_steps, int num_envs, std::span<const float> rewards,
                 std::span<const float> values, std::span<const float> last_values,
                 std::span<const uint8_t> terminated, std::span<const uint8_t> truncated,
                 std::span<const uint8_t> valid, double gamma, double lambda,
                 std::span<float> advantages, std::span<float> returns) {
  const size_t n = static_cast<size_t>(num_envs);
  const size_t rows = static_cast<size_t>(num_steps) * n;
  for (auto [name, size] : {std::pair{"rewards", rewards.size()},
                            {"values", values.size()},
                            {"terminated", terminated.size()},
                            {"truncated", truncated.size()},
                            {"valid", valid.size()},
                            {"advantages", advantages.size()},
                            {"returns", returns.size()}}) {
    if (size != rows) {
      throw Error(fmt::format("compute_gae: {} has {} entries; expected num_steps * num_envs = {}",
                              name, size, rows));
    }
  }
  if (last_values.size() != n) {
    throw Error(fmt::format("compute_gae: last_values has {} entries; expected num_envs = {}",
                            last_values.size(), n));
  }
  for (size_t i = 0; i < n; ++i) {
    double next_adv = 0;
    for (size_t t = static_cast<size_t>(num_steps); t-- > 0;) {
      const size_t r = t * n + i;
      if (!valid[r]) {
        advantages[r] = 0;
        returns[r] = values[r];
        next_adv = 0;
        continue;
      }
      const double next_v = t + 1 < static_cast<size_t>(num_steps) ? values[r + n] : last_values[i];
      const double live = terminated[r] ? 0.0 : 1.0;
      const double chain = (terminated[r] || truncated[r]) ? 0.0 : 1.0;
      const double delta = rewards[r] + gamma * live * next_v - values[r];
      next_adv = delta + gamma * lambda * chain * next_adv;
      advantages[r] = static_cast<float>(next_adv);
      returns[r] = static_cast<float>(next_adv + values[r]);
    }
  }
}

}  // namespace collab::learners::detail
