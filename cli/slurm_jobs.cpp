#include "cli/slurm_jobs.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "env/error.h"

namespace collab::cli {

namespace fs = std::filesystem;

JobSite this_site() {
  std::error_code ec;
  JobSite site{fs::read_symlink("/proc/self/exe", ec).string(), fs::current_path().string()};
  if (ec || site.binary.empty()) throw Error("--emit-slurm: cannot find this program's own path");
  return site;
}

std::string shell_quote(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  for (char c : text) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    out.push_back(' ');
    out.append(shell_quote(w));
  }
  return out;
}

std::string sbatch_lines(const std::vector<std::string>& options) {
  std::string out;
  for (const auto& o : options) {
    if (o.rfind("--", 0) != 0 || o.find('\n') != std::string::npos) {
      throw InvalidOption(fmt::format(
          "--slurm-sbatch '{}': expected one long sbatch option, e.g. --partition=cpu", o));
    }
    out += "#SBATCH " + o + "\n";
  }
  return out;
}

void write_script(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) throw Error(fmt::format("{}: cannot write", tmp.string()));
  }
  fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  fs::rename(tmp, path);
}

// submit.sh: the array, then `after` once every task of it succeeded; job-ids gets both ids.
std::string submit_script(const std::string& header, const std::string& array_file,
                          const std::string& after_file, const std::string& what) {
  return fmt::format(
      "#!/bin/bash\n{header}set -euo pipefail\n"
      "cd \"$(dirname \"$0\")\"\n"
      "array=$(sbatch --parsable {array_file})\n"
      "array=${{array%%;*}}\n"
      "merge=$(sbatch --parsable --dependency=afterok:\"$array\" {after_file})\n"
      "merge=${{merge%%;*}}\n"
      "echo \"submitted: {what}\"\n"
      "echo \"$array $merge\" > job-ids\n",
      fmt::arg("header", header), fmt::arg("array_file", array_file),
      fmt::arg("after_file", after_file), fmt::arg("what", what));
}

}  // namespace

std::vector<std::string> write_leaderboard_jobs(const SlurmJobs& j) {
  if (j.shards < 1) {
    throw InvalidOption(fmt::format("--slurm-shards {}: expected at least 1", j.shards));
  }
  const fs::path dir = fs::absolute(j.dir).lexically_normal();
  const std::string out = fs::absolute(j.out).lexically_normal().string();
  const std::string extra = sbatch_lines(j.sbatch);
  fs::create_directories(dir / "logs");
  fs::create_directories(dir / "shards");
  const std::string header =
      "# Written by `collabgym leaderboard --emit-slurm` (docs/leaderboard.md \"Slurm\"); submit "
      "with submit.sh.\n";
  const std::string array = fmt::format(
      "#!/bin/bash\n{header}# Shard I of {n} of one leaderboard run; `leaderboard merge` (merge.sbatch) "
      "combines them.\n"
      "#SBATCH --job-name=collabgym-leaderboard\n"
      "#SBATCH --array=0-{last}\n"
      "#SBATCH --ntasks=1\n"
      "#SBATCH --cpus-per-task={cpus}\n"
      "#SBATCH --chdir={wd}\n"
      "#SBATCH --output={logs}/shard-%a.log\n"
      "{extra}"
      "set -euo pipefail\n"
      "exec {bin} leaderboard{args} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" \\\n"
      "  --out {shards}/\"${{SLURM_ARRAY_TASK_ID}}\" --force\n",
      fmt::arg("header", header), fmt::arg("n", j.shards), fmt::arg("last", j.shards - 1),
      fmt::arg("cpus", j.cpus), fmt::arg("wd", j.workdir),
      fmt::arg("logs", (dir / "logs").string()), fmt::arg("extra", extra),
      fmt::arg("bin", shell_quote(j.binary)), fmt::arg("args", joined(j.args)),
      fmt::arg("shards", shell_quote((dir / "shards").string())));
  std::vector<std::string> shard_list;
  for (int i = 0; i < j.shards; ++i) {
    shard_list.push_back((dir / "shards" / std::to_string(i)).string());
  }
  const std::string shard_dirs = joined(shard_list);
  const std::string merge = fmt::format(
      "#!/bin/bash\n{header}# Runs once every shard of leaderboard.sbatch succeeded "
      "(--dependency=afterok).\n"
      "#SBATCH --job-name=collabgym-leaderboard-merge\n"
      "#SBATCH --ntasks=1\n"
      "#SBATCH --cpus-per-task=1\n"
      "#SBATCH --chdir={wd}\n"
      "#SBATCH --output={logs}/merge.log\n"
      "{extra}"
      "set -euo pipefail\n"
      "exec {bin} leaderboard merge{dirs} --out {out} --force\n",
      fmt::arg("header", header), fmt::arg("wd", j.workdir),
      fmt::arg("logs", (dir / "logs").string()), fmt::arg("extra", extra),
      fmt::arg("bin", shell_quote(j.binary)), fmt::arg("dirs", shard_dirs),
      fmt::arg("out", shell_quote(out)));
  const std::string submit =
      submit_script(header, "leaderboard.sbatch", "merge.sbatch",
                    fmt::format("array job $array ({} shards), merge job $merge -> {}", j.shards, out));
  write_script(dir / "leaderboard.sbatch", array);
  write_script(dir / "merge.sbatch", merge);
  write_script(dir / "submit.sh", submit);
  return {(dir / "leaderboard.sbatch").string(), (dir / "merge.sbatch").string(),
          (dir / "submit.sh").string()};
}

std::vector<std::string> write_train_sweep_jobs(const SweepJobs& j) {
  if (j.seeds.empty()) throw InvalidOption("--slurm-seeds: expected at least one seed");
  const fs::path dir = fs::absolute(j.dir).lexically_normal();
  const fs::path out = fs::absolute(j.out).lexically_normal();
  const std::string extra = sbatch_lines(j.sbatch);
  fs::create_directories(dir / "logs");
  const std::string header =
      "# Written by `collabgym train --emit-slurm` (docs/learners.md \"Seed sweeps\"); submit "
      "with submit.sh.\n";
  std::string seeds, seed_dirs;
  for (const uint64_t s : j.seeds) {
    if (!seeds.empty()) seeds.push_back(' ');
    seeds.append(std::to_string(s));
    seed_dirs.push_back(' ');
    seed_dirs.append(shell_quote((out / fmt::format("seed-{}", s)).string()));
  }
  const std::string bin = shell_quote(j.binary);
  const std::string array = fmt::format(
      "#!/bin/bash\n{header}# Seed ${{seeds[I]}} of the sweep: train, then evaluate the greedy "
      "agent; summary.sbatch tabulates them.\n"
      "#SBATCH --job-name=collabgym-train\n"
      "#SBATCH --array=0-{last}\n"
      "#SBATCH --ntasks=1\n"
      "#SBATCH --cpus-per-task={cpus}\n"
      "#SBATCH --chdir={wd}\n"
      "#SBATCH --output={logs}/seed-%a.log\n"
      "{extra}"
      "set -euo pipefail\n"
      "seeds=({seeds})\n"
      "seed=${{seeds[$SLURM_ARRAY_TASK_ID]}}\n"
      "out={out}/seed-\"$seed\"\n"
      "{bin} train{train} --seed \"$seed\" --out \"$out\" --force\n"
      "{bin} run{eval} --agent ppo:\"$out\" --json > \"$out/eval.json.tmp\"\n"
      "mv \"$out/eval.json.tmp\" \"$out/eval.json\"\n",
      fmt::arg("header", header), fmt::arg("last", j.seeds.size() - 1), fmt::arg("cpus", j.cpus),
      fmt::arg("wd", j.workdir), fmt::arg("logs", (dir / "logs").string()),
      fmt::arg("extra", extra), fmt::arg("seeds", seeds), fmt::arg("out", shell_quote(out.string())),
      fmt::arg("bin", bin), fmt::arg("train", joined(j.train_args)),
      fmt::arg("eval", joined(j.eval_args)));
  const std::string summary = fmt::format(
      "#!/bin/bash\n{header}# Runs once every seed of train.sbatch succeeded "
      "(--dependency=afterok).\n"
      "#SBATCH --job-name=collabgym-train-summary\n"
      "#SBATCH --ntasks=1\n"
      "#SBATCH --cpus-per-task=1\n"
      "#SBATCH --chdir={wd}\n"
      "#SBATCH --output={logs}/summary.log\n"
      "{extra}"
      "set -euo pipefail\n"
      "cd {out}\n"
      "{bin} train summary{dirs} > summary.txt.tmp\n"
      "{bin} train summary{dirs} --json > summary.json.tmp\n"
      "mv summary.txt.tmp summary.txt\n"
      "mv summary.json.tmp summary.json\n"
      "cat summary.txt\n",
      fmt::arg("header", header), fmt::arg("wd", j.workdir),
      fmt::arg("logs", (dir / "logs").string()), fmt::arg("extra", extra),
      fmt::arg("out", shell_quote(out.string())), fmt::arg("bin", bin),
      fmt::arg("dirs", seed_dirs));
  const std::string submit = submit_script(
      header, "train.sbatch", "summary.sbatch",
      fmt::format("array job $array ({} seeds), summary job $merge -> {}/summary.txt",
                  j.seeds.size(), out.string()));
  write_script(dir / "train.sbatch", array);
  write_script(dir / "summary.sbatch", summary);
  write_script(dir / "submit.sh", submit);
  return {(dir / "train.sbatch").string(), (dir / "summary.sbatch").string(),
          (dir / "submit.sh").string()};
}

}  // namespace collab::cli
