#include "cli/slurm_jobs.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "env/error.h"

namespace collab::cli {

namespace fs = std::filesystem;

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

std::string sbatch_lines(const SlurmJobs& j) {
  std::string out;
  for (const auto& o : j.sbatch) {
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

}  // namespace

std::vector<std::string> write_leaderboard_jobs(const SlurmJobs& j) {
  if (j.shards < 1) {
    throw InvalidOption(fmt::format("--slurm-shards {}: expected at least 1", j.shards));
  }
  const fs::path dir = fs::absolute(j.dir).lexically_normal();
  const std::string out = fs::absolute(j.out).lexically_normal().string();
  const std::string extra = sbatch_lines(j);
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
  const std::string submit = fmt::format(
      "#!/bin/bash\n{header}set -euo pipefail\n"
      "cd \"$(dirname \"$0\")\"\n"
      "array=$(sbatch --parsable leaderboard.sbatch)\n"
      "array=${{array%%;*}}\n"
      "merge=$(sbatch --parsable --dependency=afterok:\"$array\" merge.sbatch)\n"
      "merge=${{merge%%;*}}\n"
      "echo \"submitted: array job $array ({n} shards), merge job $merge -> {out}\"\n"
      "echo \"$array $merge\" > job-ids\n",
      fmt::arg("header", header), fmt::arg("n", j.shards), fmt::arg("out", out));
  write_script(dir / "leaderboard.sbatch", array);
  write_script(dir / "merge.sbatch", merge);
  write_script(dir / "submit.sh", submit);
  return {(dir / "leaderboard.sbatch").string(), (dir / "merge.sbatch").string(),
          (dir / "submit.sh").string()};
}

}  // namespace collab::cli
