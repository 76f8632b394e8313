#include "learners/policy.h"

#include <dlfcn.h>

#include <cmath>
#include <utility>

#include "env/error.h"
#include "learners/output.h"

namespace collab::learners::detail {

MaskedCategorical::MaskedCategorical(const torch::Tensor& logits, const torch::Tensor& mask)
    : logits_(torch::log_softmax(logits.masked_fill(mask.eq(0), kMaskedLogit), -1)) {}

torch::Tensor MaskedCategorical::sample() const {
  return torch::multinomial(logits_.exp(), 1).squeeze(-1);
}

torch::Tensor MaskedCategorical::mode() const { return logits_.argmax(-1); }

torch::Tensor MaskedCategorical::log_prob(const torch::Tensor& acts) const {
  return logits_.gather(-1, acts.unsqueeze(-1)).squeeze(-1);
}

torch::Tensor MaskedCategorical::entropy() const {
  // Masked acts have probability exactly 0 and a finite log-probability: they add 0.
  return -(logits_.exp() * logits_).sum(-1);
}

namespace {

torch::nn::Linear layer(int in, int out, double gain) {
  torch::nn::Linear l(in, out);
  torch::nn::init::orthogonal_(l->weight, gain);
  torch::nn::init::constant_(l->bias, 0.0);
  return l;
}

torch::nn::Sequential mlp(int in, int hidden, int out, double out_gain) {
  const double g = std::sqrt(2.0);
  return torch::nn::Sequential(layer(in, hidden, g), torch::nn::Tanh(), layer(hidden, hidden, g),
                               torch::nn::Tanh(), layer(hidden, out, out_gain));
}

}  // namespace

ActorCriticImpl::ActorCriticImpl(int f, int a, int h) : num_features(f), num_acts(a), hidden(h) {
  // CleanRL's gains: a near-uniform initial policy (0.01) and a unit-scale value head (1.0).
  actor = register_module("actor", mlp(f, h, a, 0.01));
  critic = register_module("critic", mlp(f, h, 1, 1.0));
}

torch::Tensor ActorCriticImpl::value(const torch::Tensor& obs) {
  return critic->forward(obs).squeeze(-1);
}

MaskedCategorical ActorCriticImpl::policy(const torch::Tensor& obs, const torch::Tensor& mask) {
  return MaskedCategorical(actor->forward(obs), mask);
}

torch::Device resolve_device(const std::string& device) {
  if (device == "cpu") return torch::kCPU;
  if (device == "auto") return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  if (device == "cuda") {
    if (!torch::cuda::is_available()) {
      throw InvalidOption(
          "device = 'cuda': this libtorch build has no usable CUDA device; expected 'cpu' or "
          "'auto' "
          "here (Debian's libtorch is CPU-only; see docs/learners.md for GPU builds)");
    }
    return torch::kCUDA;
  }
  throw InvalidOption("device = '" + device + "': expected one of auto, cpu, cuda");
}

void set_cpu_threads(int threads) {
  torch::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (void* fn = dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) {
    reinterpret_cast<SetThreads>(fn)(1);
  }
}

void save_checkpoint(ActorCritic& net, const std::string& path, const nlohmann::json& sidecar) {
  try {
    torch::save(net, path);
  } catch (const c10::Error& e) {
    throw Error("cannot write checkpoint " + path + ": " + e.what_without_backtrace());
  }
  write_json(sidecar_path(path), sidecar);
}

Checkpoint load_checkpoint(const std::string& dir_or_file) {
  Checkpoint c;
  c.path = resolve_checkpoint(dir_or_file);
  c.meta = read_json(sidecar_path(c.path));
  const std::string side = sidecar_path(c.path);
  int f = 0, a = 0, h = 0;
  try {
    const auto& n = c.meta.at("network");
    f = n.at("num_features").get<int>();
    a = n.at("num_acts").get<int>();
    h = n.at("hidden").get<int>();
    (void)c.meta.at("task").at("id").get<std::string>();
    (void)c.meta.at("feature_names").get<std::vector<std::string>>();
    (void)c.meta.at("act_names").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(side + ": not a CollabGym checkpoint sidecar (" + e.what() +
                "); expected network{num_features,num_acts,hidden}, task.id, feature_names, "
                "act_names");
  }
  c.net = ActorCritic(f, a, h);
  try {
    torch::load(c.net, c.path);
  } catch (const c10::Error& e) {
    throw Error("cannot load checkpoint " + c.path + " (network " + std::to_string(f) +
                " features, " + std::to_string(a) + " acts, hidden " + std::to_string(h) +
                "): " + e.what_without_backtrace());
  }
  c.net->to(torch::kCPU);
  c.net->eval();
  return c;
}

}  // namespace collab::learners::detail
