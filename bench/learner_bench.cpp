// End-to-end learner throughput (issue: learners). Not a test: prints a table.
//
// Method: PPO trains on 20 Questions (small catalog; terminal and mr rewards; 16 environments;
// CleanRL's default update: 4 epochs x 4 minibatches) for a fixed budget of environment steps, once
// per thread count, side by side in one run. steps/s counts environment steps (all environments
// together) over the whole run; "collect" is stepping the environments and sampling acts, "update"
// is GAE plus the gradient updates. No files are written.
//
//   collab_bench_learner [--device cpu|cuda|auto] [--steps N] [--num-envs N] [--threads 1,2]
//                        [--reward terminal,mr]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "env/scenario.h"
#include "learners/learners.h"
#include "tasks/register_all.h"

int main(int argc, char** argv) {
  std::string device = "cpu", threads_arg = "1,2", rewards_arg = "terminal,mr";
  int64_t steps = 40960;
  int num_envs = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--device")
      device = value;
    else if (key == "--steps")
      steps = std::atoll(value.c_str());
    else if (key == "--num-envs")
      num_envs = std::atoi(value.c_str());
    else if (key == "--threads")
      threads_arg = value;
    else if (key == "--reward")
      rewards_arg = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  std::vector<int> thread_counts;
  std::stringstream ts(threads_arg);
  for (std::string t; std::getline(ts, t, ',');) thread_counts.push_back(std::atoi(t.c_str()));
  std::vector<std::string> rewards;
  std::stringstream rs(rewards_arg);
  for (std::string r; std::getline(rs, r, ',');) rewards.push_back(r);

  std::printf("PPO on twenty_questions-v0 (small.json), %lld steps, %d envs, device %s\n",
              static_cast<long long>(steps), num_envs, device.c_str());
  std::printf(
      "| device | reward | threads | steps/s | collect s | update s | collect %% | update %% |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const std::string& reward : rewards) {
    for (int threads : thread_counts) {
      collab::learners::TrainConfig cfg;
      cfg.task = "twenty_questions-v0";
      cfg.env_options = {{"scenario", collab::scenario_dir() + "/twenty_questions/small.json"},
                         {"reward", reward}};
      cfg.total_steps = steps;
      cfg.num_envs = num_envs;
      cfg.threads = threads;
      cfg.seed = 1;
      cfg.device = device;
      const auto r = collab::learners::train(collab::tasks::builtin_registry(), cfg);
      const double total = r.collect_seconds + r.update_seconds;
      std::printf("| %s | %s | %d | %.0f | %.2f | %.2f | %.0f | %.0f |\n", r.device.c_str(),
                  reward.c_str(), threads, r.steps_per_second, r.collect_seconds, r.update_seconds,
                  100 * r.collect_seconds / total, 100 * r.update_seconds / total);
    }
  }
  return 0;
}
