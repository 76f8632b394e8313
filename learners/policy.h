// The actor-critic network, the masked categorical distribution and checkpoint I/O (torch).
// Internal to collab::learners: include only from files that include neither fmt nor spdlog.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

namespace collab::learners::detail {

// Logit given to masked acts: large and negative but finite, so that softmax gives them
// probability 0 while log-probabilities, entropy and gradients stay finite (-inf would give NaN).
inline constexpr float kMaskedLogit = -1e8f;

// A categorical distribution over logits where mask == 0 acts are excluded. A row with no legal act
// (the last observation of a finished episode, whose act VectorEnv ignores) is uniform.
class MaskedCategorical {
 public:
  // logits [B, A] float; mask [B, A] (any dtype; nonzero = legal).
  MaskedCategorical(const torch::Tensor& logits, const torch::Tensor& mask);
  torch::Tensor sample() const;                             // [B] int64, never a masked act
  torch::Tensor mode() const;                               // [B] int64 argmax over legal acts
  torch::Tensor log_prob(const torch::Tensor& acts) const;  // [B]
  torch::Tensor entropy() const;                            // [B]
  const torch::Tensor& logits() const { return logits_; }   // masked, normalised (log-probs)

 private:
  torch::Tensor logits_;
};

// Two MLPs (CleanRL's layout): actor features -> hidden -> hidden -> acts (logits) and critic
// features -> hidden -> hidden -> 1, tanh activations, orthogonal initialisation.
struct ActorCriticImpl : torch::nn::Module {
  ActorCriticImpl(int num_features, int num_acts, int hidden);
  torch::Tensor value(const torch::Tensor& obs);  // [B]
  MaskedCategorical policy(const torch::Tensor& obs, const torch::Tensor& mask);

  int num_features, num_acts, hidden;
  torch::nn::Sequential actor{nullptr}, critic{nullptr};
};
TORCH_MODULE(ActorCritic);

// "auto" -> cuda if available, else cpu; "cpu"; "cuda" (throws InvalidOption without CUDA).
// Anything else throws InvalidOption naming the value and the choices.
torch::Device resolve_device(const std::string& device);

// CPU threading for training: torch::set_num_threads(threads), and OpenBLAS's own thread pool (when
// the process has OpenBLAS) set to 1: its threads fight libtorch's OpenMP threads for the cores
// (measured here: updates 3-4x slower at 2 threads). Process-wide, like torch's setting.
void set_cpu_threads(int threads);

// Writes `path` (torch::save of the module) and its JSON sidecar (output.h: sidecar_path).
void save_checkpoint(ActorCritic& net, const std::string& path, const nlohmann::json& sidecar);

// A loaded checkpoint: the network on the CPU, in eval mode, and its sidecar.
struct Checkpoint {
  ActorCritic net{nullptr};
  nlohmann::json meta;
  std::string path;
};
// `dir_or_file`: a training out_dir or a checkpoint file. Throws Error naming what is wrong.
Checkpoint load_checkpoint(const std::string& dir_or_file);

}  // namespace collab::learners::detail
