// FlatAdam: the same steps as torch::optim::Adam and torch's clip_grad_norm_, with every
// parameter a view of one buffer while it lives and its own tensor again after release().
#include "learners/flat_adam.h"

#include <gtest/gtest.h>

#include "learners/policy.h"

namespace {

using collab::learners::detail::FlatAdam;
using collab::learners::detail::tanh_mlp;

// A loss over a small MLP, so that gradients reach every parameter tensor.
torch::Tensor loss_of(torch::nn::Sequential& net, const torch::Tensor& x, const torch::Tensor& y) {
  return (net->forward(x) - y).pow(2).mean();
}

void copy_params(torch::nn::Sequential& from, torch::nn::Sequential& to) {
  torch::NoGradGuard no_grad;
  auto a = from->parameters(), b = to->parameters();
  for (size_t i = 0; i < a.size(); ++i) b[i].copy_(a[i]);
}

TEST(FlatAdam, StepsAsTorchAdamWithClipping) {
  torch::manual_seed(3);
  auto ref = tanh_mlp(5, 16, 3, 1.0);
  auto flat = tanh_mlp(5, 16, 3, 1.0);
  copy_params(ref, flat);
  torch::optim::Adam adam(ref->parameters(), torch::optim::AdamOptions(3e-3).eps(1e-5));
  FlatAdam fadam(flat->parameters(), 3e-3, 0.9, 0.999, 1e-5);
  EXPECT_EQ(fadam.numel(), 5 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3);
  for (int it = 0; it < 25; ++it) {
    // Large targets early (the clip binds), small later (it does not).
    const torch::Tensor x = torch::randn({32, 5});
    const torch::Tensor y = torch::randn({32, 3}) * (it < 10 ? 50.0 : 0.1);
    for (double lr : {3e-3 * (1 - it / 50.0)}) {
      static_cast<torch::optim::AdamOptions&>(adam.param_groups()[0].options()).lr(lr);
      fadam.set_lr(lr);
    }
    adam.zero_grad();
    loss_of(ref, x, y).backward();
    const double ref_norm = torch::nn::utils::clip_grad_norm_(ref->parameters(), 0.5);
    adam.step();
    fadam.zero_grad();
    loss_of(flat, x, y).backward();
    const double norm = fadam.clip_grad_norm(0.5).item<double>();
    fadam.step();
    EXPECT_NEAR(norm, ref_norm, 1e-4 * std::max(1.0, ref_norm)) << "iteration " << it;
    auto a = ref->parameters(), b = flat->parameters();
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6)) << "iteration " << it << ", param " << i;
  }
  EXPECT_EQ(fadam.steps(), 25);
}

TEST(FlatAdam, ParametersAndGradientsAreViewsUntilReleased) {
  auto net = tanh_mlp(4, 8, 2, 1.0);
  FlatAdam opt(net->parameters(), 1e-2);
  const auto* base = opt.params_flat().data_ptr<float>();
  const auto* gbase = opt.grads_flat().data_ptr<float>();
  int64_t offset = 0;
  for (const auto& p : net->parameters()) {
    EXPECT_EQ(p.data_ptr<float>(), base + offset);
    EXPECT_EQ(p.grad().data_ptr<float>(), gbase + offset);
    EXPECT_TRUE(p.is_leaf());
    EXPECT_TRUE(p.requires_grad());
    offset += p.numel();
  }
  // Backward accumulates into the flat buffer in place; zero_grad clears it.
  loss_of(net, torch::randn({6, 4}), torch::randn({6, 2})).backward();
  EXPECT_GT(opt.grads_flat().abs().sum().item<double>(), 0);
  EXPECT_EQ(net->parameters()[0].grad().data_ptr<float>(), gbase);
  opt.zero_grad();
  EXPECT_EQ(opt.grads_flat().abs().sum().item<double>(), 0);

  const std::vector<torch::Tensor> before = [&] {
    std::vector<torch::Tensor> v;
    for (const auto& p : net->parameters()) v.push_back(p.detach().clone());
    return v;
  }();
  opt.release();
  auto params = net->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_NE(params[i].data_ptr<float>(), base);
    EXPECT_EQ(params[i].storage().nbytes(), static_cast<size_t>(params[i].numel()) * sizeof(float))
        << "param " << i << " still shares a larger storage";
    EXPECT_TRUE(torch::equal(params[i], before[i]));
    EXPECT_FALSE(params[i].grad().defined());
  }
  // Still trainable by anything else.
  loss_of(net, torch::randn({6, 4}), torch::randn({6, 2})).backward();
  EXPECT_TRUE(net->parameters()[0].grad().defined());
}

TEST(FlatAdam, MixedDtypesAreRefusedByName) {
  auto a = torch::zeros({3}, torch::requires_grad());
  auto b = torch::zeros({3}, torch::TensorOptions().dtype(torch::kFloat64).requires_grad(true));
  try {
    FlatAdam opt({a, b}, 1e-3);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("Double"), std::string::npos) << e.what();
  }
}

}  // namespace
