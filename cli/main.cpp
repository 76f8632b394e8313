// collabgym: the command line (DESIGN §7). Exit codes: 0 success, 2 bad usage, 1 failure.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "bridge/protocol.h"
#include "bridge/server.h"
#include "env/error.h"
#include "env/scenario.h"
#include "env/trace.h"
#include "env/version.h"
#ifdef COLLAB_HAVE_LEARNERS
#include "learners/learners.h"
#endif
#include "tasks/register_all.h"

namespace {

using collab::Registry;
using nlohmann::json;

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

  void add_to(CLI::App* app, bool task_required, bool with_split = true) {
    auto* t = app->add_option("--task,-t", task, "Environment id (name-vN; a bare name = latest)");
    if (task_required) t->required();
    app->add_option("--scenario", scenario, "Scenario file to load instead of the task's default");
    if (with_split) {
      // Every task declares a `split` option, so this stays a generic flag.
      app->add_option("--split", split,
                      "Which goals to sample: train, test or all (the task's `split` option)");
    }
    app->add_option("--reward", reward,
                    "Reward mode: terminal, mr, mr_delta or immediate (default mr)");
    app->add_option("--mr-window", mr_window,
                    "MR: agent/user exchanges per forward sample (default 2)");
    app->add_option("--mr-samples", mr_samples, "MR: forward samples per turn (default 3)");
    app->add_option("--token-cost", token_cost, "Cost per agent token, lambda (default 5e-4)");
    app->add_option("--w-task", w_task, "Weight of the task score in R* (default 1)");
    app->add_option("--w-itr", w_itr, "Weight of interactivity in R* (default 1)");
    app->add_option("--rollout-policy", rollout_policy,
                    "MR rollout policy: expert, random or passive");
    app->add_option("--max-turns", max_turns, "Turn limit (truncation); default: the task's");
    app->add_option("--option,-o", raw,
                    "Any environment option as KEY=VALUE (VALUE parsed as JSON if it can be, else "
                    "a string); repeatable. A task's own options (e.g. noise, persona) are "
                    "listed with defaults and ranges under \"options\" in `collabgym spec TASK`");
  }

  json options() const {
    json o = json::object();
    for (const auto& kv : raw) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw UsageError(fmt::format("--option '{}': expected KEY=VALUE", kv));
      }
      const std::string value = kv.substr(eq + 1);
      json v = json::parse(value, nullptr, false);
      o[kv.substr(0, eq)] = v.is_discarded() ? json(value) : v;
    }
    if (!scenario.empty()) o["scenario"] = scenario;
    if (!split.empty()) o["split"] = split;
    if (!reward.empty()) o["reward"] = reward;
    if (!rollout_policy.empty()) o["rollout_policy"] = rollout_policy;
    if (mr_window) o["mr_window"] = *mr_window;
    if (mr_samples) o["mr_samples"] = *mr_samples;
    if (max_turns) o["max_turns"] = *max_turns;
    if (token_cost) o["token_cost"] = *token_cost;
    if (w_task) o["w_task"] = *w_task;
    if (w_itr) o["w_itr"] = *w_itr;
    return o;
  }
};

void print_json(const json& j) { std::cout << j.dump(2) << "\n"; }

int cmd_list(const Registry& reg, bool as_json) {
  if (as_json) {
    json out = json::array();
    for (const auto& id : reg.ids()) {
      auto t = reg.task(id);
      out.push_back({{"id", id}, {"description", t->description()}});
    }
    print_json(out);
    return 0;
  }
  for (const auto& id : reg.ids()) {
    auto t = reg.task(id);
    fmt::print("{:<24} {}\n", id, t->description());
  }
  return 0;
}

int cmd_spec(const Registry& reg, const EnvArgs& args) {
  collab::Env env = reg.make(args.task, args.options());
  print_json(env.spec());
  return 0;
}

// Interactive: a person types the agent's turns.
int cmd_play(const Registry& reg, const EnvArgs& args, std::optional<uint64_t> seed) {
  collab::Env env = reg.make(args.task, args.options());
  const auto& acts = env.task().acts();
  collab::ResetResult rr = env.reset(seed);
  fmt::print(
      "{} (seed {}). Type what the agent says; ':acts' lists the legal acts, ':act NAME' "
      "sends one, ':quit' ends.\n\n",
      env.task().id(), rr.seed);
  fmt::print("user> {}\n", rr.obs.text);
  collab::Observation obs = rr.obs;
  double ret = 0;
  std::string line;
  while (!env.done()) {
    fmt::print("you>  ");
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    collab::Action action;
    if (line == ":quit" || line == ":q") break;
    if (line == ":acts") {
      std::vector<std::string> legal;
      for (size_t a = 0; a < acts.size(); ++a) {
        if (obs.action_mask[a]) legal.push_back(acts[a]);
      }
      fmt::print("{}\n", fmt::join(legal, "  "));
      continue;
    }
    if (line.rfind(":act ", 0) == 0) {
      const std::string name = line.substr(5);
      auto it = std::find(acts.begin(), acts.end(), name);
      if (it == acts.end()) {
        fmt::print("no act named '{}' (try :acts)\n", name);
        continue;
      }
      action = collab::Action::from_act(static_cast<int32_t>(it - acts.begin()));
    } else {
      action = collab::Action::from_text(line);
    }
    collab::StepResult r;
    try {
      r = env.step(action);
    } catch (const collab::InvalidAction& e) {
      fmt::print("{}\n", e.what());
      continue;
    }
    ret += r.reward;
    fmt::print("user> {}   [reward {:+.3f}]\n", r.obs.text, r.reward);
    obs = std::move(r.obs);
  }
  const collab::Score s = env.score();
  fmt::print(
      "\n--- summary ---\ngoal: {}\nturns: {}   success: {}   score: {:.3f}   return: {:.3f}   "
      "agent tokens: {}\n",
      env.episode().goal(), env.turn(), s.success ? "yes" : "no", s.task, ret, env.agent_tokens());
  return 0;
}

int cmd_run(const Registry& reg, const EnvArgs& args, const std::vector<std::string>& agent_specs,
            int episodes, uint64_t seed, bool as_json, const std::string& trace_path) {
  if (episodes < 1) throw UsageError(fmt::format("--episodes {}: expected at least 1", episodes));
  std::vector<std::unique_ptr<collab::agents::Agent>> agents;
  for (const auto& spec : agent_specs) agents.push_back(collab::agents::make_agent(spec));
  std::ofstream trace_file;
  if (!trace_path.empty()) {
    trace_file.open(trace_path);
    if (!trace_file) throw collab::Error(fmt::format("cannot write trace file '{}'", trace_path));
  }
  collab::Env env = reg.make(args.task, args.options());
  const bool bar = !as_json && isatty(STDERR_FILENO);
  std::vector<collab::agents::Summary> results;
  for (auto& agent : agents) {
    collab::agents::RunConfig cfg;
    cfg.episodes = episodes;
    cfg.seed = seed;
    if (trace_file.is_open()) cfg.trace = &trace_file;
    if (bar) {
      cfg.progress = [&](int done, int total) {
        const int width = 30, filled = width * done / total;
        fmt::print(stderr, "\r{:<8} [{:=<{}}{:<{}}] {}/{}", agent->name(), "", filled, "",
                   width - filled, done, total);
        if (done == total) fmt::print(stderr, "\r{:<80}\r", "");
      };
    }
    results.push_back(collab::agents::evaluate(env, *agent, cfg));
  }
  if (as_json) {
    if (results.size() == 1) {
      print_json(results[0].to_json());
    } else {
      json out = json::array();
      for (const auto& r : results) out.push_back(r.to_json());
      print_json(out);
    }
    return 0;
  }
  fmt::print("{} · {} episodes · seeds {}..{} · reward {}\n", env.task().id(), episodes, seed,
             seed + static_cast<uint64_t>(episodes) - 1, to_string(env.reward_config().mode));
  auto label = [](const collab::agents::Summary& r) {
    return r.privileged ? r.agent + "*" : r.agent;
  };
  size_t width = 10;
  for (const auto& r : results) width = std::max(width, label(r).size());
  fmt::print("{:<{}} {:>15} {:>15} {:>8} {:>8} {:>9}\n", "agent", width, "success", "score",
             "turns", "tokens", "return");
  bool any_privileged = false;
  for (const auto& r : results) {
    const auto& st = r.stats;
    fmt::print("{:<{}} {:>7.1f}% ±{:>4.1f} {:>7.3f} ±{:>5.3f} {:>8.2f} {:>8.1f} {:>9.3f}\n",
               label(r), width, 100 * st.success.mean, 100 * st.success.se, st.score.mean,
               st.score.se, st.turns.mean, st.agent_tokens.mean, st.ret.mean);
    any_privileged |= r.privileged;
  }
  fmt::print("± is one standard error of the mean.");
  if (any_privileged) {
    fmt::print(" * privileged baseline: reads the task's dialogue state (never the goal).");
  }
  fmt::print("\n");
  return 0;
}

int cmd_replay(const Registry& reg, const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    std::ifstream in(path);
    if (!in) throw collab::Error(fmt::format("cannot open trace '{}'", path));
    const auto report = collab::replay_trace(in, path, reg);
    fmt::print("{}: {} episode{}, {} steps replayed identically\n", path, report.episodes,
               report.episodes == 1 ? "" : "s", report.steps);
  }
  return 0;
}

int cmd_validate(const Registry& reg, const std::vector<std::string>& paths, bool as_json) {
  int bad = 0;
  json out = json::array();
  for (const auto& path : paths) {
    std::vector<std::string> problems;
    std::string task;
    try {
      const collab::ScenarioFile f = collab::load_scenario_file(path);
      if (!f.json.is_object() || !f.json.contains("task") || !f.json["task"].is_string()) {
        problems.push_back(fmt::format("{}: /task: missing; expected the task's name (one of: {})",
                                       path, fmt::join(reg.ids(), ", ")));
      } else {
        task = f.json["task"].get<std::string>();
        try {
          reg.resolve(task);
        } catch (const collab::UnknownTask& e) {
          problems.push_back(fmt::format("{}: /task: {}", path, e.what()));
        }
        if (problems.empty()) problems = reg.validate(task, path);
      }
    } catch (const collab::ScenarioError& e) {
      problems = e.problems();
    }
    bad += !problems.empty();
    if (as_json) {
      out.push_back(
          {{"path", path}, {"task", task}, {"ok", problems.empty()}, {"problems", problems}});
    } else if (problems.empty()) {
      fmt::print("ok      {} ({})\n", path, task);
    } else {
      fmt::print("INVALID {}: {} problem{}\n", path, problems.size(),
                 problems.size() == 1 ? "" : "s");
      for (const auto& p : problems) fmt::print("  {}\n", p);
    }
  }
  if (as_json) print_json(out);
  return bad == 0 ? 0 : 1;
}

struct TrainArgs {
  EnvArgs env;
  std::string algo = "ppo";
  int64_t total_steps = 100000;
  int num_envs = 16;
  int threads = 1;
  uint64_t seed = 0;
  std::string device = "auto";
  std::string out;
  std::optional<double> learning_rate, gamma;
  std::string ppo_json;
  bool self_rollouts = false;
};

int cmd_train(const Registry& reg, const TrainArgs& a) {
#ifdef COLLAB_HAVE_LEARNERS
  collab::learners::TrainConfig cfg;
  cfg.task = reg.resolve(a.env.task);
  cfg.env_options = a.env.options();
  cfg.algo = a.algo;
  cfg.total_steps = a.total_steps;
  cfg.num_envs = a.num_envs;
  cfg.threads = a.threads;
  cfg.seed = a.seed;
  cfg.device = a.device;
  cfg.out_dir = a.out;
  if (!a.ppo_json.empty()) {
    const json j = json::parse(a.ppo_json, nullptr, false);
    if (j.is_discarded())
      throw UsageError(fmt::format("--ppo '{}': expected a JSON object", a.ppo_json));
    cfg.ppo = collab::learners::PpoArgs::from_json(j);
  }
  cfg.self_rollouts = a.self_rollouts;
  if (a.learning_rate) cfg.ppo.learning_rate = *a.learning_rate;
  if (a.gamma) cfg.ppo.gamma = *a.gamma;
  const bool bar = isatty(STDERR_FILENO);
  const auto result =
      collab::learners::train(reg, cfg, [&](const collab::learners::TrainProgress& p) {
        if (!bar) return;
        const int width = 30;
        const int filled = static_cast<int>(width * p.step / std::max<int64_t>(1, p.total_steps));
        fmt::print(stderr,
                   "\r[{:=<{}}{:<{}}] {}/{} steps  {:.0f} steps/s  success {:.1f}%  return {:.3f}",
                   "", filled, "", width - filled, p.step, p.total_steps, p.steps_per_second,
                   100 * p.recent_success, p.recent_return);
      });
  if (bar) fmt::print(stderr, "\n");
  fmt::print(
      "trained {} steps in {:.1f} s ({:.0f} steps/s on {}); final success {:.1f}%, return {:.3f}\n"
      "checkpoint: {}\nuse it as an agent: --agent ppo:{}\n",
      result.steps, result.seconds, result.steps_per_second, result.device,
      100 * result.final_success, result.final_return, result.checkpoint, a.out);
  return 0;
#else
  (void)reg;
  (void)a;
  throw collab::Error(
      "this build has no learners: configure with -DCOLLAB_WITH_TORCH=ON (needs libtorch-dev)");
#endif
}

}  // namespace

int main(int argc, char** argv) {
#ifdef COLLAB_HAVE_LEARNERS
  collab::learners::register_agents();
#endif
  CLI::App app{"CollabGym: environments for training and evaluating collaborative dialogue agents"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("collabgym ") + collab::kVersion);

  bool as_json = false;
  auto* list = app.add_subcommand("list", "List the registered environment ids");
  list->add_flag("--json", as_json, "Print JSON");

  EnvArgs spec_args;
  auto* spec =
      app.add_subcommand("spec", "Print an environment's spec (acts, features, limits) as JSON");
  spec->add_option("task", spec_args.task, "Environment id")->required();
  spec_args.add_to(spec, false);

  EnvArgs play_args;
  std::optional<uint64_t> play_seed;
  auto* play =
      app.add_subcommand("play", "Play the agent's side yourself against the simulated user");
  play->add_option("task", play_args.task, "Environment id")->required();
  play->add_option("--seed", play_seed, "Episode seed (default: random)");
  play_args.add_to(play, false);

  EnvArgs run_args;
  std::vector<std::string> agent_specs;
  int episodes = 100;
  uint64_t seed = 0;
  std::string trace_path;
  auto* run =
      app.add_subcommand("run", "Run agents on a task and report success, score, turns, tokens");
  run_args.add_to(run, true);
  run->add_option("--agent,-a", agent_specs,
                  "Agent: random, passive, expert, or ppo:DIR (a trained checkpoint); repeatable")
      ->required();
  run->add_option("--episodes,-n", episodes, "Episodes per agent")->capture_default_str();
  run->add_option("--seed", seed, "Seed of the first episode (episode i uses seed + i)")
      ->capture_default_str();
  run->add_option("--trace", trace_path, "Write every episode as a JSON Lines trace to this file");
  run->add_flag("--json", as_json, "Print one JSON object (an array for several agents)");

  std::vector<std::string> replay_paths;
  auto* replay =
      app.add_subcommand("replay", "Re-run the actions of trace files; fail on any difference");
  replay->add_option("trace", replay_paths, "Trace files (JSON Lines)")->required();

  auto* scenarios = app.add_subcommand("scenarios", "Work with scenario files");
  scenarios->require_subcommand(1);
  std::vector<std::string> validate_paths;
  bool validate_json = false;
  auto* validate =
      scenarios->add_subcommand("validate", "Check scenario files; report every problem");
  validate->add_option("paths", validate_paths, "Scenario files")->required();
  validate->add_flag("--json", validate_json, "Print JSON");

  TrainArgs train_args;
  auto* train = app.add_subcommand("train", "Train a policy with a bundled learner (libtorch)");
  train_args.env.add_to(train, true);
  train->add_option("--algo", train_args.algo, "Learner")->capture_default_str();
  train->add_option("--total-steps", train_args.total_steps, "Environment steps, all envs together")
      ->capture_default_str();
  train->add_option("--num-envs", train_args.num_envs, "Environments stepped together")
      ->capture_default_str();
  train->add_option("--threads", train_args.threads, "CPU threads (environments and torch)")
      ->capture_default_str();
  train->add_option("--seed", train_args.seed, "Seed (environment i starts with seed + i)")
      ->capture_default_str();
  train->add_option("--device", train_args.device, "auto, cpu or cuda")->capture_default_str();
  train->add_option("--out", train_args.out, "Output folder: metrics.csv, curve.svg, checkpoints")
      ->required();
  train->add_option("--learning-rate", train_args.learning_rate,
                    "PPO learning rate (default 1e-3)");
  train->add_option("--gamma", train_args.gamma,
                    "Discount; default by reward mode: 0 for mr and immediate, 0.99 otherwise");
  train->add_flag("--self-rollouts", train_args.self_rollouts,
                  "MR futures played by the policy being trained (CollabLLM's setup) instead of "
                  "--rollout-policy");
  train->add_option(
      "--ppo", train_args.ppo_json,
      "PPO hyper-parameters as a JSON object (fields of PpoArgs, learners/learners.h)");

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
  serve->add_flag("--allow-remote", serve_opts.allow_remote,
                  "Allow binding non-loopback addresses (no authentication yet)");
  serve->add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  const Registry& reg = collab::tasks::builtin_registry();
  try {
    if (*list) return cmd_list(reg, as_json);
    if (*spec) return cmd_spec(reg, spec_args);
    if (*play) return cmd_play(reg, play_args, play_seed);
    if (*run) return cmd_run(reg, run_args, agent_specs, episodes, seed, as_json, trace_path);
    if (*replay) return cmd_replay(reg, replay_paths);
    if (*validate) return cmd_validate(reg, validate_paths, validate_json);
    if (*train) return cmd_train(reg, train_args);
    if (*serve) {
      spdlog::set_level(spdlog::level::from_str(log_level));
      if (serve_opts.binds.empty()) serve_opts.binds.push_back(collab::bridge::kDefaultEndpoint);
      serve_opts.handle_signals = true;
      collab::bridge::Server server(reg, serve_opts);
      server.run();
      return 0;
    }
  } catch (const UsageError& e) {
    fmt::print(stderr, "collabgym: {}\n", e.what());
    return 2;
  } catch (const collab::UnknownTask& e) {
    fmt::print(stderr, "collabgym: {}\n", e.what());
    return 2;
  } catch (const collab::InvalidOption& e) {
    fmt::print(stderr, "collabgym: {}\n", e.what());
    return 2;
  } catch (const collab::Error& e) {
    fmt::print(stderr, "collabgym: {}\n", e.what());
    return 1;
  }
  return 2;
}
