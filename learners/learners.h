// In-process learners (DESIGN §1): train a policy on any registered task, then use it as an agent.
//
//   collab::learners::TrainConfig cfg;
//   cfg.task = "twenty_questions-v0";
//   cfg.env_options = {{"reward", "terminal"}};
//   cfg.out_dir = "runs/tq";
//   auto result = collab::learners::train(collab::tasks::builtin_registry(), cfg);
//   collab::learners::register_agents();
//   auto agent = collab::agents::make_agent("ppo:runs/tq");
//
// This header is torch-free (the learners link libtorch PRIVATE); see docs/learners.md.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "env/registry.h"

namespace collab::learners {

// PPO hyper-parameters (CleanRL's ppo.py names and defaults, where they apply).
struct PpoArgs {
  double learning_rate = 1e-3;  // Adam step size (linearly annealed to 0 if anneal_lr)
  int num_steps = 32;           // rollout length per environment per update
  double gamma = -1;            // discount; -1 = by reward mode: 0 for mr and immediate (each
                                // turn's reward already values the rest of the conversation),
                                // 0.99 for mr_delta and terminal (see docs/learners.md)
  double gae_lambda = 0.95;     // lambda of generalised advantage estimation
  int num_minibatches = 4;      // minibatches per epoch (batch = num_steps * num_envs)
  int update_epochs = 4;        // passes over each rollout
  bool norm_adv = true;         // normalise advantages within each minibatch
  double clip_coef = 0.2;       // PPO ratio clip (policy); also the value clip if clip_vloss
  bool clip_vloss = true;       // clipped value loss
  double ent_coef = 0.01;       // entropy bonus weight
  double vf_coef = 0.5;         // value loss weight
  double max_grad_norm = 0.5;   // global gradient-norm clip
  double target_kl = 0;         // stop an update's epochs early past this approx KL (0 = never)
  int hidden = 128;             // width of the two hidden layers (actor and critic alike)
  std::string scorer = "factored";  // act-scoring policies: "factored" (act encoder of
                                    // act_hidden units . observation embedding) or "mlp" (the
                                    // first scorer: hidden x hidden per act); docs/learners.md
  int act_hidden = 16;              // the factored scorer's act-encoder width D
  bool anneal_lr = true;        // linear learning-rate decay over the run

  nlohmann::json to_json() const;
  // Reads the keys present in `j` over the defaults; unknown keys or bad values throw
  // InvalidOption.
  static PpoArgs from_json(const nlohmann::json& j);
};

struct TrainConfig {
  std::string task;  // env id, e.g. "twenty_questions-v0"
  nlohmann::json env_options =
      nlohmann::json::object();  // Registry::make options (reward, scenario, split…)
  std::string algo = "ppo";      // one of algorithms()
  int64_t total_steps = 100000;  // environment steps, all environments together (>= 1)
  int num_envs = 16;             // environments stepped together (>= 1)
  int threads = 1;               // VectorEnv threads and torch CPU threads (>= 1)
  uint64_t seed = 0;             // environment seeds seed..seed+num_envs-1, torch seed
  std::string device = "auto";   // auto | cpu | cuda (auto = cuda if available)
  std::string out_dir;          // metrics.csv, curve.svg, checkpoint.pt + .json; "" = write nothing
  bool self_rollouts = false;   // MR futures played by the policy being trained (CollabLLM's
                                // setup) instead of the env's rollout_policy (default: expert)
  std::string policy = "auto";  // network: mlp | act-scoring | auto (act-scoring when the task
                                // declares act features, K > 0; else mlp). docs/learners.md
  PpoArgs ppo;
};

// Reported after every update.
struct TrainProgress {
  int64_t step = 0, total_steps = 0;  // environment steps so far / planned
  double steps_per_second = 0;        // environment steps per wall second, collection + update
  double recent_success = 0;          // mean over the last 100 finished training episodes
  double recent_return = 0;           // likewise, episodic return under the env's reward mode
  int episodes = 0;                   // training episodes finished so far
};

struct TrainResult {
  std::string checkpoint;  // path of the final checkpoint ("" if out_dir was "")
  int64_t steps = 0;       // environment steps taken (a whole number of rollouts)
  double seconds = 0;      // wall time of the run
  double steps_per_second = 0;
  double final_success = 0;    // recent_success at the end (stochastic training policy)
  double final_return = 0;     // recent_return at the end
  std::string device;          // "cpu" or "cuda"
  double collect_seconds = 0;  // of `seconds`: stepping environments and acting
  double update_seconds = 0;   // of `seconds`: GAE and gradient updates
};

// Names accepted by TrainConfig::algo: {"ppo"}.
std::vector<std::string> algorithms();

// The discount PpoArgs::gamma = -1 resolves to: 0 for mr and immediate (summing per-turn MR over a
// conversation pays for making it longer: measured in docs/learners.md), 0.99 otherwise.
double default_gamma(RewardMode mode);

// The network TrainConfig::policy resolves to for a task with K act features: "auto" gives
// "act-scoring" when K > 0 and "mlp" otherwise; "mlp" and "act-scoring" are kept. Throws
// InvalidOption for another name, or for "act-scoring" when K = 0 (nothing to score acts by).
std::string resolve_policy(const std::string& policy, int num_act_features);

// Trains cfg.algo on environments made by `registry`. Throws InvalidOption naming the bad field and
// what was expected (unknown algo, device "cuda" without CUDA, num_envs < 1, total_steps < 1,
// threads < 1…), Error when out_dir cannot be written, and whatever Registry::make throws.
// `progress` (optional) is called on the training thread after every update.
TrainResult train(const Registry& registry, const TrainConfig& cfg,
                  const std::function<void(const TrainProgress&)>& progress = {});

// Registers the "ppo:PATH" agent loader with agents::make_agent (idempotent, thread-safe). PATH is
// an out_dir (its checkpoint.pt) or a checkpoint file. The agent acts greedily (argmax over legal
// acts) and refuses, naming both sides, an env whose task id or feature names differ from the
// checkpoint's, and also: for an mlp checkpoint, whose act names differ; for an act-scoring
// checkpoint, whose act-feature names differ (its act set may differ: other scenarios of the task).
void register_agents();

}  // namespace collab::learners
