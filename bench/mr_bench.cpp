// The cost of an MR step against a plain step (issue: MR engine benchmark). Not a test.
//
// For each registered task and rollout policy: the expert's actions are recorded, then replayed
//  (a) with reward=terminal                → "plain": one env step;
//  (b) the rollout policy choosing an act  → "policy": one decision, timed alone;
//  (c) with reward=mr (S=3, w=2)           → "MR step".
// The floor is what MR must do at least: S·w rollout turns, each a policy decision plus a plain
// step, plus the real step — S·(2w+1) simulated messages. ratio = MR / (S·w·(policy + plain) +
// plain); the target is ≤ 1.3 (cloning and scoring add at most 30% over the turns themselves).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "bench/bench_util.h"
#include "tasks/register_all.h"

namespace {

using collab::Action;
using collab::Env;
using collab::bench::Clock;
using collab::bench::median;

struct Episode {
  uint64_t seed;
  std::vector<int32_t> acts;
};

// Median ns per step of replaying `eps` on `env`.
double time_steps(Env& env, const std::vector<Episode>& eps, int repeats) {
  std::vector<double> per_step;
  for (int r = 0; r < repeats; ++r) {
    for (const auto& e : eps) {
      env.reset(e.seed);
      const auto t0 = Clock::now();
      for (int32_t a : e.acts) {
        auto res = env.step(Action::from_act(a));
        asm volatile("" : : "r"(&res) : "memory");
      }
      per_step.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() /
                         static_cast<double>(e.acts.size()));
    }
  }
  return median(per_step);
}

// Median ns of one rollout-policy decision over the states the episodes pass through.
double time_policy(Env& env, const std::vector<Episode>& eps, const std::string& policy) {
  auto agent = collab::agents::make_agent(policy);
  std::vector<double> v;
  for (const auto& e : eps) {
    collab::Observation obs = env.reset(e.seed).obs;
    for (int32_t a : e.acts) {
      collab::Rng rng(e.seed);
      const auto t0 = Clock::now();
      auto chosen = collab::agents::decide(*agent, env, obs, rng);
      v.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
      asm volatile("" : : "r"(&chosen) : "memory");
      obs = env.step(Action::from_act(a)).obs;
    }
  }
  return median(v);
}

}  // namespace

int main(int argc, char** argv) {
  const int episodes = argc > 1 ? std::atoi(argv[1]) : 100;
  const auto& reg = collab::tasks::builtin_registry();
  fmt::print(
      "MR step cost vs a plain step; S=3, w=2 (floor S(2w+1) = 15 simulated messages); "
      "{} expert episodes per row, medians\n\n",
      episodes);
  fmt::print("{:<22} {:<8} {:>10} {:>10} {:>11} {:>11} {:>9} {:>7}\n", "task", "rollout",
             "plain ns", "policy ns", "floor ns", "MR step ns", "MR/plain", "ratio");
  for (const auto& id : reg.ids()) {
    Env rec = reg.make(id, {{"reward", "terminal"}, {"split", "all"}});
    auto expert = collab::agents::make_agent("expert");
    std::vector<Episode> eps;
    for (int i = 0; i < episodes; ++i) {
      Episode e{static_cast<uint64_t>(500 + i), {}};
      collab::agents::play_episode(rec, *expert, e.seed, nlohmann::json::object(), nullptr,
                                   &e.acts);
      eps.push_back(std::move(e));
    }
    const double plain = time_steps(rec, eps, 5);
    for (const std::string policy : {"expert", "random"}) {
      Env mr = reg.make(id, {{"reward", "mr"}, {"split", "all"}, {"rollout_policy", policy}});
      const double policy_ns = time_policy(rec, eps, policy);
      const double mr_ns = time_steps(mr, eps, 2);
      const int s = mr.reward_config().samples, w = mr.reward_config().window;
      const double floor = s * w * (policy_ns + plain) + plain;
      fmt::print("{:<22} {:<8} {:>10.0f} {:>10.0f} {:>11.0f} {:>11.0f} {:>8.1f}x {:>6.2f}x\n", id,
                 policy, plain, policy_ns, floor, mr_ns, mr_ns / plain, mr_ns / floor);
    }
  }
  fmt::print(
      "\nratio = MR step / floor; target <= 1.30. Rollouts stop early when a sampled future "
      "ends, so a ratio below 1 is possible.\n");
  return 0;
}
