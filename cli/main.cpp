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
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "bridge/curve.h"
#include "bridge/protocol.h"
#include "bridge/remote_agent.h"
#include "bridge/server.h"
#include "cli/args.h"
#include "cli/leaderboard_cmd.h"
#include "cli/user_args.h"
#include "env/error.h"
#include "env/scenario.h"
#include "env/text.h"
#include "env/trace.h"
#include "env/version.h"
#include "leaderboard/progress.h"
#ifdef COLLAB_HAVE_LEARNERS
#include "learners/module.h"  // torch stays out of this program until train or ppo: loads it
#endif
#include "tasks/register_all.h"

namespace {

using collab::Registry;
using collab::cli::parse_u64;
using nlohmann::json;

// A user mistake on the command line (exit code 2).
struct UsageError : collab::Error {
  using Error::Error;
};

// Exit code for an error that reached main() (see the table at the top of this file).
int exit_code(const std::exception& e) {
  if (dynamic_cast<const UsageError*>(&e) || dynamic_cast<const collab::UnknownTask*>(&e) ||
      dynamic_cast<const collab::InvalidOption*>(&e) ||
      dynamic_cast<const collab::agents::UnknownAgent*>(&e)) {
    return 2;
  }
  return 1;
}


// An output file that readers never see half-written: written to a temporary file beside it and
// renamed over it by commit(). Nothing is created until open() — call it once inputs are valid.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::string path) : path_(std::move(path)) {}
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput() {
    if (out_.is_open()) {
      out_.close();
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
  }
  std::ostream& open() {
    tmp_ = fmt::format("{}.tmp-{}", path_, ::getpid());
    out_.open(tmp_, std::ios::trunc);
    if (!out_) throw collab::Error(fmt::format("cannot write '{}'", path_));
    return out_;
  }
  void commit() {
    out_.close();
    if (out_.fail()) throw collab::Error(fmt::format("writing '{}' failed", path_));
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) throw collab::Error(fmt::format("cannot write '{}': {}", path_, ec.message()));
  }

 private:
  std::string path_, tmp_;
  std::ofstream out_;
};

using collab::leaderboard::Progress;  // leaderboard/progress.h

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

  void add_to(CLI::App* app, bool task_required, bool with_split = true) {
    auto* t = app->add_option("--task,-t", task,
                              "Environment id (name-vN; a bare name = latest); may be left out "
                              "when --scenario names its task");
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

  // The task: --task, else the "task" named in the --scenario file.
  std::string resolved_task() const {
    if (!task.empty()) return task;
    if (scenario.empty()) throw UsageError("--task is required (or a --scenario file naming its task)");
    const collab::ScenarioFile f = collab::load_scenario_file(scenario);
    if (!f.json.is_object() || !f.json.contains("task") || !f.json.at("task").is_string()) {
      throw collab::ScenarioError(
          fmt::format("{}: /task: missing; pass --task or name the task in the file", scenario));
    }
    return f.json.at("task").get<std::string>();
  }

  json options() const {
    // NaN or infinite numbers would print as null in JSON: refuse them by the flag's name.
    const std::pair<const char*, std::optional<double>> reals[] = {
        {"--token-cost", token_cost}, {"--w-task", w_task}, {"--w-itr", w_itr}};
    for (const auto& [flag, v] : reals) {
      if (v && !std::isfinite(*v)) {
        throw UsageError(fmt::format("{} {}: expected a finite number", flag, *v));
      }
    }
    json o = collab::cli::parse_key_values(raw);
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
    if (!user.empty()) o["user"] = user;
    return o;
  }
};

void print_json(const json& j) { std::cout << j.dump(2) << "\n"; }

std::string first_or_empty(const std::vector<std::string>& v) { return v.empty() ? "" : v[0]; }

// What an external user did in a run (requests, timeouts, cache hits), on stderr.
void print_user_counters(const std::string& name) {
  if (name.empty()) return;
  if (const auto user = collab::find_user(name)) {
    fmt::print(stderr, "user {}: {}\n", name, user->counters().dump());
  }
}

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
  collab::Env env = reg.make(args.resolved_task(), args.options());
  print_json(env.spec());
  return 0;
}

// Interactive: a person types the agent's turns.
int cmd_play(const Registry& reg, const EnvArgs& args, std::optional<uint64_t> seed) {
  collab::Env env = reg.make(args.resolved_task(), args.options());
  const auto& acts = env.task().acts();
  collab::ResetResult rr = env.reset(seed);
  constexpr const char* kHelp =
      "commands (they cost no turn): :acts lists the legal acts, :act NAME sends one, :help shows "
      "this, :quit ends; anything else is what the agent says";
  fmt::print("{} (seed {}). Type what the agent says; :help lists the commands.\n\n",
             env.task().id(), rr.seed);
  fmt::print("user> {}\n", rr.obs.text);
  collab::Observation obs = rr.obs;
  double ret = 0;
  std::string line;
  while (!env.done()) {
    fmt::print("you>  ");
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank: no turn
    collab::Action action;
    if (line == ":quit" || line == ":q") break;
    if (line == ":help" || line == ":h") {
      fmt::print("{}\n", kHelp);
      continue;
    }
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
        const auto near = collab::text::did_you_mean(name, acts);
        fmt::print("no act named '{}'{} (try :acts)\n", name,
                   near.empty() ? "" : "; did you mean " + collab::text::join_or(near) + "?");
        continue;
      }
      action = collab::Action::from_act(static_cast<int32_t>(it - acts.begin()));
    } else if (line[0] == ':') {
      fmt::print("unknown command '{}'; {}\n", line, kHelp);  // a mistyped command costs no turn
      continue;
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

// The scenario a ppo:DIR agent was trained on (from its checkpoint's sidecar), if any.
std::string checkpoint_scenario(const std::string& agent_spec) {
#ifdef COLLAB_HAVE_LEARNERS
  if (agent_spec.rfind("ppo:", 0) != 0) return "";
  const json meta = collab::learners::load_module().checkpoint_info(agent_spec.substr(4));
  if (meta.contains("scenario") && meta["scenario"].is_object() &&
      meta["scenario"].contains("path") && meta["scenario"]["path"].is_string()) {
    return meta["scenario"]["path"].get<std::string>();
  }
#else
  (void)agent_spec;
#endif
  return "";
}

int cmd_run(const Registry& reg, EnvArgs args, const std::vector<std::string>& agent_specs,
            int episodes, uint64_t seed, bool as_json, const std::string& trace_path) {
  if (episodes < 1) throw UsageError(fmt::format("--episodes {}: expected at least 1", episodes));
  // Inputs first (agents, task, options, scenario); outputs are opened only once all are valid.
  std::vector<std::unique_ptr<collab::agents::Agent>> agents;
  for (const auto& spec : agent_specs) agents.push_back(collab::agents::make_agent(spec));
  if (args.scenario.empty()) {
    for (const auto& spec : agent_specs) {
      if (const std::string from_ckpt = checkpoint_scenario(spec); !from_ckpt.empty()) {
        args.scenario = from_ckpt;  // the scenario the first trained agent was trained on
        break;
      }
    }
  }
  collab::Env env = reg.make(args.resolved_task(), args.options());
  const json scen = env.task().scenario_info();
  const std::string scen_path = scen.value("path", "");
  const std::string scen_name = std::filesystem::path(scen_path).filename().string();
  std::optional<AtomicOutput> trace;
  std::ostream* trace_out = nullptr;
  if (!trace_path.empty()) {
    trace.emplace(trace_path);
    trace_out = &trace->open();
  }
  std::vector<collab::agents::Summary> results;
  for (auto& agent : agents) {
    collab::agents::RunConfig cfg;
    cfg.episodes = episodes;
    cfg.seed = seed;
    cfg.trace = trace_out;
    Progress progress(agent->name(), !as_json);
    cfg.progress = [&](int done, int total) { progress.update(done, total, "episodes"); };
    results.push_back(collab::agents::evaluate(env, *agent, cfg));
  }
  if (trace) trace->commit();
  const json setup = {{"seeds", {{"first", seed}, {"count", episodes}}},
                      {"reward", env.reward_config().to_json()},
                      {"options", env.options()},
                      {"task_options", env.spec()["task_options"]},
                      {"scenario", {{"name", scen_name},
                                    {"path", scen_path},
                                    {"hash", scen.value("hash", "")}}}};
  if (as_json) {
    json out = json::array();
    for (const auto& r : results) {
      json j = r.to_json();
      j.update(setup);
      out.push_back(std::move(j));
    }
    print_json(results.size() == 1 ? out[0] : out);
    return 0;
  }
  fmt::print("{} · scenario {} ({}) · {} episodes · seeds {}..{} · reward {}\n", env.task().id(),
             scen_name, scen.value("hash", "").substr(0, 8), episodes, seed,
             seed + static_cast<uint64_t>(episodes) - 1, to_string(env.reward_config().mode));
  auto label = [](const collab::agents::Summary& r) {
    return r.privileged ? r.agent + "*" : r.agent;
  };
  size_t width = 10;
  for (const auto& r : results) width = std::max(width, label(r).size());
  // R* of the finished conversation and mean MR per turn, never the summed per-turn MR: that sum
  // grows with the conversation's length and would reward stalling (DESIGN §5).
  const bool has_mr = env.reward_config().mode != collab::RewardMode::kTerminal;
  fmt::print("{:<{}} {:>8} {:>15} {:>14} {:>8} {:>8} {:>8} {:>8}\n", "agent", width, "success",
             "95% CI", "score ± se", "turns", "tokens", "R*", "MR/turn");
  bool any_privileged = false;
  for (const auto& r : results) {
    const auto& st = r.stats;
    fmt::print("{:<{}} {:>7.1f}% {:>15} {:>6.3f} ±{:>5.3f} {:>8.2f} {:>8.1f} {:>8.3f} {:>8}\n",
               label(r), width, 100 * st.success.mean,
               fmt::format("[{:.1f}, {:.1f}]", 100 * st.success.lo, 100 * st.success.hi),
               st.score.mean, st.score.se, st.turns.mean, st.agent_tokens.mean, st.r_star.mean,
               has_mr ? fmt::format("{:.3f}", st.mr_per_turn.mean) : std::string("—"));
    any_privileged |= r.privileged;
  }
  for (const auto& r : results) {
    if (r.stats.failures > 0) {
      fmt::print("{}: {} of {} episodes failed by the agent (timeout, bad reply or invalid act; "
                 "scored 0)\n",
                 label(r), r.stats.failures, r.episodes);
    }
  }
  fmt::print(
      "success: rate with its 95% Wilson interval; score: mean ± one standard error; R*: reward of "
      "the finished conversation; MR/turn: mean multiturn-aware reward per turn{}.\n",
      has_mr ? "" : " (— : the terminal reward mode computes none)");
  if (any_privileged) {
    fmt::print("* privileged baseline: reads the task's dialogue state (never the goal).\n");
  }
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
  std::string seed = "0";
  std::string device = "auto";
  std::string out;
  bool force = false;
  std::optional<double> learning_rate, gamma;
  std::string ppo_json;
  bool self_rollouts = false;
  std::string policy = "auto";
};

int cmd_train(const Registry& reg, const TrainArgs& a) {
#ifdef COLLAB_HAVE_LEARNERS
  collab::learners::TrainConfig cfg;
  cfg.task = reg.resolve(a.env.resolved_task());
  // An earlier run's folder is never overwritten by accident.
  std::error_code ec;
  if (!a.force && std::filesystem::is_directory(a.out, ec) &&
      !std::filesystem::is_empty(a.out, ec)) {
    throw UsageError(fmt::format(
        "--out {}: the folder is not empty (an earlier run?); pass --force to overwrite it or "
        "choose another folder",
        a.out));
  }
  cfg.env_options = a.env.options();
  cfg.algo = a.algo;
  cfg.total_steps = a.total_steps;
  cfg.num_envs = a.num_envs;
  cfg.threads = a.threads;
  cfg.seed = parse_u64("--seed", a.seed);
  cfg.device = a.device;
  cfg.out_dir = a.out;
  if (!a.ppo_json.empty()) {
    const json j = json::parse(a.ppo_json, nullptr, false);
    if (j.is_discarded())
      throw UsageError(fmt::format("--ppo '{}': expected a JSON object", a.ppo_json));
    cfg.ppo = collab::learners::load_module().ppo_args_from_json(j);
  }
  cfg.self_rollouts = a.self_rollouts;
  cfg.policy = a.policy;
  if (a.learning_rate) cfg.ppo.learning_rate = *a.learning_rate;
  if (a.gamma) cfg.ppo.gamma = *a.gamma;
  Progress progress("train", true);
  const collab::learners::ModuleApi& learners = collab::learners::load_module();
  const auto result = learners.train(reg, cfg, [&](const collab::learners::TrainProgress& p) {
    progress.update(p.step, p.total_steps, "steps",
                    fmt::format("  success {:.1f}%  return {:.3f}", 100 * p.recent_success,
                                p.recent_return));
  });
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
  collab::learners::register_lazy_agents();  // "ppo:DIR" agents: loads the learners module then
#endif
  collab::bridge::register_remote_agent();  // "remote:ENDPOINT" agents
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

  EnvArgs run_args;
  std::vector<std::string> agent_specs;
  int episodes = 100;
  std::string seed = "0";
  std::string trace_path;
  auto* run =
      app.add_subcommand("run", "Run agents on a task and report success, score, turns, tokens");
  run_args.add_to(run, false);
  run->add_option("--agent,-a", agent_specs,
                  "Agent: random, passive, expert, ppo:DIR (a trained checkpoint) or "
                  "remote:ENDPOINT[?timeout=SECONDS] (served over ZeroMQ, docs/protocol.md); "
                  "repeatable")
      ->required();
  run->add_option("--episodes,-n", episodes, "Episodes per agent")->capture_default_str();
  run->add_option("--seed", seed, "Seed of the first episode (episode i uses seed + i)")
      ->capture_default_str();
  run->add_option("--trace", trace_path, "Write every episode as a JSON Lines trace to this file");
  run->add_flag("--json", as_json, "Print one JSON object (an array for several agents)");
  collab::cli::UserArgs run_user;
  run_user.add_to(run);

  std::vector<std::string> replay_paths;
  auto* replay =
      app.add_subcommand("replay", "Re-run the actions of trace files; fail on any difference");
  replay->add_option("trace", replay_paths, "Trace files (JSON Lines)")->required();
  collab::cli::UserArgs replay_user;  // traces of runs with an external user replay from its cache
  replay_user.add_to(replay);

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
  train_args.env.add_to(train, false);
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
  train->add_flag("--force", train_args.force, "Write into a non-empty --out folder");
  train->add_option("--out", train_args.out, "Output folder: metrics.csv, curve.svg, checkpoints")
      ->required();
  train->add_option("--learning-rate", train_args.learning_rate,
                    "PPO learning rate (default 1e-3)");
  train->add_option("--gamma", train_args.gamma,
                    "Discount; default by reward mode: 0 for mr and immediate, 0.99 otherwise");
  train->add_flag("--self-rollouts", train_args.self_rollouts,
                  "MR futures played by the policy being trained (CollabLLM's setup) instead of "
                  "--rollout-policy");
  train
      ->add_option("--policy", train_args.policy,
                   "Network: mlp (one output per act), act-scoring (one scorer over each act's "
                   "features: any act count), or auto (act-scoring when the task has act "
                   "features)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "mlp", "act-scoring"}));
  train->add_option(
      "--ppo", train_args.ppo_json,
      "PPO hyper-parameters as a JSON object (fields of PpoArgs, learners/learners.h)");

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
    if (*list) return cmd_list(reg, as_json);
    if (*spec) return cmd_spec(reg, spec_args);
    if (*play) {
      play_args.user = first_or_empty(play_user.apply());
      return cmd_play(reg, play_args,
                      play_seed.empty() ? std::nullopt
                                        : std::optional<uint64_t>(parse_u64("--seed", play_seed)));
    }
    if (*run) {
      run_args.user = first_or_empty(run_user.apply());
      const int rc = cmd_run(reg, run_args, agent_specs, episodes, parse_u64("--seed", seed),
                             as_json, trace_path);
      print_user_counters(run_args.user);
      return rc;
    }
    if (*replay) {
      replay_user.apply(/*replay_default=*/true);
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
