// N episodes of one task stepped together (EnvPool-style), with automatic reset.
//
// Semantics (Gymnasium's "next-step" autoreset):
//  * reset(seed) resets environment i with seed + i and returns every observation.
//  * step(acts): an environment that is running takes its act. An environment whose previous step
//    ended its episode (terminated or truncated) ignores its act this time and is reset instead
//    (without a seed: its own stream continues, so runs stay reproducible); its row then holds the
//    new episode's first observation, reward 0, terminated = truncated = false, and reset = true.
//  * When a step ends an episode, that row's `finished` holds the episode's statistics.
//  * Results are identical whatever the thread count: each environment owns its RNG streams.
// The batch buffers are owned by the VectorEnv and overwritten by the next call. Environments write
// their observations straight into their rows (Env::step_into): no per-step allocation for them.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <vector>

#include "env/env.h"
#include "env/parallel.h"
#include "env/stats.h"

namespace collab {

struct VectorBatch {
  int num_envs = 0, num_features = 0, num_acts = 0, num_act_features = 0;
  std::vector<float> features;      // [num_envs * num_features]
  std::vector<float> act_features;  // [num_envs * num_acts * num_act_features]
  std::vector<uint8_t> masks;       // [num_envs * num_acts]
  std::vector<double> rewards;      // [num_envs]
  std::vector<uint8_t> terminated;  // [num_envs]
  std::vector<uint8_t> truncated;   // [num_envs]
  std::vector<uint8_t> reset;       // [num_envs]: this row is a fresh episode's first observation
  std::vector<std::optional<EpisodeRecord>> finished;  // [num_envs]
};

class VectorEnv {
 public:
  // `prototype` is copied num_envs times (same task and options). threads >= 1.
  VectorEnv(const Env& prototype, int num_envs, int threads = 1);

  const VectorBatch& reset(uint64_t seed);
  // acts.size() == num_envs; each act must be legal in its row's current mask (InvalidAction
  // otherwise, naming the environment index).
  const VectorBatch& step(std::span<const int32_t> acts);

  int num_envs() const { return static_cast<int>(envs_.size()); }
  int threads() const { return pool_->threads(); }
  const Env& env(int i) const { return envs_.at(static_cast<size_t>(i)); }
  Env& env(int i) { return envs_.at(static_cast<size_t>(i)); }
  // In-process rollout policy for MR in every environment (see Env::set_rollout_policy).
  void set_rollout_policy(const RolloutPolicy& policy);

 private:
  ObservationView row(size_t i);
  void reset_row(size_t i, std::optional<uint64_t> seed);

  std::vector<Env> envs_;
  // Per-environment state only its own thread touches, a cache line each so that neighbours in
  // different chunks never share one.
  struct alignas(64) Slot {
    double ret = 0;  // running episodic return
    bool needs_reset = true;
    StepResult scratch;  // reused across steps (keeps string capacity)
  };
  std::vector<Slot> slots_;
  VectorBatch batch_;
  std::unique_ptr<detail::ParallelFor> pool_;
};

}  // namespace collab
