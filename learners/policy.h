// Policy networks (the flat MLP and the act-scoring network), the masked categorical distribution,
// device choice and checkpoint I/O (torch). Internal to collab::learners: include only from files
// that include neither fmt nor spdlog.
#pragma once

#include <torch/torch.h>

#include <memory>
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

// What a policy network sees of a batch of B observations of a task with A acts, F features and
// K act features. All on the network's device.
struct PolicyInput {
  torch::Tensor obs;           // [B, F] float32
  torch::Tensor act_features;  // [B, A, K] float32 (K may be 0; the MLP ignores it)
  torch::Tensor mask;          // [B, A] uint8, nonzero = legal
  // Optional: PolicyNetImpl::value_context(x) of these rows, computed once and reused (PPO's
  // update evaluates the same rows every epoch); undefined = computed by value() itself.
  torch::Tensor value_context = {};
};

// The network kinds, by the names TrainConfig::policy and the sidecar's network.kind use.
inline constexpr const char* kMlpPolicy = "mlp";
inline constexpr const char* kActScoringPolicy = "act-scoring";

// The act-scoring network's scorer (act_scoring.h): "factored" (the default: an act encoder of
// act_hidden units and an observation embedding, combined by a dot product) or "mlp" (the first
// scorer: a hidden x hidden layer per act).
inline constexpr const char* kFactoredScorer = "factored";
inline constexpr const char* kMlpScorer = "mlp";
struct ScorerArgs {
  std::string scorer = kFactoredScorer;
  int act_hidden = 16;  // D of the factored scorer (PpoArgs::act_hidden)
};

// An actor-critic: a masked policy over the A acts and a value, both from a PolicyInput.
struct PolicyNetImpl : torch::nn::Module {
  virtual MaskedCategorical policy(const PolicyInput& x) = 0;
  virtual torch::Tensor value(const PolicyInput& x) = 0;  // [B]
  // What value() derives from the input alone, without parameters (the act-scoring critic's
  // pooled act features), to be put in PolicyInput::value_context; undefined when there is none.
  virtual torch::Tensor value_context(const PolicyInput&) { return {}; }
  // The sidecar's "network" object: {"kind", "num_features", "num_acts", "num_act_features",
  // "hidden"}; make_policy(describe()) builds the same architecture.
  virtual nlohmann::json describe() const = 0;
  std::string kind() const { return describe().at("kind").get<std::string>(); }
};
using PolicyNet = std::shared_ptr<PolicyNetImpl>;

// The flat MLP (CleanRL's layout): actor features -> hidden -> hidden -> A logits and critic
// features -> hidden -> hidden -> 1, tanh activations, orthogonal initialisation. Tied to one act
// set: the output layer has one row per act.
struct ActorCriticImpl : PolicyNetImpl {
  ActorCriticImpl(int num_features, int num_acts, int hidden);
  MaskedCategorical policy(const PolicyInput& x) override;
  torch::Tensor value(const PolicyInput& x) override;
  nlohmann::json describe() const override;
  // Observation features only (the MLP reads neither act features nor anything else).
  MaskedCategorical policy(const torch::Tensor& obs, const torch::Tensor& mask);
  torch::Tensor value(const torch::Tensor& obs);

  int num_features, num_acts, hidden;
  torch::nn::Sequential actor{nullptr}, critic{nullptr};
};
TORCH_MODULE(ActorCritic);

// Building blocks shared by the networks: a Linear layer with orthogonal weights (`gain`) and zero
// bias, and in -> hidden -> hidden -> out with tanh between (gains sqrt 2, sqrt 2, out_gain).
torch::nn::Linear orthogonal_linear(int in, int out, double gain);
torch::nn::Sequential tanh_mlp(int in, int hidden, int out, double out_gain);

// Builds an untrained network of `kind` (kMlpPolicy or kActScoringPolicy; act_scoring.h). K and
// `scorer` are ignored by the MLP; the act-scoring network needs K >= 1. Throws InvalidOption on
// another kind or scorer.
PolicyNet make_policy(const std::string& kind, int num_features, int num_acts, int num_act_features,
                      int hidden, const ScorerArgs& scorer = {});
// From a sidecar's "network" object; a missing "kind" (sidecars before act scoring) means mlp, an
// act-scoring network without "scorer" (sidecars before the factored scorer) the "mlp" scorer.
PolicyNet make_policy(const nlohmann::json& network);

// "auto" -> cuda if available, else cpu; "cpu"; "cuda" (throws InvalidOption without CUDA).
// Anything else throws InvalidOption naming the value and the choices.
torch::Device resolve_device(const std::string& device);

// The CPU set up for training, process-wide like torch's own settings:
//  * torch::set_num_threads(threads), and OpenBLAS's own thread pool (when the process has
//    OpenBLAS) set to 1: its threads fight libtorch's OpenMP threads for the cores (measured here:
//    updates 3-4x slower at 2 threads);
//  * glibc's malloc keeps freed memory (mmap threshold fixed at 32 MiB, heap trimmed only past
//    1 GiB free): by default each minibatch's activations of a few MiB are mapped and unmapped
//    again, and re-faulting their pages made act-scoring updates ~2.5x slower.
void configure_cpu_for_training(int threads);

// Writes `path` (torch::save of the module) and its JSON sidecar (output.h: sidecar_path).
void save_checkpoint(const PolicyNet& net, const std::string& path, const nlohmann::json& sidecar);

// A loaded checkpoint: the network (of the kind its sidecar names) on the CPU, in eval mode, and
// its sidecar.
struct Checkpoint {
  PolicyNet net;
  nlohmann::json meta;
  std::string path;
};
// `dir_or_file`: a training out_dir or a checkpoint file. Throws Error naming what is wrong.
Checkpoint load_checkpoint(const std::string& dir_or_file);

}  // namespace collab::learners::detail
