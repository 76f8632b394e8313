// PPO (Schulman et al. 2017) over masked dialogue acts, after CleanRL's ppo.py: one linear loop
// that collects a rollout from a VectorEnv, computes GAE, and optimises the clipped objective for a
// few epochs of minibatches. Shared pieces: rollout.h (storage, GAE), policy.h (networks, masked
// categorical, checkpoints; act_scoring.h for the act-scoring network), output.h (metrics.csv,
// curve.svg, sidecar).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "env/error.h"
#include "env/vector_env.h"
#include "learners/algorithms.h"
#include "learners/flat_adam.h"
#include "learners/output.h"
#include "learners/policy.h"
#include "learners/rollout.h"

namespace collab::learners::detail {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void check_args(const PpoArgs& a) {
  // Values print as JSON does (4, not 4.000000; NaN as nan).
  auto bad = [](const std::string& what, double v, const std::string& expected) {
    std::ostringstream shown;
    shown << v;
    throw InvalidOption("ppo." + what + " = " + shown.str() + ": expected " + expected);
  };
  if (!(a.learning_rate > 0)) bad("learning_rate", a.learning_rate, "> 0");
  if (a.num_steps < 1) bad("num_steps", a.num_steps, ">= 1");
  if (!(a.gamma >= 0 && a.gamma <= 1)) bad("gamma", a.gamma, "in [0, 1], or -1 (by reward mode)");
  if (!(a.gae_lambda >= 0 && a.gae_lambda <= 1)) bad("gae_lambda", a.gae_lambda, "in [0, 1]");
  if (a.num_minibatches < 1) bad("num_minibatches", a.num_minibatches, ">= 1");
  if (a.update_epochs < 1) bad("update_epochs", a.update_epochs, ">= 1");
  if (!(a.clip_coef > 0)) bad("clip_coef", a.clip_coef, "> 0");
  if (!(a.ent_coef >= 0)) bad("ent_coef", a.ent_coef, ">= 0");
  if (!(a.vf_coef >= 0)) bad("vf_coef", a.vf_coef, ">= 0");
  if (!(a.max_grad_norm > 0)) bad("max_grad_norm", a.max_grad_norm, "> 0");
  if (!(a.target_kl >= 0)) bad("target_kl", a.target_kl, ">= 0 (0 = no early stop)");
  if (a.hidden < 1) bad("hidden", a.hidden, ">= 1");
  if (a.act_hidden < 1) bad("act_hidden", a.act_hidden, ">= 1");
  if (a.scorer != kFactoredScorer && a.scorer != kMlpScorer) {
    throw InvalidOption("ppo.scorer = '" + a.scorer +
                        "': expected 'factored' or 'mlp' (the act-scoring policy's scorer)");
  }
}

// Rows [t*N, (t+1)*N) of a time-major buffer as an [N, width] tensor (no copy).
template <typename T>
torch::Tensor step_rows(std::vector<T>& buf, int t, int n, int width, torch::Dtype dtype) {
  const size_t offset =
      static_cast<size_t>(t) * static_cast<size_t>(n) * static_cast<size_t>(width);
  return torch::from_blob(buf.data() + offset, {n, width}, dtype);
}

template <typename T>
void copy_out(const torch::Tensor& src, T* dst) {
  const torch::Tensor c = src.to(torch::kCPU).contiguous();
  std::memcpy(dst, c.data_ptr(), static_cast<size_t>(c.numel()) * sizeof(T));
}

// The policy's view of rows [t*N, (t+1)*N) of the rollout (no copy on the CPU). `k` is the K the
// rollout stores (0 for the MLP: an empty [N, A, 0] tensor).
PolicyInput step_input(Rollout& ro, int t, int k, torch::Device device) {
  const int n = ro.num_envs, a = ro.num_acts;
  const torch::Tensor act_features =
      k > 0 ? step_rows(ro.act_features, t, n, a * k, torch::kFloat32).view({n, a, k})
            : torch::empty({n, a, 0});
  return {step_rows(ro.obs, t, n, ro.num_features, torch::kFloat32).to(device),
          act_features.to(device), step_rows(ro.masks, t, n, a, torch::kUInt8).to(device)};
}

// One observation as a batch of one (`k` as in step_input; the observation holds the env's K).
PolicyInput observation_input(const Observation& o, int k, torch::Device device) {
  const auto f = static_cast<int64_t>(o.features.size());
  const auto a = static_cast<int64_t>(o.action_mask.size());
  const torch::Tensor act_features =
      k > 0
          ? torch::from_blob(const_cast<float*>(o.act_features.data()), {1, a, k}, torch::kFloat32)
          : torch::empty({1, a, 0});
  return {
      torch::from_blob(const_cast<float*>(o.features.data()), {1, f}, torch::kFloat32).to(device),
      act_features.to(device),
      torch::from_blob(const_cast<uint8_t*>(o.action_mask.data()), {1, a}, torch::kUInt8)
          .to(device)};
}

// MR futures played by the network being trained: a sample from its masked policy, drawn with the
// rollout's own RNG stream (so futures stay reproducible). Called from VectorEnv's threads during
// collection only, never during an update; inference without autograd is safe concurrently.
RolloutPolicy self_rollout_policy(PolicyNet net, int k, torch::Device device) {
  return [net, k, device](const Observation& o, Rng& rng) {
    torch::NoGradGuard no_grad;
    const auto a = static_cast<int64_t>(o.action_mask.size());
    const torch::Tensor logp =
        net->policy(observation_input(o, k, device)).logits().to(torch::kCPU).contiguous();
    const float* lp = logp.data_ptr<float>();
    const double u = rng.uniform();
    double acc = 0;
    int32_t chosen = -1;
    for (int64_t i = 0; i < a; ++i) {
      if (!o.action_mask[static_cast<size_t>(i)]) continue;
      chosen = static_cast<int32_t>(i);
      acc += std::exp(static_cast<double>(lp[i]));
      if (u < acc) break;
    }
    if (chosen < 0) throw Error("self rollout: no legal act in an unfinished episode");
    return Action::from_act(chosen);
  };
}

}  // namespace

TrainResult train_ppo(const Registry& registry, const TrainConfig& cfg,
                      const ProgressFn& progress) {
  const auto t_start = Clock::now();
  const Env prototype = registry.make(cfg.task, cfg.env_options);
  PpoArgs args = cfg.ppo;
  if (args.gamma == -1) args.gamma = default_gamma(prototype.reward_config().mode);
  check_args(args);

  const torch::Device device = resolve_device(cfg.device);
  if (device.is_cpu()) configure_cpu_for_training(cfg.threads);  // libtorch's default here is 1
  torch::manual_seed(cfg.seed);

  // Environments, output folder (fails early if unwritable), network and optimiser.
  VectorEnv envs(prototype, cfg.num_envs, cfg.threads);
  const int N = cfg.num_envs, T = args.num_steps;
  const int F = prototype.num_features(), A = prototype.num_acts();
  const std::string kind = resolve_policy(cfg.policy, prototype.num_act_features());
  const int K = kind == kActScoringPolicy ? prototype.num_act_features() : 0;  // what it reads
  RunWriter writer(cfg.out_dir, CurveInfo(prototype.task().id(),
                                          to_string(prototype.reward_config().mode), cfg.seed));
  const PolicyNet agent = make_policy(kind, F, A, K, args.hidden, {args.scorer, args.act_hidden});
  agent->to(device);
  if (cfg.self_rollouts) envs.set_rollout_policy(self_rollout_policy(agent, K, device));
  // Adam over one flat buffer (flat_adam.h): a dozen operations per minibatch instead of ~130.
  FlatAdam optimizer(agent->parameters(), args.learning_rate, 0.9, 0.999, 1e-5);

  const int64_t batch_size = static_cast<int64_t>(T) * N;
  const int64_t num_iterations = (cfg.total_steps + batch_size - 1) / batch_size;
  Rollout rollout(T, N, F, A, K);
  EpisodeLog episodes;
  std::vector<int32_t> acts(static_cast<size_t>(N));
  std::vector<float> last_values(static_cast<size_t>(N));
  const VectorBatch* next = &envs.reset(cfg.seed);
  int64_t global_step = 0;
  double collect_seconds = 0, update_seconds = 0;

  for (int64_t iteration = 1; iteration <= num_iterations; ++iteration) {
    double lr = args.learning_rate;
    if (args.anneal_lr) {
      lr *= 1.0 - static_cast<double>(iteration - 1) / static_cast<double>(num_iterations);
      optimizer.set_lr(lr);
    }

    // 1. Collect T steps of every environment with the current (stochastic) policy.
    const auto t_collect = Clock::now();
    {
      torch::NoGradGuard no_grad;
      for (int t = 0; t < T; ++t) {
        rollout.record_obs(t, *next);
        const PolicyInput x = step_input(rollout, t, K, device);
        const MaskedCategorical pi = agent->policy(x);
        const torch::Tensor act = pi.sample();
        const size_t row0 = static_cast<size_t>(t) * static_cast<size_t>(N);
        copy_out<int64_t>(act, rollout.acts.data() + row0);
        copy_out<float>(pi.log_prob(act), rollout.logprobs.data() + row0);
        copy_out<float>(agent->value(x), rollout.values.data() + row0);
        for (size_t i = 0; i < acts.size(); ++i)
          acts[i] = static_cast<int32_t>(rollout.acts[row0 + i]);

        next = &envs.step(acts);  // rows that finished last step ignore their act and reset
        global_step += N;
        rollout.record_outcome(t, *next);
        for (const auto& finished : next->finished) {
          if (finished) episodes.add(*finished);
        }
      }
      // The observations after the last step, as a one-step rollout.
      Rollout after(1, N, F, A, K);
      after.record_obs(0, *next);
      copy_out<float>(agent->value(step_input(after, 0, K, device)), last_values.data());
    }
    rollout.compute_gae(last_values, args.gamma, args.gae_lambda);
    collect_seconds += seconds_since(t_collect);

    // 2. Optimise the clipped surrogate on the valid rows (see rollout.h), in shuffled minibatches.
    const auto t_update = Clock::now();
    const auto rows = static_cast<int64_t>(rollout.rows());
    const torch::Tensor valid_rows =
        torch::nonzero(torch::from_blob(rollout.valid.data(), {rows}, torch::kUInt8)).squeeze(1);
    auto gather = [&](auto& buf, int64_t width, torch::Dtype dtype) {
      torch::Tensor all = width == 1 ? torch::from_blob(buf.data(), {rows}, dtype)
                                     : torch::from_blob(buf.data(), {rows, width}, dtype);
      return all.index_select(0, valid_rows).to(device);
    };
    const torch::Tensor b_obs = gather(rollout.obs, F, torch::kFloat32);
    const torch::Tensor b_masks = gather(rollout.masks, A, torch::kUInt8);
    const torch::Tensor b_act_features =
        K > 0 ? gather(rollout.act_features, static_cast<int64_t>(A) * K, torch::kFloat32)
                    .view({-1, A, K})
              : torch::empty({b_masks.size(0), A, 0}, device);
    const torch::Tensor b_acts = gather(rollout.acts, 1, torch::kInt64);
    const torch::Tensor b_logprobs = gather(rollout.logprobs, 1, torch::kFloat32);
    const torch::Tensor b_advantages = gather(rollout.advantages, 1, torch::kFloat32);
    const torch::Tensor b_returns = gather(rollout.returns, 1, torch::kFloat32);
    const torch::Tensor b_values = gather(rollout.values, 1, torch::kFloat32);
    const int64_t n = b_obs.size(0);
    torch::Tensor b_value_context;  // the same for every epoch: computed once
    {
      torch::NoGradGuard no_grad;
      b_value_context = agent->value_context({b_obs, b_act_features, b_masks, {}});
    }

    torch::Tensor sum_pg = torch::zeros({}, device), sum_v = torch::zeros({}, device);
    torch::Tensor sum_ent = torch::zeros({}, device), sum_kl = torch::zeros({}, device);
    torch::Tensor sum_clip = torch::zeros({}, device);
    int minibatches = 0;
    for (int epoch = 0; epoch < args.update_epochs && n > 0; ++epoch) {
      const torch::Tensor perm =
          torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64)).to(device);
      torch::Tensor epoch_kl = torch::zeros({}, device);
      for (int k = 0; k < args.num_minibatches; ++k) {
        const int64_t begin = n * k / args.num_minibatches,
                      end = n * (k + 1) / args.num_minibatches;
        if (end <= begin) continue;
        const torch::Tensor mb = perm.slice(0, begin, end);

        const PolicyInput x{
            b_obs.index_select(0, mb), b_act_features.index_select(0, mb),
            b_masks.index_select(0, mb),
            b_value_context.defined() ? b_value_context.index_select(0, mb) : torch::Tensor()};
        const MaskedCategorical pi = agent->policy(x);
        const torch::Tensor new_logprob = pi.log_prob(b_acts.index_select(0, mb));
        const torch::Tensor entropy = pi.entropy().mean();
        const torch::Tensor new_value = agent->value(x);
        const torch::Tensor log_ratio = new_logprob - b_logprobs.index_select(0, mb);
        const torch::Tensor ratio = log_ratio.exp();
        torch::Tensor approx_kl, clipfrac;
        {
          torch::NoGradGuard no_grad;
          approx_kl = ((ratio - 1) - log_ratio).mean();  // http://joschu.net/blog/kl-approx.html
          clipfrac = ((ratio - 1).abs() > args.clip_coef).to(torch::kFloat32).mean();
        }

        torch::Tensor adv = b_advantages.index_select(0, mb);
        if (args.norm_adv && adv.size(0) > 1) adv = (adv - adv.mean()) / (adv.std() + 1e-8);

        // Policy loss: the pessimistic (max of negated) clipped surrogate.
        const torch::Tensor pg_loss =
            torch::max(-adv * ratio,
                       -adv * torch::clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef))
                .mean();

        // Value loss, optionally clipped around the values seen at collection time.
        const torch::Tensor ret = b_returns.index_select(0, mb);
        torch::Tensor v_loss;
        if (args.clip_vloss) {
          const torch::Tensor old_v = b_values.index_select(0, mb);
          const torch::Tensor v_clipped =
              old_v + torch::clamp(new_value - old_v, -args.clip_coef, args.clip_coef);
          v_loss = 0.5 * torch::max((new_value - ret).pow(2), (v_clipped - ret).pow(2)).mean();
        } else {
          v_loss = 0.5 * (new_value - ret).pow(2).mean();
        }

        const torch::Tensor loss = pg_loss - args.ent_coef * entropy + args.vf_coef * v_loss;
        optimizer.zero_grad();
        loss.backward();
        optimizer.clip_grad_norm(args.max_grad_norm);
        optimizer.step();

        sum_pg += pg_loss.detach();
        sum_v += v_loss.detach();
        sum_ent += entropy.detach();
        sum_kl += approx_kl;
        sum_clip += clipfrac;
        epoch_kl = approx_kl;
        ++minibatches;
      }
      if (args.target_kl > 0 && epoch_kl.item<double>() > args.target_kl) break;
    }
    update_seconds += seconds_since(t_update);

    // 3. Report: one metrics.csv row per update, and the progress callback.
    MetricsRow row;
    row.step = global_step;
    row.episodes = episodes.take_interval();
    const double mb = std::max(minibatches, 1);
    row.policy_loss = sum_pg.item<double>() / mb;
    row.value_loss = sum_v.item<double>() / mb;
    row.entropy = sum_ent.item<double>() / mb;
    row.approx_kl = sum_kl.item<double>() / mb;
    row.clipfrac = sum_clip.item<double>() / mb;
    if (n > 1) {
      const double var_y = b_returns.var().item<double>();
      row.explained_variance =
          var_y > 0 ? 1.0 - (b_returns - b_values).var().item<double>() / var_y : 0.0;
    }
    row.learning_rate = lr;
    row.steps_per_second = static_cast<double>(global_step) / seconds_since(t_start);
    writer.add(row);
    if (progress) {
      progress(TrainProgress{global_step, cfg.total_steps, row.steps_per_second,
                             episodes.recent_success(), episodes.recent_return(),
                             episodes.episodes()});
    }
  }

  TrainResult result;
  result.steps = global_step;
  result.device = device.is_cuda() ? "cuda" : "cpu";
  result.final_success = episodes.recent_success();
  result.final_return = episodes.recent_return();
  result.collect_seconds = collect_seconds;
  result.update_seconds = update_seconds;

  if (writer.enabled()) {
    writer.write_curve();
    const Task& task = prototype.task();
    const nlohmann::json sidecar = {
        {"format", "collabgym-checkpoint"},
        {"format_version", 3},  // 2: network.kind, act_feature_names; 3: network.scorer
        {"algo", "ppo"},
        {"task", {{"id", task.id()}, {"name", task.name()}, {"version", task.version()}}},
        {"scenario", task.scenario_info()},
        {"feature_names", task.feature_names()},
        {"act_names", task.acts()},
        {"act_feature_names", task.act_feature_names()},
        {"policy", cfg.policy},  // as asked; network.kind is what it resolved to
        {"network", agent->describe()},
        {"ppo", args.to_json()},
        {"env_options", cfg.env_options},
        {"seed", cfg.seed},
        {"self_rollouts", cfg.self_rollouts},
        {"steps", global_step},
        {"num_envs", N},
        {"device", result.device},
        {"final_success", result.final_success},
        {"final_return", result.final_return},
        {"seconds", seconds_since(t_start)},  // wall time of the run up to this checkpoint
        {"git_describe", git_describe()},
    };
    optimizer.release();     // each parameter its own storage: the checkpoint holds just them
    agent->to(torch::kCPU);  // loadable by CPU-only builds
    result.checkpoint = (std::filesystem::path(cfg.out_dir) / "checkpoint.pt").string();
    save_checkpoint(agent, result.checkpoint, sidecar);
  }
  result.seconds = seconds_since(t_start);
  result.steps_per_second = static_cast<double>(global_step) / result.seconds;
  return result;
}

}  // namespace collab::learners::detail
