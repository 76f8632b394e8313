#include "learners/flat_adam.h"

#include <cmath>
#include <string>

#include "env/error.h"

namespace collab::learners::detail {

FlatAdam::FlatAdam(std::vector<torch::Tensor> params, double lr, double beta1, double beta2,
                   double eps)
    : params_(std::move(params)), lr_(lr), beta1_(beta1), beta2_(beta2), eps_(eps) {
  COLLAB_CHECK(!params_.empty());
  const torch::TensorOptions opts = params_.front().options().requires_grad(false);
  int64_t total = 0;
  for (const auto& p : params_) {
    if (p.scalar_type() != opts.dtype().toScalarType() || p.device() != opts.device()) {
      throw Error("FlatAdam: every parameter must share one dtype and device; got " +
                  std::string(c10::toString(p.scalar_type())) + " on " + p.device().str() +
                  " beside " + std::string(c10::toString(opts.dtype().toScalarType())) + " on " +
                  opts.device().str());
    }
    total += p.numel();
  }
  params_flat_ = torch::empty({total}, opts);
  grads_flat_ = torch::zeros({total}, opts);
  exp_avg_ = torch::zeros({total}, opts);
  exp_avg_sq_ = torch::zeros({total}, opts);
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& p : params_) {
    const int64_t n = p.numel();
    torch::Tensor slot = params_flat_.narrow(0, offset, n);
    slot.copy_(p.detach().reshape({n}));
    p.set_data(slot.view(p.sizes()));
    // Autograd adds into a defined gradient in place (first-order backward), so every backward
    // pass writes straight into grads_flat_.
    p.mutable_grad() = grads_flat_.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
}

void FlatAdam::zero_grad() { grads_flat_.zero_(); }

torch::Tensor FlatAdam::clip_grad_norm(double max_norm) {
  torch::NoGradGuard no_grad;
  const torch::Tensor norm = grads_flat_.norm(2);
  grads_flat_.mul_((max_norm / (norm + 1e-6)).clamp_max(1.0));
  return norm;
}

void FlatAdam::step() {
  COLLAB_CHECK(!released_);
  torch::NoGradGuard no_grad;
  ++step_;
  const double bias1 = 1 - std::pow(beta1_, static_cast<double>(step_));
  const double bias2 = 1 - std::pow(beta2_, static_cast<double>(step_));
  exp_avg_.mul_(beta1_).add_(grads_flat_, 1 - beta1_);
  exp_avg_sq_.mul_(beta2_).addcmul_(grads_flat_, grads_flat_, 1 - beta2_);
  const torch::Tensor denom = (exp_avg_sq_.sqrt() / std::sqrt(bias2)).add_(eps_);
  params_flat_.addcdiv_(exp_avg_, denom, -lr_ / bias1);
}

void FlatAdam::release() {
  if (released_) return;
  released_ = true;
  torch::NoGradGuard no_grad;
  for (auto& p : params_) {
    p.set_data(p.detach().clone());
    p.mutable_grad() = torch::Tensor();
  }
}

}  // namespace collab::learners::detail
