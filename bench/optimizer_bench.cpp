// PPO's optimiser step: torch::optim::Adam + clip_grad_norm_ against FlatAdam (learners/
// flat_adam.h), side by side in alternating blocks, on the networks PPO trains (issue 9:
// training throughput). Not a test: prints a table.
//
// For each network (PPO's MLP actor-critic and the act-scoring network, 20 Questions v1 small
// sizes: F = 119, A = 74, K = 8, hidden 128) and minibatch of 128 rows: the optimiser alone
// (zero_grad, clip, step) and a whole minibatch (forward, loss, backward and the optimiser), in
// microseconds (medians), and the ratio.
//
//   collab_bench_optimizer [ROUNDS]   (default 2000 per block set)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "learners/flat_adam.h"
#include "learners/policy.h"

namespace {

using collab::bench::Clock;
using collab::bench::median;
using namespace collab::learners::detail;

struct Batch {
  PolicyInput x;
  torch::Tensor acts, ret;
};

Batch make_batch(int b, int f, int a, int k) {
  Batch out;
  const torch::Tensor mask = (torch::rand({b, a}) < 0.7).to(torch::kUInt8);
  mask.select(1, 0).fill_(1);  // at least one legal act per row
  out.x = {torch::randn({b, f}), torch::randn({b, a, k}), mask};
  out.acts = torch::zeros({b}, torch::kInt64);
  out.ret = torch::randn({b});
  return out;
}

torch::Tensor loss_of(PolicyNet& net, const Batch& m) {
  const MaskedCategorical pi = net->policy(m.x);
  return -pi.log_prob(m.acts).mean() - 0.01 * pi.entropy().mean() +
         0.5 * (net->value(m.x) - m.ret).pow(2).mean();
}

struct Times {
  std::vector<double> opt, whole;
};

// One block of `rounds` minibatches; `step` runs zero_grad, clip and step.
template <typename Step>
void block(PolicyNet& net, const Batch& m, int rounds, Step step, Times& t) {
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = Clock::now();
    const torch::Tensor loss = loss_of(net, m);
    const auto t1 = Clock::now();
    loss.backward();
    const auto t2 = Clock::now();
    step();
    const auto t3 = Clock::now();
    t.opt.push_back(std::chrono::duration<double, std::micro>(t3 - t2).count());
    t.whole.push_back(std::chrono::duration<double, std::micro>(t3 - t0).count());
    (void)t1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 2000;
  configure_cpu_for_training(1);
  torch::manual_seed(1);
  const int F = 119, A = 74, K = 8, H = 128, B = 128;
  const Batch m = make_batch(B, F, A, K);
  std::printf(
      "PPO optimiser step, CPU, 1 thread, minibatch %d, F = %d, A = %d, K = %d, hidden %d;\n"
      "medians over %d minibatches each, in 10 alternating blocks\n\n",
      B, F, A, K, H, rounds);
  std::printf("| network | parameters | tensors | optimiser: torch Adam + clip | FlatAdam | ratio "
              "| minibatch: torch | FlatAdam | ratio |\n|---|---|---|---|---|---|---|---|---|\n");
  for (const std::string kind : {kMlpPolicy, kActScoringPolicy}) {
    const int k = kind == kActScoringPolicy ? K : 0;
    PolicyNet torch_net = make_policy(kind, F, A, k, H);
    PolicyNet flat_net = make_policy(kind, F, A, k, H);
    torch::optim::Adam adam(torch_net->parameters(), torch::optim::AdamOptions(1e-4).eps(1e-5));
    FlatAdam flat(flat_net->parameters(), 1e-4, 0.9, 0.999, 1e-5);
    Times a, b;
    const int per = std::max(1, rounds / 10);
    for (int blk = 0; blk < 10; ++blk) {
      block(torch_net, m, per, [&] {
        torch::nn::utils::clip_grad_norm_(torch_net->parameters(), 0.5);
        adam.step();
        adam.zero_grad();
      }, a);
      block(flat_net, m, per, [&] {
        flat.clip_grad_norm(0.5);
        flat.step();
        flat.zero_grad();
      }, b);
    }
    std::printf("| %s | %lld | %zu | %.1f us | %.1f us | %.2fx | %.0f us | %.0f us | %.2fx |\n",
                kind.c_str(), static_cast<long long>(flat.numel()),
                flat_net->parameters().size(), median(a.opt), median(b.opt),
                median(a.opt) / median(b.opt), median(a.whole), median(b.whole),
                median(a.whole) / median(b.whole));
  }
  return 0;
}
