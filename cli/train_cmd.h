// `collabgym train`: a bundled learner on one task (learners/, loaded on demand), its seed sweep as
// Slurm job files (--emit-slurm) and `train summary`, the table over a sweep's seeds
// (docs/learners.md "Seed sweeps"). main.cpp adds the subcommand and calls cmd_train.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "env/registry.h"

namespace collab::cli {

struct TrainArgs {
  EnvArgs env;
  std::string algo = "ppo";
  int64_t total_steps = 100000;
  int num_envs = 16;
  int threads = 1;
  std::string seed = "0";
  std::string device = "auto";
  std::string out;
  bool force = false;
  std::optional<double> learning_rate, gamma;
  std::string ppo_json;
  bool self_rollouts = false;
  std::string policy = "auto";
  // --emit-slurm: a seed sweep's job files instead of training
  std::string emit_slurm;
  std::string slurm_seeds;  // "1,2,3"
  std::vector<std::string> slurm_sbatch;
  int eval_episodes = 300;
  std::string eval_split = "test";
  std::string eval_seed = "100000";
  // summary
  CLI::App* summary = nullptr;
  std::vector<std::string> summary_dirs;
  bool summary_json = false;
};

// Adds `train` (and `train summary`) to `app`; returns the subcommand.
CLI::App* add_train_command(CLI::App& app, TrainArgs& args);

// Runs the chosen form. Bad flag values throw collab::InvalidOption or UsageError (exit code 2).
int cmd_train(const Registry& reg, const TrainArgs& a);

}  // namespace collab::cli
