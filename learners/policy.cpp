#include "learners/policy.h"

#include <dlfcn.h>
#include <malloc.h>

#include <cmath>
#include <utility>

#include "env/error.h"
#include "learners/act_scoring.h"
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

torch::nn::Linear orthogonal_linear(int in, int out, double gain) {
  torch::nn::Linear l(in, out);
  torch::nn::init::orthogonal_(l->weight, gain);
  torch::nn::init::constant_(l->bias, 0.0);
  return l;
}

torch::nn::Sequential tanh_mlp(int in, int hidden, int out, double out_gain) {
  const double g = std::sqrt(2.0);
  return torch::nn::Sequential(orthogonal_linear(in, hidden, g), torch::nn::Tanh(),
                               orthogonal_linear(hidden, hidden, g), torch::nn::Tanh(),
                               orthogonal_linear(hidden, out, out_gain));
}

ActorCriticImpl::ActorCriticImpl(int f, int a, int h) : num_features(f), num_acts(a), hidden(h) {
  // CleanRL's gains: a near-uniform initial policy (0.01) and a unit-scale value head (1.0).
  actor = register_module("actor", tanh_mlp(f, h, a, 0.01));
  critic = register_module("critic", tanh_mlp(f, h, 1, 1.0));
}

torch::Tensor ActorCriticImpl::value(const torch::Tensor& obs) {
  return critic->forward(obs).squeeze(-1);
}

MaskedCategorical ActorCriticImpl::policy(const torch::Tensor& obs, const torch::Tensor& mask) {
  return MaskedCategorical(actor->forward(obs), mask);
}

torch::Tensor ActorCriticImpl::value(const PolicyInput& x) { return value(x.obs); }

MaskedCategorical ActorCriticImpl::policy(const PolicyInput& x) { return policy(x.obs, x.mask); }

nlohmann::json ActorCriticImpl::describe() const {
  return {{"kind", kMlpPolicy},
          {"num_features", num_features},
          {"num_acts", num_acts},
          {"num_act_features", 0},
          {"hidden", hidden}};
}

PolicyNet make_policy(const std::string& kind, int f, int a, int k, int h, const ScorerArgs& s) {
  if (kind == kMlpPolicy) return ActorCritic(f, a, h).ptr();
  if (kind == kActScoringPolicy) {
    if (k < 1) {
      throw InvalidOption("policy = 'act-scoring' needs act features; this task has K = " +
                          std::to_string(k) + " (expected K >= 1, or policy mlp)");
    }
    return ActScoring(f, k, h, a, s).ptr();
  }
  throw InvalidOption("policy = '" + kind + "': expected one of mlp, act-scoring");
}

PolicyNet make_policy(const nlohmann::json& n) {
  const std::string kind = n.value("kind", std::string(kMlpPolicy));
  const int f = n.at("num_features").get<int>(), h = n.at("hidden").get<int>();
  if (kind == kActScoringPolicy) {
    ScorerArgs s;
    s.scorer = n.value("scorer", std::string(kMlpScorer));  // before "scorer": the first scorer
    s.act_hidden = n.value("act_hidden", s.act_hidden);
    return make_policy(kind, f, n.value("num_acts", 0), n.at("num_act_features").get<int>(), h, s);
  }
  return make_policy(kind, f, n.at("num_acts").get<int>(), 0, h);
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

void configure_cpu_for_training(int threads) {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  torch::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (void* fn = dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) {
    reinterpret_cast<SetThreads>(fn)(1);
  }
}

void save_checkpoint(const PolicyNet& net, const std::string& path, const nlohmann::json& sidecar) {
  try {
    torch::save(std::static_pointer_cast<torch::nn::Module>(net), path);
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
  try {
    (void)c.meta.at("task").at("id").get<std::string>();
    (void)c.meta.at("feature_names").get<std::vector<std::string>>();
    (void)c.meta.at("act_names").get<std::vector<std::string>>();
    if (c.meta.at("network").value("kind", std::string(kMlpPolicy)) == kActScoringPolicy) {
      (void)c.meta.at("act_feature_names").get<std::vector<std::string>>();
    }
    c.net = make_policy(c.meta.at("network"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(side + ": not a CollabGym checkpoint sidecar (" + e.what() +
                "); expected network{kind,num_features,num_acts,num_act_features,hidden}, "
                "task.id, feature_names, act_names (and act_feature_names for act-scoring)");
  } catch (const InvalidOption& e) {
    throw Error(side + ": " + e.what());
  }
  try {
    torch::load(c.net, c.path);
  } catch (const c10::Error& e) {
    throw Error("cannot load checkpoint " + c.path + " (network " + c.meta.at("network").dump() +
                "): " + e.what_without_backtrace());
  }
  c.net->to(torch::kCPU);
  c.net->eval();
  return c;
}

}  // namespace collab::learners::detail
