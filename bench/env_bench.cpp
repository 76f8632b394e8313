// In-process stepping speed (issue: foundation benchmark). Not a test: prints figures.
//
// Method: the agents' actions are recorded first (expert and random, many episodes); the
// environment is then timed replaying those actions, so agent cost and environment cost are
// measured apart, side by side in one run. Each figure is the median over episodes of (time of the
// episode's steps / steps); reset is outside the timed block. Reward mode "terminal" (no MR
// lookahead; see mr_bench for MR's cost).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "bench/bench_util.h"
#include "env/vector_env.h"
#include "tasks/register_all.h"

// Counts heap allocations, so the bench can report how many one VectorEnv step makes. Counting is
// switched on only for that measurement (one thread): a counter every thread increments would be
// one cache line bouncing between cores and would itself spoil the 2-thread figures.
// (GCC cannot see that the replaced operator new below is malloc, hence the pragma.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<uint64_t> g_allocations{0};
static std::atomic<bool> g_count_allocations{false};
void* operator new(std::size_t n) {
  if (g_count_allocations.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using collab::Action;
using collab::Env;
using collab::bench::Clock;
using collab::bench::median;

struct Recorded {
  uint64_t seed;
  std::vector<int32_t> acts;
};

std::vector<Recorded> record(Env& env, collab::agents::Agent& agent, int episodes) {
  std::vector<Recorded> out;
  for (int i = 0; i < episodes; ++i) {
    Recorded r{static_cast<uint64_t>(1000 + i), {}};
    collab::agents::play_episode(env, agent, r.seed, nlohmann::json::object(), nullptr, &r.acts);
    out.push_back(std::move(r));
  }
  return out;
}

// Median ns per step over episodes; `mode`: 0 act, 1 text, 2 advance (act, no obs/reward).
double time_env(Env& env, const std::vector<Recorded>& eps, int mode, int repeats) {
  std::vector<std::vector<std::string>> texts;
  for (const auto& e : eps) {  // each act's text form in the state it is said in
    std::vector<std::string> t;
    env.reset(e.seed);
    for (int32_t a : e.acts) {
      t.push_back(env.episode().render(a, env.episode().compose(a)));
      env.advance(Action::from_act(a));
    }
    texts.push_back(std::move(t));
  }
  std::vector<double> per_step;
  for (int rep = 0; rep < repeats; ++rep) {
    for (size_t i = 0; i < eps.size(); ++i) {
      env.reset(eps[i].seed);
      const auto& acts = eps[i].acts;
      const auto t0 = Clock::now();
      for (size_t k = 0; k < acts.size(); ++k) {
        if (mode == 0) {
          auto r = env.step(Action::from_act(acts[k]));
          asm volatile("" : : "r"(&r) : "memory");
        } else if (mode == 1) {
          auto r = env.step(Action{texts[i][k], std::nullopt});
          asm volatile("" : : "r"(&r) : "memory");
        } else {
          auto s = env.advance(Action::from_act(acts[k]));
          asm volatile("" : : "r"(&s) : "memory");
        }
      }
      const auto t1 = Clock::now();
      per_step.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() /
                         static_cast<double>(acts.size()));
    }
  }
  return median(per_step);
}

double time_agent(Env& env, collab::agents::Agent& agent, const std::vector<Recorded>& eps) {
  std::vector<double> per_call;
  for (const auto& e : eps) {
    collab::Observation obs = env.reset(e.seed).obs;
    for (int32_t a : e.acts) {
      collab::Rng rng = collab::agents::policy_rng(env);
      const auto t0 = Clock::now();
      auto chosen = collab::agents::decide(agent, env, obs, rng);
      const auto t1 = Clock::now();
      asm volatile("" : : "r"(&chosen) : "memory");
      per_call.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
      obs = env.step(Action::from_act(a)).obs;
    }
  }
  return median(per_call);
}

double time_clone(Env& env, const std::vector<Recorded>& eps) {
  std::vector<double> v;
  for (const auto& e : eps) {
    env.reset(e.seed);
    env.step(Action::from_act(e.acts[0]));
    if (env.done()) continue;
    const auto t0 = Clock::now();
    for (int k = 0; k < 100; ++k) {
      Env c = env.clone();
      asm volatile("" : : "r"(&c) : "memory");
    }
    v.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / 100);
  }
  return median(v);
}

// VectorEnv steps/s (env-steps, all environments together) with random legal acts chosen on the
// calling thread (outside the timed block). When `allocs_per_step` is given, also the heap
// allocations per env-step inside VectorEnv::step.
double vector_steps_per_second(const Env& proto, int num_envs, int threads, int rounds,
                               double* allocs_per_step = nullptr) {
  g_count_allocations.store(allocs_per_step != nullptr);
  collab::VectorEnv v(proto, num_envs, threads);
  const collab::VectorBatch* b = &v.reset(7);
  collab::Rng rng(3);
  std::vector<int32_t> acts(static_cast<size_t>(num_envs));
  double busy = 0;
  uint64_t allocs = 0;
  std::vector<int32_t> legal;
  legal.reserve(static_cast<size_t>(b->num_acts));
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < num_envs; ++i) {
      const uint8_t* mask = &b->masks[static_cast<size_t>(i * b->num_acts)];
      legal.clear();
      for (int a = 0; a < b->num_acts; ++a) {
        if (mask[a]) legal.push_back(a);
      }
      acts[static_cast<size_t>(i)] = legal[rng.below(legal.size())];
    }
    const uint64_t a0 = g_allocations.load();
    const auto t0 = Clock::now();
    b = &v.step(acts);
    busy += std::chrono::duration<double>(Clock::now() - t0).count();
    allocs += g_allocations.load() - a0;
  }
  g_count_allocations.store(false);
  if (allocs_per_step) *allocs_per_step = static_cast<double>(allocs) / (num_envs * rounds);
  return num_envs * rounds / busy;
}

// 1 thread against 2, alternated `pairs` times so that both see the same machine (a shared VM's
// speed drifts by 2x over seconds): the medians of each and of the per-pair ratio.
struct Scaling {
  double one = 0, two = 0, ratio = 0;
};
Scaling thread_scaling(const Env& proto, int num_envs, int rounds, int pairs = 5) {
  std::vector<double> ones, twos, ratios;
  for (int p = 0; p < pairs; ++p) {
    ones.push_back(vector_steps_per_second(proto, num_envs, 1, rounds));
    twos.push_back(vector_steps_per_second(proto, num_envs, 2, rounds));
    ratios.push_back(twos.back() / ones.back());
  }
  return {median(ones), median(twos), median(ratios)};
}

}  // namespace

int main(int argc, char** argv) {
  const int episodes = argc > 1 ? std::atoi(argv[1]) : 400;
  const auto& reg = collab::tasks::builtin_registry();
  Env env = reg.make("twenty_questions-v0", {{"reward", "terminal"}, {"split", "all"}});
  auto expert = collab::agents::make_agent("expert");
  auto random = collab::agents::make_agent("random");
  const auto ex = record(env, *expert, episodes);
  const auto rd = record(env, *random, episodes);
  size_t ex_steps = 0, rd_steps = 0;
  for (const auto& e : ex) ex_steps += e.acts.size();
  for (const auto& e : rd) rd_steps += e.acts.size();

  fmt::print(
      "twenty_questions-v0 in-process, reward=terminal, {} episodes per row "
      "(expert {:.1f} steps/episode, random {:.1f})\n\n",
      episodes, double(ex_steps) / episodes, double(rd_steps) / episodes);
  fmt::print("{:<44} {:>12} {:>14}\n", "measure", "median ns", "per second");
  auto row = [](const std::string& name, double ns) {
    fmt::print("{:<44} {:>12.0f} {:>14.0f}\n", name, ns, 1e9 / ns);
  };
  const double act_ex = time_env(env, ex, 0, 5);
  const double act_rd = time_env(env, rd, 0, 5);
  const double txt_ex = time_env(env, ex, 1, 5);
  const double txt_rd = time_env(env, rd, 1, 5);
  row("env step, act mode (expert's actions)", act_ex);
  row("env step, act mode (random's actions)", act_rd);
  row("env step, text mode (expert's actions)", txt_ex);
  row("env step, text mode (random's actions)", txt_rd);
  row("env advance, act (no obs/reward; expert's)", time_env(env, ex, 2, 5));
  row("env clone (mid-episode)", time_clone(env, ex));
  row("agent expert: choose an act", time_agent(env, *expert, ex));
  row("agent random: choose an act", time_agent(env, *random, rd));
  fmt::print(
      "\ntargets: act-mode step <= 1000 ns: {} ({:.0f} ns)   text-mode step <= 10000 ns: {} "
      "({:.0f} ns)\n",
      std::max(act_ex, act_rd) <= 1000 ? "met" : "NOT met", std::max(act_ex, act_rd),
      std::max(txt_ex, txt_rd) <= 10000 ? "met" : "NOT met", std::max(txt_ex, txt_rd));

  fmt::print(
      "\nVectorEnv (64 environments, random legal acts; env-steps/s, all environments together;\n"
      "medians of 5 alternated 1-thread/2-thread pairs, scaling = median of the pair ratios)\n");
  fmt::print("{:<30} {:>12} {:>12} {:>9} {:>12}\n", "task, reward", "1 thread", "2 threads",
             "scaling", "allocs/step");
  double terminal64 = 0;
  for (const char* id : {"twenty_questions-v0", "twenty_questions-v1", "guess_number-v0"}) {
    for (const char* mode : {"terminal", "mr"}) {
      const Env proto = reg.make(id, {{"reward", mode}, {"split", "all"}});
      const int rounds = std::string(mode) == "mr" ? 40 : 1000;
      double allocs = 0;
      vector_steps_per_second(proto, 64, 1, rounds / 4, &allocs);
      const Scaling sc = thread_scaling(proto, 64, rounds);
      if (std::string(id) == "twenty_questions-v0" && std::string(mode) == "terminal")
        terminal64 = sc.ratio;
      fmt::print("{:<30} {:>12.0f} {:>12.0f} {:>8.2f}x {:>12.2f}\n",
                 fmt::format("{}, {}", id, mode), sc.one, sc.two, sc.ratio, allocs);
    }
  }
  fmt::print("\nVectorEnv scaling with the batch (twenty_questions-v0, terminal)\n");
  fmt::print("{:<30} {:>12} {:>12} {:>9}\n", "environments", "1 thread", "2 threads", "scaling");
  {
    const Env proto = reg.make("twenty_questions-v0", {{"reward", "terminal"}, {"split", "all"}});
    for (int n : {16, 64, 256}) {
      const Scaling sc = thread_scaling(proto, n, 64'000 / n);
      fmt::print("{:<30} {:>12.0f} {:>12.0f} {:>8.2f}x\n", n, sc.one, sc.two, sc.ratio);
    }
  }
  fmt::print("\ntarget: 64 environments, terminal, 2 threads / 1 thread >= 1.7x: {} ({:.2f}x)\n",
             terminal64 >= 1.7 ? "met" : "NOT met", terminal64);
  fmt::print(
      "twenty_questions-v1 = v0 + act features (a posterior over the catalog every step).\n"
      "allocs/step: heap allocations inside VectorEnv::step per env-step (1 thread), from the\n"
      "user's reply text, the act's rendering and, for MR, the cloned futures; observations are\n"
      "written into the batch in place.\n");
  return 0;
}
