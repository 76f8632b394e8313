// `collabgym leaderboard`: agents × tasks × seeds with confidence intervals and a report
// (docs/leaderboard.md). main.cpp adds the subcommand and calls cmd_leaderboard when it is chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/user_args.h"
#include "env/registry.h"

namespace collab::cli {

struct LeaderboardArgs {
  std::string tasks = "all";
  std::vector<std::string> agents;
  int episodes = 20;
  int seeds = 3;
  std::string seed = "0";
  std::string split = "test";
  std::string reward;
  std::string rollout_policy;  // --rollout-policy (docs/reward.md)
  std::vector<std::string> options;  // KEY=VALUE
  int jobs = 1;
  std::string shard;
  std::string out;
  bool force = false;
  std::string verify;
  double level = 0.95;
  int resamples = 2000;
  bool json = false;
  std::string emit_slurm;                // write Slurm job files to this folder instead of running
  int slurm_shards = 4;                  // array tasks (shards) of the emitted job
  std::vector<std::string> slurm_sbatch;  // extra #SBATCH options
  UserArgs user;  // --user: every environment's option user; results.json records it
  AgentCacheArgs agent_cache;  // llm: agents' record/replay cache
  // merge
  std::vector<std::string> merge_dirs;
  std::string merge_out;
  bool merge_force = false;
  CLI::App* merge = nullptr;
};

// Adds `leaderboard` (and `leaderboard merge`) to `app`; returns the subcommand.
CLI::App* add_leaderboard_command(CLI::App& app, LeaderboardArgs& args);

// Runs the chosen form. Bad flag values throw collab::InvalidOption (exit code 2); a verify that
// finds problems returns 1 after listing them.
int cmd_leaderboard(const Registry& registry, const LeaderboardArgs& args);

}  // namespace collab::cli
