// The command line's commands (DESIGN §7), apart from `leaderboard` (cli/leaderboard_cmd.h),
// `train` (cli/train_cmd.h) and `serve`: their shared environment flags and what each runs.
// main.cpp declares the flags and calls the chosen command; exit codes are main.cpp's.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "env/error.h"
#include "env/registry.h"

namespace collab::cli {

// A user mistake on the command line (exit code 2).
struct UsageError : collab::Error {
  using Error::Error;
};

// Options shared by every command that makes an environment.
struct EnvArgs {
  std::string task;
  std::string scenario;
  std::string split;
  std::string reward;
  std::string rollout_policy;
  std::optional<int> mr_window, mr_samples, max_turns;
  std::optional<double> token_cost, w_task, w_itr;
  std::vector<std::string> raw;  // --option KEY=VALUE
  std::string user;              // option user: the name --user registered (cli/user_args.h)

  void add_to(CLI::App* app, bool task_required, bool with_split = true);
  // The task: --task, else the "task" named in the --scenario file.
  std::string resolved_task() const;
  nlohmann::json options() const;
  // The flags that make the same environment again (for job files), the split replaced by
  // `split_override` when it is not empty; `user` is not among them (a name this process made).
  std::vector<std::string> to_args(const std::string& split_override = "") const;
};


// The first of the names --user registered (cli/user_args.h), or "" when there is none.
std::string first_or_empty(const std::vector<std::string>& v);
// What an external user did in a run (requests, timeouts, cache hits), on stderr; nothing for "".
void print_user_counters(const std::string& name);
// The value of a --rollout-policy flag, registering the rollout agent it names when it is an
// endpoint or a model (remote:…, a bare ENDPOINT, llm:…) so that environments may pick it.
std::string offer_rollout_policy(const std::string& value);
// For the runners (run, play, replay, leaderboard, train; never serve): a rollout_policy naming an
// endpoint or a model in a trace header or an option becomes that agent (env/rollout_agent.h).
void resolve_rollout_agents_from_specs();
// Prints the rollout agent's counters to stderr when `name` is one (run --rollout-policy …).
void print_rollout_counters(const std::string& name);

int cmd_list(const Registry& reg, bool as_json);
int cmd_spec(const Registry& reg, const EnvArgs& args);
// Interactive; with `agent_spec`, that agent plays and the conversation is printed.
int cmd_play(const Registry& reg, const EnvArgs& args, std::optional<uint64_t> seed,
             const std::string& agent_spec = "");
int cmd_run(const Registry& reg, EnvArgs args, const std::vector<std::string>& agent_specs,
            int episodes, uint64_t seed, bool as_json, const std::string& trace_path);
int cmd_replay(const Registry& reg, const std::vector<std::string>& paths);
int cmd_validate(const Registry& reg, const std::vector<std::string>& paths, bool as_json);

}  // namespace collab::cli
