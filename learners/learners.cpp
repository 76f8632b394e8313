#include "learners/learners.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>

#include "env/error.h"
#include "learners/algorithms.h"

namespace collab::learners {

namespace {

// Every learner, by TrainConfig::algo name.
constexpr std::array kAlgorithms = {
    detail::Algorithm{"ppo", &detail::train_ppo},
};

}  // namespace

double default_gamma(RewardMode mode) {
  return mode == RewardMode::kMr || mode == RewardMode::kImmediate ? 0.0 : 0.99;
}

std::string resolve_policy(const std::string& policy, int num_act_features) {
  if (policy == "auto") return num_act_features > 0 ? "act-scoring" : "mlp";
  if (policy == "mlp") return policy;
  if (policy == "act-scoring") {
    if (num_act_features < 1) {
      throw InvalidOption(fmt::format(
          "policy = 'act-scoring': the task declares no act features (K = {}), so there is "
          "nothing to score acts by; expected mlp or auto here",
          num_act_features));
    }
    return policy;
  }
  throw InvalidOption(fmt::format("policy = '{}': expected one of auto, mlp, act-scoring", policy));
}

std::vector<std::string> algorithms() {
  std::vector<std::string> out;
  for (const auto& a : kAlgorithms) out.emplace_back(a.name);
  return out;
}

nlohmann::json PpoArgs::to_json() const {
  return {{"learning_rate", learning_rate},
          {"num_steps", num_steps},
          {"gamma", gamma},
          {"gae_lambda", gae_lambda},
          {"num_minibatches", num_minibatches},
          {"update_epochs", update_epochs},
          {"norm_adv", norm_adv},
          {"clip_coef", clip_coef},
          {"clip_vloss", clip_vloss},
          {"ent_coef", ent_coef},
          {"vf_coef", vf_coef},
          {"max_grad_norm", max_grad_norm},
          {"target_kl", target_kl},
          {"hidden", hidden},
          {"scorer", scorer},
          {"act_hidden", act_hidden},
          {"anneal_lr", anneal_lr}};
}

PpoArgs PpoArgs::from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    throw InvalidOption(fmt::format("ppo args {}: expected a JSON object", j.dump()));
  }
  PpoArgs a;
  const nlohmann::json defaults = a.to_json();
  for (const auto& [key, value] : j.items()) {
    if (!defaults.contains(key)) {
      std::vector<std::string> known;
      for (const auto& kv : defaults.items()) known.push_back(kv.key());
      throw InvalidOption(
          fmt::format("ppo arg '{}' is unknown; expected one of: {}", key, fmt::join(known, ", ")));
    }
    const auto& d = defaults.at(key);
    const bool ok = d.is_boolean()          ? value.is_boolean()
                    : d.is_string()         ? value.is_string()
                    : d.is_number_integer() ? value.is_number_integer()
                                            : value.is_number();
    if (!ok) {
      throw InvalidOption(fmt::format("ppo arg {} = {}: expected {}", key, value.dump(),
                                      d.is_boolean()          ? "true or false"
                                      : d.is_string()         ? "a string"
                                      : d.is_number_integer() ? "an integer"
                                                              : "a number"));
    }
  }
  auto get = [&](const char* key, auto& field) {
    if (j.contains(key)) field = j.at(key).get<std::decay_t<decltype(field)>>();
  };
  get("learning_rate", a.learning_rate);
  get("num_steps", a.num_steps);
  get("gamma", a.gamma);
  get("gae_lambda", a.gae_lambda);
  get("num_minibatches", a.num_minibatches);
  get("update_epochs", a.update_epochs);
  get("norm_adv", a.norm_adv);
  get("clip_coef", a.clip_coef);
  get("clip_vloss", a.clip_vloss);
  get("ent_coef", a.ent_coef);
  get("vf_coef", a.vf_coef);
  get("max_grad_norm", a.max_grad_norm);
  get("target_kl", a.target_kl);
  get("hidden", a.hidden);
  get("scorer", a.scorer);
  get("act_hidden", a.act_hidden);
  get("anneal_lr", a.anneal_lr);
  return a;
}

TrainResult train(const Registry& registry, const TrainConfig& cfg,
                  const std::function<void(const TrainProgress&)>& progress) {
  const detail::Algorithm* algo = nullptr;
  for (const auto& a : kAlgorithms) {
    if (a.name == cfg.algo) algo = &a;
  }
  if (algo == nullptr) {
    throw InvalidOption(
        fmt::format("algo = '{}': expected one of {}", cfg.algo, fmt::join(algorithms(), ", ")));
  }
  if (cfg.task.empty()) throw InvalidOption("task = '': expected an environment id");
  if (cfg.total_steps < 1) {
    throw InvalidOption(fmt::format("total_steps = {}: expected at least 1", cfg.total_steps));
  }
  if (cfg.num_envs < 1) {
    throw InvalidOption(fmt::format("num_envs = {}: expected at least 1", cfg.num_envs));
  }
  if (cfg.threads < 1) {
    throw InvalidOption(fmt::format("threads = {}: expected at least 1", cfg.threads));
  }
  if (cfg.device != "auto" && cfg.device != "cpu" && cfg.device != "cuda") {
    throw InvalidOption(fmt::format("device = '{}': expected one of auto, cpu, cuda", cfg.device));
  }
  if (cfg.policy != "auto" && cfg.policy != "mlp" && cfg.policy != "act-scoring") {
    throw InvalidOption(
        fmt::format("policy = '{}': expected one of auto, mlp, act-scoring", cfg.policy));
  }
  if (!cfg.env_options.is_object()) {
    throw InvalidOption(
        fmt::format("env_options = {}: expected a JSON object", cfg.env_options.dump()));
  }
  return algo->train(registry, cfg, progress);
}

}  // namespace collab::learners
