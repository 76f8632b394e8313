#include "env/vector_env.h"

#include <fmt/format.h>

#include <algorithm>

#include "env/error.h"

namespace collab {

namespace {

// Writes only when the value changes. The byte and double columns are written by every thread
// (64 one-byte flags share one cache line), and an unconditional store of an unchanged flag would
// still take the line from the other core at every step: false sharing that made 2 threads slower
// than 1 for cheap environments. Flags change about once per episode.
template <typename T>
void put(T& slot, T value) {
  if (slot != value) slot = value;
}

}  // namespace

VectorEnv::VectorEnv(const Env& prototype, int num_envs, int threads) {
  if (num_envs < 1) {
    throw InvalidOption(fmt::format("num_envs = {}: expected at least 1", num_envs));
  }
  if (threads < 1) throw InvalidOption(fmt::format("threads = {}: expected at least 1", threads));
  envs_.reserve(static_cast<size_t>(num_envs));
  for (int i = 0; i < num_envs; ++i) envs_.push_back(prototype.clone());
  slots_.resize(envs_.size());
  batch_.num_envs = num_envs;
  batch_.num_features = prototype.num_features();
  batch_.num_acts = prototype.num_acts();
  batch_.num_act_features = prototype.num_act_features();
  const size_t n = envs_.size();
  batch_.features.assign(n * static_cast<size_t>(batch_.num_features), 0.0f);
  batch_.act_features.assign(
      n * static_cast<size_t>(batch_.num_acts) * static_cast<size_t>(batch_.num_act_features), 0.0f);
  batch_.masks.assign(n * static_cast<size_t>(batch_.num_acts), 0);
  batch_.rewards.assign(n, 0.0);
  batch_.terminated.assign(n, 0);
  batch_.truncated.assign(n, 0);
  batch_.reset.assign(n, 0);
  batch_.finished.assign(n, std::nullopt);
  pool_ = std::make_unique<detail::ParallelFor>(std::min(threads, num_envs));
}

ObservationView VectorEnv::row(size_t i) {
  const auto f = static_cast<size_t>(batch_.num_features);
  const auto a = static_cast<size_t>(batch_.num_acts);
  const size_t ak = a * static_cast<size_t>(batch_.num_act_features);
  return {std::span<float>(batch_.features).subspan(i * f, f),
          std::span<float>(batch_.act_features).subspan(i * ak, ak),
          std::span<uint8_t>(batch_.masks).subspan(i * a, a)};
}

void VectorEnv::reset_row(size_t i, std::optional<uint64_t> seed) {
  envs_[i].reset_episode(seed);
  envs_[i].observe_into(row(i));
  slots_[i].ret = 0;
  slots_[i].needs_reset = false;
  put(batch_.rewards[i], 0.0);
  put<uint8_t>(batch_.terminated[i], 0);
  put<uint8_t>(batch_.truncated[i], 0);
  put<uint8_t>(batch_.reset[i], 1);
  if (batch_.finished[i]) batch_.finished[i].reset();
}

const VectorBatch& VectorEnv::reset(uint64_t seed) {
  pool_->run(envs_.size(), [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) reset_row(i, seed + i);
  });
  return batch_;
}

const VectorBatch& VectorEnv::step(std::span<const int32_t> acts) {
  if (acts.size() != envs_.size()) {
    throw InvalidAction(
        fmt::format("VectorEnv::step: got {} acts for {} environments", acts.size(), envs_.size()));
  }
  // Rows whose MR futures a rollout agent plays finish after the pool: one batch for all of them
  // (MrBatch: one agent call per depth).
  MrBatch futures;
  auto finish_row = [&](size_t i) {
    Env& env = envs_[i];
    Slot& slot = slots_[i];
    const StepResult& r = slot.scratch;
    slot.ret += r.reward;
    put(batch_.rewards[i], r.reward);
    put<uint8_t>(batch_.terminated[i], r.terminated);
    put<uint8_t>(batch_.truncated[i], r.truncated);
    put<uint8_t>(batch_.reset[i], 0);
    if (r.terminated || r.truncated) {
      slot.needs_reset = true;
      EpisodeRecord s;
      s.seed = env.episode_seed();
      s.ret = slot.ret;
      s.score = r.info.score;
      s.success = r.info.success;
      s.turns = env.turn();
      s.agent_tokens = env.agent_tokens();
      s.interactivity = r.info.reward.interactivity;
      s.truncated = r.truncated;
      batch_.finished[i] = s;
    }
  };
  // Every row is a clone of one prototype: all of them have the rollout agent, or none has.
  const bool remote = envs_[0].rollout_agent() != nullptr;
  std::vector<uint8_t> stepped(remote ? envs_.size() : 0, 0);
  pool_->run(envs_.size(), [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      Env& env = envs_[i];
      if (batch_.finished[i]) batch_.finished[i].reset();
      if (slots_[i].needs_reset || !env.has_episode()) {
        reset_row(i, std::nullopt);  // next-step autoreset: the act is ignored
        continue;
      }
      try {
        env.step_into(Action::from_act(acts[i]), row(i), slots_[i].scratch, &futures);
      } catch (const InvalidAction& err) {
        throw InvalidAction(fmt::format("environment {}: {}", i, err.what()));
      }
      if (remote) {
        stepped[i] = 1;  // its reward may wait for the futures
      } else {
        finish_row(i);
      }
    }
  });
  if (!remote) return batch_;
  if (!futures.empty()) futures.run();
  for (size_t i = 0; i < envs_.size(); ++i) {
    if (stepped[i]) finish_row(i);
  }
  return batch_;
}

void VectorEnv::set_rollout_policy(const RolloutPolicy& policy) {
  for (auto& env : envs_) env.set_rollout_policy(policy);
}

}  // namespace collab
