// Slurm job files for `collabgym leaderboard --emit-slurm DIR` (docs/leaderboard.md "Slurm"):
// the shards of one run as a job array, and a merge job that depends on it, written from the
// same flags a local run takes, so the recipe is generated, never copied by hand.
#pragma once

#include <string>
#include <vector>

namespace collab::cli {

struct SlurmJobs {
  std::string dir;                  // where the job files, logs/ and shards/ go
  std::string binary;               // absolute path of collabgym on the cluster
  std::string workdir;              // absolute: relative paths in `args` resolve here
  std::vector<std::string> args;    // `leaderboard` flags of the run, without --shard/--out
  std::string out;                  // the merged report's folder
  int shards = 4;                   // array tasks
  int cpus = 1;                     // --cpus-per-task (the run's --jobs)
  std::vector<std::string> sbatch;  // extra #SBATCH options (--partition=…, --time=…)
};

// `text` quoted for bash (single quotes; a ' inside becomes '\'').
std::string shell_quote(const std::string& text);

// Writes DIR/leaderboard.sbatch (the array), DIR/merge.sbatch and DIR/submit.sh (submits both,
// the merge with --dependency=afterok on the array); returns the paths written. Throws
// collab::InvalidOption for a bad value (shards < 1, an #SBATCH option that is not one).
std::vector<std::string> write_leaderboard_jobs(const SlurmJobs& jobs);

}  // namespace collab::cli
