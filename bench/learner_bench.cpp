// End-to-end learner throughput (issues: learners, act-scoring policy). Not a test: prints a table.
//
// Method: PPO trains on 20 Questions (small catalog, v1: 74 acts, 8 act features; CleanRL's default
// update: 4 epochs x 4 minibatches) for a fixed budget of environment steps, once per combination
// of reward mode, environment count, policy network, hidden width and thread count, side by side in
// one run.
// steps/s counts environment steps (all environments together) over the whole run; "collect" is
// stepping the environments and sampling acts, "update" is GAE plus the gradient updates. No files
// are written.
//
//   collab_bench_learner [--device cpu|cuda|auto] [--steps N] [--num-envs 16]
//                        [--policy mlp] [--threads 1,2] [--reward terminal,mr]
//                        [--hidden 128] [--task twenty_questions-v1] [--scenario PATH]
// Lists are comma-separated; the defaults are those shown. --policy takes mlp, act-scoring (its
// default, factored scorer) and act-scoring:mlp (its first scorer); "x mlp" is steps/s over the
// mlp row of the same settings earlier in the same run (list mlp first). The policies side by
// side (docs/learners.md): --reward terminal --threads 1 --policy mlp,act-scoring,act-scoring:mlp
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "env/scenario.h"
#include "learners/learners.h"
#include "tasks/register_all.h"

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string device = "cpu", threads_arg = "1,2", rewards_arg = "terminal,mr", envs_arg = "16",
              policies_arg = "mlp", hidden_arg = "128", task = "twenty_questions-v1",
              scenario = collab::scenario_dir() + "/twenty_questions/small.json";
  int64_t steps = 40960;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--device")
      device = value;
    else if (key == "--steps")
      steps = std::atoll(value.c_str());
    else if (key == "--num-envs")
      envs_arg = value;
    else if (key == "--threads")
      threads_arg = value;
    else if (key == "--reward")
      rewards_arg = value;
    else if (key == "--policy")
      policies_arg = value;
    else if (key == "--hidden")
      hidden_arg = value;
    else if (key == "--task")
      task = value;
    else if (key == "--scenario")
      scenario = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }

  std::printf("PPO on %s (%s), %lld steps, device %s\n", task.c_str(), scenario.c_str(),
              static_cast<long long>(steps), device.c_str());
  std::printf(
      "| device | reward | envs | policy | hidden | threads | steps/s | x mlp | collect s | "
      "update s | collect %% | update %% |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::map<std::string, double> mlp_rate;  // steps/s of the mlp row of the same settings
  for (const std::string& reward : split_list(rewards_arg)) {
    for (const std::string& envs : split_list(envs_arg)) {
      for (const std::string& policy : split_list(policies_arg)) {
        for (const std::string& hidden : split_list(hidden_arg)) {
          for (const std::string& threads : split_list(threads_arg)) {
            collab::learners::TrainConfig cfg;
            cfg.task = task;
            cfg.env_options = {{"reward", reward}};
            if (!scenario.empty()) cfg.env_options["scenario"] = scenario;
            cfg.total_steps = steps;
            cfg.num_envs = std::atoi(envs.c_str());
            cfg.threads = std::atoi(threads.c_str());
            cfg.seed = 1;
            cfg.device = device;
            // "act-scoring:mlp" = the act-scoring policy with its first scorer.
            const auto colon = policy.find(':');
            cfg.policy = policy.substr(0, colon);
            if (colon != std::string::npos) cfg.ppo.scorer = policy.substr(colon + 1);
            cfg.ppo.hidden = std::atoi(hidden.c_str());
            const auto r = collab::learners::train(collab::tasks::builtin_registry(), cfg);
            const double total = r.collect_seconds + r.update_seconds;
            const std::string key = reward + "/" + envs + "/" + hidden + "/" + threads;
            if (policy == "mlp") mlp_rate[key] = r.steps_per_second;
            const std::string ratio =
                mlp_rate.count(key) != 0
                    ? std::to_string(r.steps_per_second / mlp_rate[key]).substr(0, 5)
                    : "—";
            std::printf(
                "| %s | %s | %d | %s | %d | %d | %.0f | %s | %.2f | %.2f | %.0f | %.0f |\n",
                r.device.c_str(), reward.c_str(), cfg.num_envs, policy.c_str(), cfg.ppo.hidden,
                cfg.threads, r.steps_per_second, ratio.c_str(), r.collect_seconds,
                r.update_seconds, 100 * r.collect_seconds / total, 100 * r.update_seconds / total);
            std::fflush(stdout);
          }
        }
      }
    }
  }
  return 0;
}
