#include "cli/leaderboard_cmd.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "agents/agent.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/slurm_jobs.h"
#include "env/error.h"
#include "leaderboard/progress.h"
#include "leaderboard/report.h"
#include "leaderboard/runner.h"
#include "leaderboard/summary.h"

namespace collab::cli {

namespace fs = std::filesystem;
using nlohmann::json;

CLI::App* add_leaderboard_command(CLI::App& app, LeaderboardArgs& a) {
  auto* lb = app.add_subcommand(
      "leaderboard",
      "Run agents × tasks × seeds on the same episode seeds and write a report with confidence "
      "intervals (docs/leaderboard.md)");
  lb->require_subcommand(0, 1);
  lb->add_option("--tasks,-t", a.tasks,
                 "Environment ids, comma-separated, or 'all' (the latest version of every task)")
      ->capture_default_str();
  lb->add_option("--agents,-a", a.agents,
                 "Agents, comma-separated or repeated: random, passive, expert, ppo:DIR, "
                 "remote:ENDPOINT[?timeout=SECONDS], llm:URL[?model=M&…] (docs/llm-agents.md)")
      ->delimiter(',');
  lb->add_option("--episodes,-n", a.episodes, "Episodes (distinct goals) per seed, task and agent")
      ->capture_default_str();
  lb->add_option("--seeds", a.seeds,
                 "Seeds K: each task's episode list is played K times with new seeds (pass^K)")
      ->capture_default_str();
  lb->add_option("--seed", a.seed,
                 "First episode seed: episode i of seed k is first + k * episodes + i, the same "
                 "for every task and agent")
      ->capture_default_str();
  lb->add_option("--split", a.split, "Which goals: train, test or all (every task's split option)")
      ->capture_default_str();
  lb->add_option("--reward", a.reward,
                 "Reward mode: terminal, mr, mr_delta or immediate (default: the environments' "
                 "mr); MR/turn is shown for every mode but terminal");
  lb->add_option("--rollout-policy", a.rollout_policy,
                 "Who plays the MR futures for every agent: expert (default), random, passive, "
                 "[remote:]ENDPOINT or llm:URL (docs/reward.md)");
  lb->add_option("--option,-o", a.options,
                 "Any environment option for every task as KEY=VALUE (VALUE parsed as JSON if it "
                 "can be); repeatable");
  lb->add_option("--jobs,-j", a.jobs, "Worker threads; results are identical for any value")
      ->capture_default_str();
  lb->add_option("--shard", a.shard,
                 "Run only slice I of N (I/N, 0 <= I < N; unit u runs in shard u % N); combine "
                 "the shards' folders with `leaderboard merge`");
  lb->add_option("--out", a.out,
                 "Output folder: leaderboard.md, leaderboard.html, results.csv, results.json, "
                 "traces/");
  lb->add_flag("--force", a.force, "Write into a non-empty --out folder");
  lb->add_option("--verify", a.verify,
                 "Replay every trace of a leaderboard folder and check its results and tables; "
                 "exit 1 listing each problem (a tampered trace or score)");
  lb->add_option("--level", a.level, "Confidence level of every interval")->capture_default_str();
  lb->add_option("--resamples", a.resamples, "Bootstrap resamples per interval")
      ->capture_default_str();
  lb->add_flag("--json", a.json, "Print the statistics as JSON (results.json's \"summary\")");
  lb->add_option("--emit-slurm", a.emit_slurm,
                 "Write a Slurm job array (one shard per task), a merge job that depends on it "
                 "and submit.sh to this folder, from the flags given, instead of running; the "
                 "merged report goes to --out (docs/leaderboard.md \"Slurm\")");
  lb->add_option("--slurm-shards", a.slurm_shards, "With --emit-slurm: shards (array tasks)")
      ->capture_default_str();
  lb->add_option("--slurm-sbatch", a.slurm_sbatch,
                 "With --emit-slurm: an extra #SBATCH option for every job, e.g. "
                 "--partition=cpu or --time=01:00:00; repeatable");
  a.user.add_to(lb);
  a.agent_cache.add_to(lb);

  a.merge = lb->add_subcommand(
      "merge", "Combine the folders of every shard of one run into the report one run would give");
  a.merge->add_option("dirs", a.merge_dirs, "Shard folders (written with --shard I/N)")->required();
  a.merge->add_option("--out", a.merge_out, "Output folder for the combined report")->required();
  a.merge->add_flag("--force", a.merge_force, "Write into a non-empty --out folder");
  return lb;
}

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  int i = -1, n = -1;
  if (slash != std::string::npos) {
    const std::string a = text.substr(0, slash), b = text.substr(slash + 1);
    const auto ra = std::from_chars(a.data(), a.data() + a.size(), i);
    const auto rb = std::from_chars(b.data(), b.data() + b.size(), n);
    if (a.empty() || b.empty() || ra.ec != std::errc() || rb.ec != std::errc() ||
        ra.ptr != a.data() + a.size() || rb.ptr != b.data() + b.size()) {
      i = n = -1;
    }
  }
  if (n < 1 || i < 0 || i >= n) {
    throw InvalidOption(fmt::format("--shard '{}': expected I/N with 0 <= I < N (e.g. 0/4)", text));
  }
  return {i, n};
}

// An output folder that is empty or absent, unless --force.
void check_out(const std::string& flag, const std::string& dir, bool force) {
  if (dir.empty()) throw InvalidOption(fmt::format("{} is required: the output folder", flag));
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw InvalidOption(fmt::format("{} {}: exists and is not a folder", flag, dir));
  }
  if (!force && fs::is_directory(dir, ec) && !fs::is_empty(dir, ec)) {
    throw InvalidOption(fmt::format(
        "{} {}: the folder is not empty (an earlier run?); pass --force to overwrite it or choose "
        "another folder",
        flag, dir));
  }
}

void print_written(const leaderboard::RunResult& r, const std::string& dir, std::FILE* to) {
  const std::string abs = fs::absolute(dir).lexically_normal().string();
  if (leaderboard::complete(r)) {
    fmt::print(to,
               "wrote {0}/leaderboard.md, results.csv, results.json, traces/\n"
               "the report page: file://{0}/leaderboard.html\n",
               abs);
  } else {
    fmt::print(to,
               "wrote shard {}/{}: {}/results.json and traces/; combine every shard's folder with "
               "`collabgym leaderboard merge DIR... --out OUT`\n",
               r.config.shard_index, r.config.shard_count, abs);
  }
}

int report(const leaderboard::RunResult& r, const std::string& dir, bool as_json) {
  leaderboard::write_outputs(r, dir);
  if (leaderboard::complete(r)) {
    const leaderboard::Summary s = leaderboard::summarise(r);
    if (as_json) {
      std::cout << s.to_json(r).dump(2) << "\n";
    } else {
      std::cout << leaderboard::console(r, s) << std::flush;
    }
  }
  print_written(r, dir, as_json ? stderr : stdout);
  return 0;
}

// --emit-slurm: the run's own flags (validated above, tasks resolved) as a job array and a merge.
int emit_slurm(const Registry& registry, const LeaderboardArgs& a,
               const leaderboard::RunConfig& cfg) {
  if (!a.shard.empty()) {
    throw InvalidOption("--emit-slurm writes every shard's job: leave out --shard");
  }
  check_out("--emit-slurm", a.emit_slurm, a.force);
  // Every task and agent made once, as the run will, so a bad one fails here, not on the cluster.
  for (const auto& t : cfg.tasks) (void)registry.make(registry.resolve(t), cfg.options);
  for (const auto& spec : cfg.agents) (void)agents::make_agent(spec);
  SlurmJobs j;
  j.dir = a.emit_slurm;
  const JobSite site = this_site();
  j.binary = site.binary;
  j.workdir = site.workdir;
  j.out = a.out;
  j.shards = a.slurm_shards;
  j.cpus = cfg.jobs;
  j.sbatch = a.slurm_sbatch;
  std::string tasks;
  for (const auto& t : cfg.tasks) tasks += (tasks.empty() ? "" : ",") + t;
  std::string agents;
  for (const auto& s : cfg.agents) agents += (agents.empty() ? "" : ",") + s;
  j.args = {"--tasks", tasks, "--agents", agents, "--episodes", std::to_string(cfg.episodes),
            "--seeds", std::to_string(cfg.seeds), "--seed", std::to_string(cfg.first_seed),
            "--split", a.split, "--jobs", std::to_string(cfg.jobs), "--level",
            fmt::format("{}", cfg.level), "--resamples", std::to_string(cfg.resamples)};
  if (!a.reward.empty()) j.args.insert(j.args.end(), {"--reward", a.reward});
  if (!a.rollout_policy.empty()) {
    j.args.insert(j.args.end(), {"--rollout-policy", a.rollout_policy});
  }
  for (const auto& o : a.options) j.args.insert(j.args.end(), {"--option", o});
  for (const auto& u : a.user.users) j.args.insert(j.args.end(), {"--user", u});
  if (!a.user.cache.empty()) j.args.insert(j.args.end(), {"--user-cache", a.user.cache});
  if (!a.user.cache_mode.empty()) {
    j.args.insert(j.args.end(), {"--user-cache-mode", a.user.cache_mode});
  }
  for (const auto& f : a.agent_cache.to_args()) j.args.push_back(f);
  for (const auto& p : write_leaderboard_jobs(j)) fmt::print("wrote {}\n", p);
  fmt::print("submit with: {}/submit.sh  (the merged report goes to {})\n",
             fs::absolute(a.emit_slurm).lexically_normal().string(),
             fs::absolute(a.out).lexically_normal().string());
  return 0;
}

}  // namespace

int cmd_leaderboard(const Registry& registry, const LeaderboardArgs& a) {
  if (a.merge != nullptr && a.merge->parsed()) {
    check_out("--out", a.merge_out, a.merge_force);
    std::vector<leaderboard::RunResult> shards;
    for (const auto& d : a.merge_dirs) shards.push_back(leaderboard::read_results(d));
    return report(leaderboard::merge(std::move(shards)), a.merge_out, a.json);
  }
  // Verifying a run made with an external user replays it from that user's cache.
  const std::vector<std::string> users = a.user.apply(/*replay_default=*/!a.verify.empty());
  if (!a.verify.empty()) {
    const leaderboard::VerifyReport v = leaderboard::verify(a.verify, registry);
    for (const auto& p : v.problems) fmt::print("PROBLEM {}\n", p);
    fmt::print(
        "{}: {} trace files, {} episodes, {} steps replayed; {}\n", a.verify, v.traces, v.episodes,
        v.steps,
        v.ok() ? "results, statistics and tables match the traces"
               : fmt::format("{} problem{}", v.problems.size(), v.problems.size() == 1 ? "" : "s"));
    return v.ok() ? 0 : 1;
  }
  leaderboard::RunConfig cfg;
  if (a.agents.empty()) throw InvalidOption("--agents is required: which agents to compare");
  if (a.tasks == "all") {
    cfg.tasks = leaderboard::all_tasks(registry);
  } else {
    cfg.tasks = split_list(a.tasks);
  }
  cfg.agents = a.agents;
  a.agent_cache.apply();
  cfg.episodes = a.episodes;
  cfg.seeds = a.seeds;
  cfg.first_seed = parse_u64("--seed", a.seed);
  cfg.jobs = a.jobs;
  cfg.level = a.level;
  cfg.resamples = a.resamples;
  if (!a.shard.empty()) std::tie(cfg.shard_index, cfg.shard_count) = parse_shard(a.shard);
  json options = parse_key_values(a.options);
  if (!a.split.empty()) options["split"] = a.split;
  if (!a.reward.empty()) options["reward"] = a.reward;
  if (!a.rollout_policy.empty()) {
    options["rollout_policy"] = offer_rollout_policy(a.rollout_policy);
  }
  if (!users.empty()) options["user"] = users[0];
  cfg.options = options;
  cfg.validate();
  check_out("--out", a.out, a.force);
  if (!a.emit_slurm.empty()) return emit_slurm(registry, a, cfg);
  leaderboard::Progress progress("leaderboard", !a.json);
  const leaderboard::RunResult r = leaderboard::run(
      registry, cfg,
      [&](int64_t done, int64_t total) { progress.update(done, total, "episodes"); });
  print_llm_counters(cfg.agents);
  return report(r, a.out, a.json);
}

}  // namespace collab::cli
