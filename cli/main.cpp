// collabgym: the command line (DESIGN §7).
//
// Exit codes, one rule per kind of error (exit_code() below; README "Exit codes"):
//   0  success
//   2  the command line is wrong: an unknown subcommand or flag, a flag value of the wrong type or
//      out of range (seeds, counts), an unknown task, agent or option, an option value the task
//      does not allow, an output folder that is not empty (train/leaderboard --out without --force)
//   1  the command was well formed but failed: a file that cannot be read or is invalid (scenario,
//      trace, checkpoint), a replay or leaderboard --verify that finds a difference, an output that
//      cannot be written, a server that cannot bind
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "bridge/curve.h"
#include "bridge/protocol.h"
#include "bridge/llm_agent.h"
#include "bridge/remote_agent.h"
#include "bridge/server.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/leaderboard_cmd.h"
#include "cli/train_cmd.h"
#include "cli/user_args.h"
#include "env/error.h"
#include "env/version.h"
#ifdef COLLAB_HAVE_LEARNERS
#include "learners/module.h"  // torch stays out of this program until train or ppo: loads it
#endif
#include "tasks/register_all.h"

namespace {

using collab::Registry;
using namespace collab::cli;  // the commands and their flags (cli/commands.h)

// Exit code for an error that reached main() (see the table at the top of this file).
int exit_code(const std::exception& e) {
  if (dynamic_cast<const UsageError*>(&e) || dynamic_cast<const collab::UnknownTask*>(&e) ||
      dynamic_cast<const collab::InvalidOption*>(&e) ||
      dynamic_cast<const collab::agents::UnknownAgent*>(&e)) {
    return 2;
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef COLLAB_HAVE_LEARNERS
  collab::learners::register_lazy_agents();  // "ppo:DIR" agents: loads the learners module then
#endif
  collab::bridge::register_remote_agent();  // "remote:ENDPOINT" agents
  collab::bridge::register_llm_agent();     // "llm:URL" agents
  CLI::App app{"CollabGym: environments for training and evaluating collaborative dialogue agents"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("collabgym ") + collab::kVersion);

  bool as_json = false;
  auto* list = app.add_subcommand("list", "List the registered environment ids");
  list->add_flag("--json", as_json, "Print JSON");

  EnvArgs spec_args;
  auto* spec =
      app.add_subcommand("spec", "Print an environment's spec (acts, features, limits) as JSON");
  spec->add_option("task", spec_args.task, "Environment id (or --task, or a --scenario naming it)");
  spec_args.add_to(spec, false);

  EnvArgs play_args;
  std::string play_seed;
  auto* play =
      app.add_subcommand("play", "Play the agent's side yourself against the simulated user");
  play->add_option("task", play_args.task, "Environment id (or --task, or a --scenario naming it)");
  play->add_option("--seed", play_seed, "Episode seed (default: random)");
  play_args.add_to(play, false);
  collab::cli::UserArgs play_user;
  play_user.add_to(play);
  std::string play_agent;
  play->add_option("--agent,-a", play_agent,
                   "Let an agent play instead of you and print the conversation (any agent of "
                   "`run`, e.g. expert or llm:URL)");
  collab::cli::AgentCacheArgs play_cache;
  play_cache.add_to(play);

  EnvArgs run_args;
  std::vector<std::string> agent_specs;
  int episodes = 100;
  std::string seed = "0";
  std::string trace_path;
  auto* run =
      app.add_subcommand("run", "Run agents on a task and report success, score, turns, tokens");
  run_args.add_to(run, false);
  run->add_option("--agent,-a", agent_specs,
                  "Agent: random, passive, expert, ppo:DIR (a trained checkpoint), "
                  "remote:ENDPOINT[?timeout=SECONDS] (served over ZeroMQ, docs/protocol.md) or "
                  "llm:URL[?model=M&temperature=T&max_tokens=N&timeout=S&retries=R&key_env=VAR] "
                  "(an OpenAI-compatible chat endpoint, docs/llm-agents.md); repeatable")
      ->required();
  run->add_option("--episodes,-n", episodes, "Episodes per agent")->capture_default_str();
  run->add_option("--seed", seed, "Seed of the first episode (episode i uses seed + i)")
      ->capture_default_str();
  run->add_option("--trace", trace_path, "Write every episode as a JSON Lines trace to this file");
  run->add_flag("--json", as_json, "Print one JSON object (an array for several agents)");
  collab::cli::UserArgs run_user;
  run_user.add_to(run);
  collab::cli::AgentCacheArgs run_cache;
  run_cache.add_to(run);

  std::vector<std::string> replay_paths;
  auto* replay =
      app.add_subcommand("replay", "Re-run the actions of trace files; fail on any difference");
  replay->add_option("trace", replay_paths, "Trace files (JSON Lines)")->required();
  collab::cli::UserArgs replay_user;  // traces of runs with an external user replay from its cache
  collab::cli::AgentCacheArgs replay_cache;  // …and those with llm: rollout agents from theirs
  replay_user.add_to(replay);
  replay_cache.add_to(replay);

  auto* scenarios = app.add_subcommand("scenarios", "Work with scenario files");
  scenarios->require_subcommand(1);
  std::vector<std::string> validate_paths;
  bool validate_json = false;
  auto* validate =
      scenarios->add_subcommand("validate", "Check scenario files; report every problem");
  validate->add_option("paths", validate_paths, "Scenario files")->required();
  validate->add_flag("--json", validate_json, "Print JSON");

  collab::cli::TrainArgs train_args;
  auto* train = collab::cli::add_train_command(app, train_args);

  collab::cli::LeaderboardArgs leaderboard_args;
  auto* leaderboard = collab::cli::add_leaderboard_command(app, leaderboard_args);

  collab::bridge::ServerOptions serve_opts;
  serve_opts.binds.clear();
  std::string log_level = "info";
  auto* serve = app.add_subcommand(
      "serve", "Serve environments over ZeroMQ + MessagePack (docs/protocol.md)");
  serve->add_option(
      "--bind,-b", serve_opts.binds,
      "Endpoint to bind, repeatable: tcp://HOST:PORT or ipc://PATH (default tcp://127.0.0.1:5555)");
  serve->add_option("--threads", serve_opts.threads, "Worker threads for MR sessions")
      ->capture_default_str();
  serve->add_option("--max-sessions", serve_opts.max_sessions, "Open sessions at most")
      ->capture_default_str();
  serve
      ->add_option("--idle-timeout", serve_opts.idle_timeout_s,
                   "Seconds before an idle session is reaped")
      ->capture_default_str();
  serve->add_option("--max-message-bytes", serve_opts.max_message_bytes, "Largest request accepted")
      ->capture_default_str();
  serve->add_option("--max-batch", serve_opts.max_batch, "Most items in one step_many")
      ->capture_default_str();
  serve->add_option("--scenario", serve_opts.scenario_files,
                    "Scenario file clients may pick by name or hash, repeatable (besides the "
                    "shipped scenarios; clients never name paths)");
  serve->add_option("--scenario-dir", serve_opts.scenario_dirs,
                    "Folder whose *.json scenario files clients may pick, repeatable");
  serve->add_flag("--allow-remote", serve_opts.allow_remote,
                  "Allow binding non-loopback addresses without CURVE (anyone who reaches the "
                  "port can use the server)");
  serve
      ->add_option("--curve-secret", serve_opts.curve_secret_file,
                   "CURVE: the server's secret key file (collabgym keygen); clients need its .key "
                   "(docs/protocol.md \"Security\")")
      ->check(CLI::ExistingFile);
  serve
      ->add_option("--curve-allow", serve_opts.curve_allow_dir,
                   "CURVE: folder of the public keys (*.key) of the clients to admit")
      ->check(CLI::ExistingDirectory);
  serve->add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  collab::cli::UserArgs serve_user;  // external users offered to clients (option user=NAME)
  serve_user.add_to(serve, /*several=*/true);
  std::vector<std::string> serve_rollout_agents;  // offered as rollout_policy=NAME
  serve
      ->add_option("--rollout-agent", serve_rollout_agents,
                   "Offer an agent to play MR futures, as NAME=ENDPOINT[?timeout=S] (an agent "
                   "endpoint speaking agent protocol 2; remote: in front is optional) or "
                   "NAME=llm:URL[?model=M&…]; "
                   "clients pick it with the make option rollout_policy=NAME (never an "
                   "endpoint of their own); repeatable (docs/reward.md)")
      ->type_name("NAME=SPEC");
  collab::cli::AgentCacheArgs serve_cache;  // records / replays llm: rollout agents' calls
  serve_cache.add_to(serve);

  std::string keygen_prefix;
  bool keygen_force = false;
  auto* keygen = app.add_subcommand(
      "keygen", "Write a new CURVE key pair: PREFIX.key (public) and PREFIX.key_secret (secret)");
  keygen->add_option("prefix", keygen_prefix, "Path without extension, e.g. keys/server")
      ->required();
  keygen->add_flag("--force", keygen_force, "Replace existing key files");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  const Registry& reg = collab::tasks::builtin_registry();
  try {
    // Runners may meet a rollout agent named by its spec (a replayed trace's header); a server
    // offers only the --rollout-agent names its operator gave.
    if (!*serve) collab::cli::resolve_rollout_agents_from_specs();
    if (*list) return cmd_list(reg, as_json);
    if (*spec) return cmd_spec(reg, spec_args);
    if (*play) {
      play_args.user = first_or_empty(play_user.apply());
      play_cache.apply();
      const int rc =
          cmd_play(reg, play_args,
                   play_seed.empty() ? std::nullopt
                                     : std::optional<uint64_t>(parse_u64("--seed", play_seed)),
                   play_agent);
      if (!play_agent.empty()) collab::cli::print_llm_counters({play_agent});
      return rc;
    }
    if (*run) {
      run_args.user = first_or_empty(run_user.apply());
      run_cache.apply();
      const int rc = cmd_run(reg, run_args, agent_specs, episodes, parse_u64("--seed", seed),
                             as_json, trace_path);
      print_user_counters(run_args.user);
      print_rollout_counters(run_args.rollout_policy);
      std::vector<std::string> model_specs = agent_specs;
      model_specs.push_back(run_args.rollout_policy);  // llm: futures count as the agent's calls
      collab::cli::print_llm_counters(model_specs);
      return rc;
    }
    if (*replay) {
      replay_user.apply(/*replay_default=*/true);
      replay_cache.apply();
      return cmd_replay(reg, replay_paths);
    }
    if (*validate) return cmd_validate(reg, validate_paths, validate_json);
    if (*train) return cmd_train(reg, train_args);
    if (*leaderboard) return collab::cli::cmd_leaderboard(reg, leaderboard_args);
    if (*keygen) {
      const auto pair = collab::bridge::write_curve_keypair(keygen_prefix, keygen_force);
      fmt::print("{0}.key (public: {1})\n{0}.key_secret (secret, mode 0600)\n", keygen_prefix,
                 pair.public_key);
      return 0;
    }
    if (*serve) {
      spdlog::set_level(spdlog::level::from_str(log_level));
      for (const auto& name : serve_user.apply()) spdlog::info("offering external user {}", name);
      serve_cache.apply();
      for (const auto& arg : serve_rollout_agents) {
        spdlog::info("offering rollout agent {}",
                     collab::bridge::register_rollout_agent_arg(arg, /*named=*/true));
      }
      if (serve_opts.binds.empty()) serve_opts.binds.push_back(collab::bridge::kDefaultEndpoint);
      serve_opts.handle_signals = true;
      collab::bridge::Server server(reg, serve_opts);
      server.run();
      return 0;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "collabgym: {}\n", e.what());
    return exit_code(e);
  }
  return 2;
}
