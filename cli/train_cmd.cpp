// The `train` command of cli/train_cmd.h: training, the seed sweep's Slurm jobs and the summary
// over a sweep's seeds.
#include "cli/train_cmd.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/args.h"
#include "cli/slurm_jobs.h"
#include "env/error.h"
#include "leaderboard/progress.h"
#ifdef COLLAB_HAVE_LEARNERS
#include "learners/module.h"  // torch stays out of this program until train or ppo: loads it
#endif

namespace collab::cli {

using nlohmann::json;
namespace fs = std::filesystem;

CLI::App* add_train_command(CLI::App& app, TrainArgs& a) {
  auto* train = app.add_subcommand("train", "Train a policy with a bundled learner (libtorch)");
  a.env.add_to(train, false);
  train->add_option("--algo", a.algo, "Learner")->capture_default_str();
  train->add_option("--total-steps", a.total_steps, "Environment steps, all envs together")
      ->capture_default_str();
  train->add_option("--num-envs", a.num_envs, "Environments stepped together")
      ->capture_default_str();
  train->add_option("--threads", a.threads, "CPU threads (environments and torch)")
      ->capture_default_str();
  train->add_option("--seed", a.seed, "Seed (environment i starts with seed + i)")
      ->capture_default_str();
  train->add_option("--device", a.device, "auto, cpu or cuda")->capture_default_str();
  train->add_flag("--force", a.force, "Write into a non-empty --out folder");
  train->add_option("--out", a.out,
                    "Output folder (required): metrics.csv, curve.svg, checkpoints; with "
                    "--emit-slurm, the sweep's folder (OUT/seed-S for each seed)");
  train->add_option("--learning-rate", a.learning_rate, "PPO learning rate (default 1e-3)");
  train->add_option("--gamma", a.gamma,
                    "Discount; default by reward mode: 0 for mr and immediate, 0.99 otherwise");
  train->add_flag("--self-rollouts", a.self_rollouts,
                  "MR futures played by the policy being trained (CollabLLM's setup) instead of "
                  "--rollout-policy");
  train
      ->add_option("--policy", a.policy,
                   "Network: mlp (one output per act), act-scoring (one scorer over each act's "
                   "features: any act count; factored by default, --ppo '{\"scorer\": \"mlp\"}' "
                   "for the first scorer), or auto (act-scoring when the task has act features)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "mlp", "act-scoring"}));
  train->add_option(
      "--ppo", a.ppo_json,
      "PPO hyper-parameters as a JSON object (fields of PpoArgs, learners/learners.h)");
  train->add_option("--emit-slurm", a.emit_slurm,
                    "Write a seed sweep as Slurm jobs to this folder instead of training: one "
                    "array task per --slurm-seeds seed (train into OUT/seed-S, then evaluate the "
                    "greedy agent), a summary job after them, and submit.sh (docs/learners.md "
                    "\"Seed sweeps\")");
  train->add_option("--slurm-seeds", a.slurm_seeds,
                    "With --emit-slurm: the seeds, comma-separated (e.g. 1,2,3), or a range A-B");
  train->add_option("--slurm-sbatch", a.slurm_sbatch,
                    "With --emit-slurm: an extra #SBATCH option for every job, e.g. "
                    "--partition=cpu or --time=01:00:00; repeatable");
  train->add_option("--eval-episodes", a.eval_episodes,
                    "With --emit-slurm: greedy evaluation episodes per seed")
      ->capture_default_str();
  train->add_option("--eval-split", a.eval_split, "With --emit-slurm: the evaluation's split")
      ->capture_default_str();
  train->add_option("--eval-seed", a.eval_seed,
                    "With --emit-slurm: the evaluation's first episode seed (reward terminal)")
      ->capture_default_str();
  a.summary = train->add_subcommand(
      "summary",
      "Tabulate a seed sweep: each training folder's checkpoint and eval.json, then mean, sd, "
      "min and max over the seeds");
  a.summary->add_option("dirs", a.summary_dirs, "Training folders, one per seed")->required();
  a.summary->add_flag("--json", a.summary_json, "Print JSON");
  return train;
}

namespace {

json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot read", path.string()));
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error(fmt::format("{}: not a JSON object", path.string()));
  }
  return j;
}

// "1,2,3" or "A-B" (A <= B, at most 1000 seeds): distinct seeds in the order given.
std::vector<uint64_t> parse_seed_list(const std::string& text) {
  std::vector<uint64_t> seeds;
  const auto dash = text.find('-');
  if (dash != std::string::npos && text.find(',') == std::string::npos && dash > 0) {
    const uint64_t a = parse_u64("--slurm-seeds", text.substr(0, dash));
    const uint64_t b = parse_u64("--slurm-seeds", text.substr(dash + 1));
    if (a > b || b - a >= 1000) {
      throw InvalidOption(fmt::format(
          "--slurm-seeds '{}': expected a range A-B with A <= B and at most 1000 seeds", text));
    }
    for (uint64_t s = a; s <= b; ++s) seeds.push_back(s);
    return seeds;
  }
  std::set<uint64_t> seen;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const uint64_t s = parse_u64("--slurm-seeds", text.substr(start, comma - start));
    if (!seen.insert(s).second) {
      throw InvalidOption(fmt::format("--slurm-seeds '{}': seed {} twice", text, s));
    }
    seeds.push_back(s);
    start = comma + 1;
  }
  return seeds;
}

// --emit-slurm: the sweep's flags (checked here, so a bad one fails now, not on the cluster).
int emit_sweep(const Registry& reg, const TrainArgs& a) {
  if (a.slurm_seeds.empty()) {
    throw InvalidOption("--emit-slurm needs --slurm-seeds: the seeds to train, e.g. 1,2,3");
  }
  if (a.eval_episodes < 1) {
    throw InvalidOption(fmt::format("--eval-episodes {}: expected at least 1", a.eval_episodes));
  }
  if (a.threads < 1) throw InvalidOption(fmt::format("--threads {}: expected at least 1", a.threads));
  const uint64_t eval_seed = parse_u64("--eval-seed", a.eval_seed);
  SweepJobs j;
  j.seeds = parse_seed_list(a.slurm_seeds);
  for (const auto& [flag, dir] : {std::pair{"--emit-slurm", a.emit_slurm}, {"--out", a.out}}) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
      throw InvalidOption(fmt::format("{} {}: exists and is not a folder", flag, dir));
    }
    if (!a.force && fs::is_directory(dir, ec) && !fs::is_empty(dir, ec)) {
      throw InvalidOption(fmt::format(
          "{} {}: the folder is not empty (an earlier sweep?); pass --force or choose another",
          flag, dir));
    }
  }
  // The environment of training and of evaluation, made once each as the jobs will.
  const std::string task = reg.resolve(a.env.resolved_task());
  (void)reg.make(task, a.env.options());
  EnvArgs eval_env = a.env;
  eval_env.task = task;
  eval_env.reward = "terminal";  // the score and success do not depend on it; MR only costs time
  if (!a.eval_split.empty()) eval_env.split = a.eval_split;
  (void)reg.make(task, eval_env.options());
  if (!a.ppo_json.empty() && json::parse(a.ppo_json, nullptr, false).is_discarded()) {
    throw InvalidOption(fmt::format("--ppo '{}': expected a JSON object", a.ppo_json));
  }
  j.dir = a.emit_slurm;
  const JobSite site = this_site();
  j.binary = site.binary;
  j.workdir = site.workdir;
  j.out = a.out;
  j.cpus = a.threads;
  j.sbatch = a.slurm_sbatch;
  EnvArgs train_env = a.env;
  train_env.task = task;
  j.train_args = train_env.to_args();
  j.train_args.insert(
      j.train_args.end(),
      {"--algo", a.algo, "--total-steps", std::to_string(a.total_steps), "--num-envs",
       std::to_string(a.num_envs), "--threads", std::to_string(a.threads), "--device", a.device,
       "--policy", a.policy});
  if (a.learning_rate) {
    j.train_args.insert(j.train_args.end(), {"--learning-rate", fmt::format("{}", *a.learning_rate)});
  }
  if (a.gamma) j.train_args.insert(j.train_args.end(), {"--gamma", fmt::format("{}", *a.gamma)});
  if (a.self_rollouts) j.train_args.push_back("--self-rollouts");
  if (!a.ppo_json.empty()) j.train_args.insert(j.train_args.end(), {"--ppo", a.ppo_json});
  j.eval_args = eval_env.to_args();
  j.eval_args.insert(j.eval_args.end(), {"--episodes", std::to_string(a.eval_episodes), "--seed",
                                         std::to_string(eval_seed)});
  for (const auto& p : write_train_sweep_jobs(j)) fmt::print("wrote {}\n", p);
  fmt::print("submit with: {}/submit.sh  (seeds {} into {}/seed-S; the summary: {}/summary.txt)\n",
             fs::absolute(a.emit_slurm).lexically_normal().string(), a.slurm_seeds,
             fs::absolute(a.out).lexically_normal().string(),
             fs::absolute(a.out).lexically_normal().string());
  return 0;
}

struct Spread {
  double mean = 0, sd = 0, min = 0, max = 0;
  int n = 0;
  json to_json() const { return {{"mean", mean}, {"sd", sd}, {"min", min}, {"max", max}, {"n", n}}; }
};

// Mean, sample standard deviation (0 for one value), min and max.
Spread spread(const std::vector<double>& v) {
  Spread s;
  s.n = static_cast<int>(v.size());
  if (v.empty()) return s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  }
  return s;
}

double number(const json& j, const char* key, const fs::path& file) {
  if (!j.contains(key) || !j[key].is_number()) {
    throw Error(fmt::format("{}: no number \"{}\"", file.string(), key));
  }
  return j[key].get<double>();
}

// `train summary DIR...`: each folder's checkpoint.json (and eval.json, when the sweep wrote one)
// and the spread over them. The folders must be one sweep: the same task, environment options,
// policy and PPO settings, distinct seeds.
int summarize(const TrainArgs& a) {
  struct Row {
    std::string dir;
    json meta, eval;
  };
  std::vector<Row> rows;
  std::set<uint64_t> seeds;
  for (const auto& d : a.summary_dirs) {
    Row r{d, read_json_file(fs::path(d) / "checkpoint.json"), json()};
    if (r.meta.value("format", "") != "collabgym-checkpoint") {
      throw Error(fmt::format("{}/checkpoint.json: not a collabgym checkpoint sidecar", d));
    }
    if (!r.meta.contains("seed") || !r.meta["seed"].is_number_unsigned()) {
      throw Error(fmt::format("{}/checkpoint.json: no \"seed\"", d));
    }
    if (!seeds.insert(r.meta["seed"].get<uint64_t>()).second) {
      throw InvalidOption(fmt::format("{}: seed {} is in the summary twice", d,
                                      r.meta["seed"].get<uint64_t>()));
    }
    if (fs::exists(fs::path(d) / "eval.json")) r.eval = read_json_file(fs::path(d) / "eval.json");
    if (!rows.empty()) {
      const Row& first = rows.front();
      for (const char* key : {"task", "env_options", "policy", "ppo", "steps", "num_envs", "algo"}) {
        if (r.meta.value(key, json()) != first.meta.value(key, json())) {
          throw InvalidOption(fmt::format(
              "{} and {} are not one sweep: their \"{}\" differ ({} vs {})", first.dir, d, key,
              first.meta.value(key, json()).dump(), r.meta.value(key, json()).dump()));
        }
      }
      if (r.eval.is_null() != first.eval.is_null()) {
        throw Error(fmt::format("{} has an eval.json and {} has none: evaluate every seed or none",
                                r.eval.is_null() ? first.dir : d, r.eval.is_null() ? d : first.dir));
      }
      if (!r.eval.is_null() && (r.eval.value("episodes", 0) != first.eval.value("episodes", 0) ||
                                r.eval.value("seeds", json()) != first.eval.value("seeds", json()) ||
                                r.eval.value("options", json()) != first.eval.value("options", json()))) {
        throw InvalidOption(fmt::format(
            "{}/eval.json and {}/eval.json were not evaluated alike (episodes, seeds or options)",
            first.dir, d));
      }
    }
    rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    return x.meta["seed"].get<uint64_t>() < y.meta["seed"].get<uint64_t>();
  });
  const bool with_eval = !rows.front().eval.is_null();
  std::vector<double> train_success, train_return, seconds, test_success, test_score, test_turns;
  json per_seed = json::array();
  for (const Row& r : rows) {
    const fs::path meta = fs::path(r.dir) / "checkpoint.json";
    const fs::path ev = fs::path(r.dir) / "eval.json";
    json row = {{"seed", r.meta["seed"]},
                {"dir", r.dir},
                {"train", {{"final_success", number(r.meta, "final_success", meta)},
                           {"final_return", number(r.meta, "final_return", meta)},
                           {"seconds", r.meta.value("seconds", json())}}}};
    train_success.push_back(number(r.meta, "final_success", meta));
    train_return.push_back(number(r.meta, "final_return", meta));
    if (r.meta.contains("seconds") && r.meta["seconds"].is_number()) {
      seconds.push_back(r.meta["seconds"].get<double>());
    }
    if (with_eval) {
      row["eval"] = {{"success_rate", number(r.eval, "success_rate", ev)},
                     {"mean_score", number(r.eval, "mean_score", ev)},
                     {"score_stderr", number(r.eval, "score_stderr", ev)},
                     {"mean_turns", number(r.eval, "mean_turns", ev)},
                     {"failures", r.eval.value("failures", 0)}};
      test_success.push_back(number(r.eval, "success_rate", ev));
      test_score.push_back(number(r.eval, "mean_score", ev));
      test_turns.push_back(number(r.eval, "mean_turns", ev));
    }
    per_seed.push_back(std::move(row));
  }
  const json& m = rows.front().meta;
  const std::string task = m.value("task", json::object()).value("id", "?");
  json over = {{"train_final_success", spread(train_success).to_json()},
               {"train_final_return", spread(train_return).to_json()}};
  if (seconds.size() == rows.size()) over["train_seconds"] = spread(seconds).to_json();
  if (with_eval) {
    over["eval_success_rate"] = spread(test_success).to_json();
    over["eval_mean_score"] = spread(test_score).to_json();
    over["eval_mean_turns"] = spread(test_turns).to_json();
  }
  if (a.summary_json) {
    json out = {{"task", task},
                {"steps", m.value("steps", json())},
                {"policy", m.value("network", json::object()).value("kind", "?")},
                {"env_options", m.value("env_options", json::object())},
                {"seeds", per_seed},
                {"over_seeds", over}};
    if (with_eval) {
      const json& e = rows.front().eval;
      out["eval"] = {{"episodes", e.value("episodes", 0)},
                     {"seeds", e.value("seeds", json())},
                     {"options", e.value("options", json())}};
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  const json opts = m.value("env_options", json::object());
  fmt::print("train sweep: {} · {} · reward {} · {} steps · {} seeds\n", task,
             m.value("network", json::object()).value("kind", "?"),
             opts.value("reward", std::string("mr")), m.value("steps", json()).dump(), rows.size());
  if (with_eval) {
    const json& e = rows.front().eval;
    fmt::print("evaluation: greedy, {} episodes, split {}, seeds from {}\n", e.value("episodes", 0),
               e.value("options", json::object()).value("split", std::string("(default)")),
               e.value("seeds", json::object()).value("first", json()).dump());
  }
  fmt::print("{:>10} {:>9} {:>14}", "seed", "seconds", "train success");
  if (with_eval) fmt::print(" {:>13} {:>16} {:>8}", "eval success", "eval score", "turns");
  fmt::print("\n");
  for (const json& r : per_seed) {
    const json& sec = r["train"]["seconds"];
    fmt::print("{:>10} {:>9} {:>13.1f}%", r["seed"].get<uint64_t>(),
               sec.is_number() ? fmt::format("{:.1f}", sec.get<double>()) : "—",
               100 * r["train"]["final_success"].get<double>());
    if (with_eval) {
      fmt::print(" {:>12.1f}% {:>8.3f} ±{:>6.3f} {:>8.2f}",
                 100 * r["eval"]["success_rate"].get<double>(),
                 r["eval"]["mean_score"].get<double>(), r["eval"]["score_stderr"].get<double>(),
                 r["eval"]["mean_turns"].get<double>());
    }
    fmt::print("\n");
  }
  auto line = [&](const char* label, auto pick) {
    fmt::print("{:>10} {:>9} {:>13.1f}%", label,
               seconds.size() == rows.size() ? fmt::format("{:.1f}", pick(spread(seconds))) : "—",
               100 * pick(spread(train_success)));
    if (with_eval) {
      fmt::print(" {:>12.1f}% {:>8.3f} {:>7} {:>8.2f}", 100 * pick(spread(test_success)),
                 pick(spread(test_score)), "", pick(spread(test_turns)));
    }
    fmt::print("\n");
  };
  line("mean", [](const Spread& s) { return s.mean; });
  line("sd", [](const Spread& s) { return s.sd; });
  line("min", [](const Spread& s) { return s.min; });
  line("max", [](const Spread& s) { return s.max; });
  return 0;
}

}  // namespace

int cmd_train(const Registry& reg, const TrainArgs& a) {
  if (a.summary != nullptr && a.summary->parsed()) return summarize(a);
  if (a.out.empty()) throw UsageError("--out is required: the folder the run writes");
  if (!a.emit_slurm.empty()) return emit_sweep(reg, a);
  if (!a.slurm_seeds.empty() || !a.slurm_sbatch.empty()) {
    throw UsageError("--slurm-seeds and --slurm-sbatch are for --emit-slurm: pass that too");
  }
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
  collab::leaderboard::Progress progress("train", true);
  const collab::learners::ModuleApi& learners = collab::learners::load_module();
  const auto result = learners.train(reg, cfg, [&](const collab::learners::TrainProgress& p) {
    progress.update(
        p.step, p.total_steps, "steps",
        fmt::format("  success {:.1f}%  return {:.3f}", 100 * p.recent_success, p.recent_return));
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

}  // namespace collab::cli
