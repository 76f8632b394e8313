// Adam and gradient-norm clipping over all of a network's parameters at once.
//
// The networks here are small (a few hundred thousand weights in a dozen tensors), so a PPO
// minibatch on the CPU is bound by how many tensor operations it dispatches, not by arithmetic:
// torch::optim::Adam runs ~8 operations per parameter tensor and clip_grad_norm_ two more, over
// half of a minibatch's operations. FlatAdam moves every parameter into one contiguous buffer
// (each parameter becomes a view of its slice) and points every gradient at a slice of a second
// buffer, which autograd then accumulates into in place; the update is then a handful of
// operations on two flat tensors, whatever the tensor count. The arithmetic is torch's Adam
// (Kingma & Ba 2015, with bias correction; no weight decay, no AMSGrad) and torch's
// clip_grad_norm_ (L2 norm, coefficient max_norm / (norm + 1e-6) clamped to 1).
//
// Lifetime: construct after the network is on its device and before training; call release()
// before saving the network (each parameter gets its own storage back, so a checkpoint holds
// exactly its tensors). Nothing else may replace the parameters' data or gradients meanwhile.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace collab::learners::detail {

class FlatAdam {
 public:
  FlatAdam(std::vector<torch::Tensor> params, double lr, double beta1 = 0.9, double beta2 = 0.999,
           double eps = 1e-8);

  void set_lr(double lr) { lr_ = lr; }
  double lr() const { return lr_; }
  // Zeroes every gradient (one fill of the flat buffer).
  void zero_grad();
  // Scales the gradients so that their joint L2 norm is at most max_norm; returns the norm before
  // scaling as a 0-dim tensor (no device sync).
  torch::Tensor clip_grad_norm(double max_norm);
  // One Adam step on every parameter.
  void step();
  // Gives each parameter its own storage again and detaches the gradient buffer. The optimiser
  // must not be used afterwards.
  void release();

  int64_t numel() const { return params_flat_.numel(); }
  int64_t steps() const { return step_; }
  const torch::Tensor& params_flat() const { return params_flat_; }
  const torch::Tensor& grads_flat() const { return grads_flat_; }

 private:
  std::vector<torch::Tensor> params_;
  torch::Tensor params_flat_, grads_flat_, exp_avg_, exp_avg_sq_;
  double lr_, beta1_, beta2_, eps_;
  int64_t step_ = 0;
  bool released_ = false;
};

}  // namespace collab::learners::detail
