// The commands of cli/commands.h: what `list`, `spec`, `play`, `run`, `replay`, `scenarios
// validate` and `train` do once main.cpp has parsed their flags.
#include "cli/commands.h"

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

namespace collab::cli {

using nlohmann::json;

namespace {

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

}  // namespace

void EnvArgs::add_to(CLI::App* app, bool task_required, bool with_split) {
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
                  "Who plays the MR futures: expert (default), random, passive, an agent "
                  "endpoint [remote:]ENDPOINT[?timeout=S] (agent protocol 2, e.g. "
                  "collabgym.serve_agent) or a model llm:URL[?model=M&…] (docs/reward.md)");
  app->add_option("--max-turns", max_turns, "Turn limit (truncation); default: the task's");
  app->add_option("--option,-o", raw,
                  "Any environment option as KEY=VALUE (VALUE parsed as JSON if it can be, else "
                  "a string); repeatable. A task's own options (e.g. noise, persona) are "
                  "listed with defaults and ranges under \"options\" in `collabgym spec TASK`");
}

// The task: --task, else the "task" named in the --scenario file.
std::string EnvArgs::resolved_task() const {
  if (!task.empty()) return task;
  if (scenario.empty())
    throw UsageError("--task is required (or a --scenario file naming its task)");
  const collab::ScenarioFile f = collab::load_scenario_file(scenario);
  if (!f.json.is_object() || !f.json.contains("task") || !f.json.at("task").is_string()) {
    throw collab::ScenarioError(
        fmt::format("{}: /task: missing; pass --task or name the task in the file", scenario));
  }
  return f.json.at("task").get<std::string>();
}

json EnvArgs::options() const {
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
  if (!rollout_policy.empty()) o["rollout_policy"] = offer_rollout_policy(rollout_policy);
  if (mr_window) o["mr_window"] = *mr_window;
  if (mr_samples) o["mr_samples"] = *mr_samples;
  if (max_turns) o["max_turns"] = *max_turns;
  if (token_cost) o["token_cost"] = *token_cost;
  if (w_task) o["w_task"] = *w_task;
  if (w_itr) o["w_itr"] = *w_itr;
  if (!user.empty()) o["user"] = user;
  return o;
}

std::vector<std::string> EnvArgs::to_args(const std::string& split_override) const {
  std::vector<std::string> out;
  auto add = [&out](const char* flag, const std::string& v) {
    if (!v.empty()) out.insert(out.end(), {flag, v});
  };
  add("--task", task);
  add("--scenario", scenario);
  add("--split", split_override.empty() ? split : split_override);
  add("--reward", reward);
  add("--rollout-policy", rollout_policy);
  if (mr_window) add("--mr-window", std::to_string(*mr_window));
  if (mr_samples) add("--mr-samples", std::to_string(*mr_samples));
  if (max_turns) add("--max-turns", std::to_string(*max_turns));
  if (token_cost) add("--token-cost", fmt::format("{}", *token_cost));
  if (w_task) add("--w-task", fmt::format("{}", *w_task));
  if (w_itr) add("--w-itr", fmt::format("{}", *w_itr));
  for (const auto& kv : raw) add("--option", kv);
  return out;
}

namespace {

void print_json(const json& j) { std::cout << j.dump(2) << "\n"; }

}  // namespace

std::string first_or_empty(const std::vector<std::string>& v) { return v.empty() ? "" : v[0]; }

void print_user_counters(const std::string& name) {
  if (name.empty()) return;
  if (const auto user = collab::find_user(name)) {
    fmt::print(stderr, "user {}: {}\n", name, user->counters().dump());
  }
}

namespace {
bool names_an_agent(std::string_view value) {
  return value.rfind("remote:", 0) == 0 || value.rfind("llm:", 0) == 0 ||
         value.find("://") != std::string_view::npos;
}
}  // namespace

std::string offer_rollout_policy(const std::string& value) {
  if (names_an_agent(value) && collab::find_rollout_agent(value) == nullptr) {
    collab::bridge::register_rollout_agent_arg(value, /*named=*/false);
  }
  return value;
}

void resolve_rollout_agents_from_specs() {
  collab::set_rollout_agent_resolver(
      [](std::string_view name) -> std::shared_ptr<collab::RolloutAgent> {
        if (!names_an_agent(name)) return nullptr;
        return collab::bridge::make_rollout_agent(std::string(name), name);
      });
}

void print_rollout_counters(const std::string& name) {
  if (name.empty()) return;
  if (const auto agent = collab::find_rollout_agent(name)) {
    const json c = agent->counters();
    if (!c.empty()) fmt::print(stderr, "rollout agent {}: {}\n", name, c.dump());
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

namespace {

// `play --agent SPEC`: the agent plays; the conversation is printed as it happens.
int watch(collab::Env& env, const std::string& agent_spec, std::optional<uint64_t> seed) {
  auto agent = collab::agents::make_agent(agent_spec);
  const collab::ResetResult rr = env.reset(seed);
  fmt::print("{} (seed {}), played by {}\n\nuser>  {}\n", env.task().id(), rr.seed, agent->name(),
             rr.obs.text);
  std::fflush(stdout);
  double ret = 0;
  std::string failure;
  try {
    agent->begin(env.spec(), rr.seed);
    collab::Observation obs = rr.obs;
    while (!env.done()) {
      collab::Rng rng = collab::agents::policy_rng(env);
      const collab::Action a = collab::agents::decide(*agent, env, obs, rng);
      collab::StepResult r;
      try {
        r = env.step(a);
      } catch (const collab::InvalidAction& e) {
        throw collab::agents::AgentFailure(e.what());
      }
      ret += r.reward;
      fmt::print("agent> {}\n        [{}]\nuser>  {}   [reward {:+.3f}]\n", r.info.agent_text,
                 r.info.act ? env.task().acts()[static_cast<size_t>(*r.info.act)]
                            : std::string("not understood"),
                 r.obs.text, r.reward);
      std::fflush(stdout);
      obs = std::move(r.obs);
    }
  } catch (const collab::agents::AgentFailure& e) {
    failure = e.what();
  }
  const collab::Score s = env.score();
  fmt::print(
      "\n--- summary ---\ngoal: {}\nturns: {}   success: {}   score: {:.3f}   return: {:.3f}   "
      "agent tokens: {}\n",
      env.episode().goal(), env.turn(), s.success ? "yes" : "no", s.task, ret, env.agent_tokens());
  if (!failure.empty()) {
    fmt::print("the agent failed: {}\n", failure);
    return 1;
  }
  return 0;
}

}  // namespace

// Interactive: a person types the agent's turns (or an agent plays: watch()).
int cmd_play(const Registry& reg, const EnvArgs& args, std::optional<uint64_t> seed,
             const std::string& agent_spec) {
  collab::Env env = reg.make(args.resolved_task(), args.options());
  if (!agent_spec.empty()) return watch(env, agent_spec, seed);
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

namespace {

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

}  // namespace

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
  const json setup = {
      {"seeds", {{"first", seed}, {"count", episodes}}},
      {"reward", env.reward_config().to_json()},
      {"options", env.options()},
      {"task_options", env.spec()["task_options"]},
      {"scenario", {{"name", scen_name}, {"path", scen_path}, {"hash", scen.value("hash", "")}}}};
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
      fmt::print(
          "{}: {} of {} episodes failed by the agent (timeout, bad reply or invalid act; "
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

}  // namespace collab::cli
