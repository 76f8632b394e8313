// A leaderboard run's output folder (docs/leaderboard.md, "Outputs"):
//   results.json     format, CollabGym version and git describe, the configuration, every task's
//                    id, version, scenario (name, hash, path), options and episode seeds, the
//                    agents, every episode's summary, and (complete runs) the statistics
//   results.csv      one row per task and agent, then one per agent for the overall ranking
//   leaderboard.md   the tables
//   leaderboard.html one self-contained page: a bar chart with interval whiskers per task, the
//                    overall ranking
//   traces/<task-id>/<agent>.jsonl   every episode's trace, in the run's unit order
// A shard's folder holds results.json (without statistics) and traces/ only; merge() combines
// shards into the result one run would have given.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "env/registry.h"
#include "leaderboard/runner.h"
#include "leaderboard/summary.h"

namespace collab::leaderboard {

bool complete(const RunResult& r);  // the run is not a shard of a larger one

nlohmann::json results_json(const RunResult& r, const Summary* summary);
std::string markdown(const RunResult& r, const Summary& s);
// The compact table `collabgym leaderboard` prints: per task score with its interval, success,
// pass^K, R*, MR/turn, turns, failures; then the overall ranking.
std::string console(const RunResult& r, const Summary& s);
std::string csv(const RunResult& r, const Summary& s);
std::string html(const RunResult& r, const Summary& s);

// Writes the folder's files (creating `dir`); a file is written beside its final name and renamed
// over it. Throws collab::Error naming a file that cannot be written.
void write_outputs(const RunResult& r, const std::string& dir);

// Reads a folder written by write_outputs: results.json and the traces, split per episode. Throws
// collab::Error naming the file and what is wrong.
RunResult read_results(const std::string& dir);

// Combines the shards of one run (each shard exactly once, any order). Throws collab::Error when
// their configurations or builds differ, or a shard is missing or repeated.
RunResult merge(std::vector<RunResult> shards);

// One episode's summary as its trace shows it (the trace being what replay reproduces): used by
// verify() to check results.json. `w_task`-free: a trace without an end line is a failed episode.
EpisodeRecord record_from_trace(const std::string& trace, const std::string& name);

struct VerifyReport {
  int traces = 0, episodes = 0, steps = 0;
  std::vector<std::string> problems;  // each names the file (and line) and what differs
  bool ok() const { return problems.empty(); }
};

// Replays every trace of `dir` and checks that results.json's episodes, seeds and statistics and
// the tables (md, csv, html) are what the traces give. Never throws for what it finds: every
// problem goes into the report (an unreadable results.json is the one problem it stops at).
VerifyReport verify(const std::string& dir, const Registry& registry);

}  // namespace collab::leaderboard
