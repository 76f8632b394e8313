// Slurm job files, written from the same flags a local run takes, so a recipe is generated, never
// copied by hand: `collabgym leaderboard --emit-slurm DIR` (docs/leaderboard.md "Slurm": the
// shards of one run as a job array, a merge job that depends on it) and `collabgym train
// --emit-slurm DIR` (docs/learners.md "Seed sweeps": one array task per seed, each training and
// then evaluating its checkpoint, and a summary over the seeds once all have finished).
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

// Where jobs written here run: this program's absolute path and the current folder (relative
// paths in the flags resolve there). Throws collab::Error when the program's path is unknown.
struct JobSite {
  std::string binary, workdir;
};
JobSite this_site();

// `text` quoted for bash (single quotes; a ' inside becomes '\'').
std::string shell_quote(const std::string& text);

// Writes DIR/leaderboard.sbatch (the array), DIR/merge.sbatch and DIR/submit.sh (submits both,
// the merge with --dependency=afterok on the array); returns the paths written. Throws
// collab::InvalidOption for a bad value (shards < 1, an #SBATCH option that is not one).
std::vector<std::string> write_leaderboard_jobs(const SlurmJobs& jobs);

struct SweepJobs {
  std::string dir;                      // where the job files and logs/ go
  std::string binary;                   // absolute path of collabgym on the cluster
  std::string workdir;                  // absolute: relative paths in the flags resolve here
  std::vector<std::string> train_args;  // `train` flags without --seed, --out, --force
  std::vector<std::string> eval_args;   // `run` flags without --agent and --json
  std::vector<uint64_t> seeds;          // one array task each, in this order
  std::string out;                      // seed S trains into OUT/seed-S; the summary goes here
  int cpus = 1;                         // --cpus-per-task (train's --threads)
  std::vector<std::string> sbatch;      // extra #SBATCH options
};

// Writes DIR/train.sbatch (the array: train seed S into OUT/seed-S, then `run` its greedy agent
// into OUT/seed-S/eval.json), DIR/summary.sbatch (`train summary` of every seed into
// OUT/summary.txt and OUT/summary.json) and DIR/submit.sh (the summary with --dependency=afterok
// on the array); returns the paths written. Throws collab::InvalidOption for a bad value.
std::vector<std::string> write_train_sweep_jobs(const SweepJobs& jobs);

}  // namespace collab::cli
