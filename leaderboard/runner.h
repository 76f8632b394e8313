// Leaderboard runs: every agent plays the same published episode seeds of every task (paired
// results), in parallel or in deterministic shards, with every episode's trace kept
// (docs/leaderboard.md).
//
// The work is the list of units (task, agent, replicate k, episode i) in that nesting order; unit u
// of shard I/N is run when u % N == I. Episode (k, i) of every task is reset with seed
// first_seed + k * episodes + i. A unit's result depends only on (task, options, agent spec, seed),
// so results and traces are byte-identical whatever `jobs` is and however the units are sharded.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "env/registry.h"
#include "env/stats.h"

namespace collab::leaderboard {

inline constexpr const char* kResultsFormat = "collabgym-leaderboard/1";

struct RunConfig {
  std::vector<std::string> tasks;   // environment ids as given (resolved by the runner)
  std::vector<std::string> agents;  // agent specs (agents::make_agent), distinct
  int episodes = 20;                // episodes per replicate and task (distinct goals), >= 1
  int seeds = 3;                    // replicates K (pass^K is computed over them), >= 1
  uint64_t first_seed = 0;          // episode (k, i) uses first_seed + k * episodes + i
  nlohmann::json options = nlohmann::json::object();  // environment options for every task
  int jobs = 1;                          // worker threads, >= 1 (never changes results)
  int shard_index = 0, shard_count = 1;  // run units u with u % shard_count == shard_index
  double level = 0.95;                   // confidence level of every interval
  int resamples = 2000;                  // bootstrap resamples

  // The configuration as results.json records it (without jobs: it changes nothing).
  nlohmann::json to_json() const;
  // Reads to_json()'s form back; throws collab::Error naming the bad field.
  static RunConfig from_json(const nlohmann::json& j);
  // Throws InvalidOption naming the first bad value (counts, shard, level, duplicate agents).
  void validate() const;
};

// What a run records about one task: id, version, scenario file and the episode seeds.
struct TaskInfo {
  std::string id;    // "twenty_questions-v1"
  std::string name;  // "twenty_questions"
  int version = 0;   // the evaluator's version is the task's (ids bump with any change)
  nlohmann::json scenario = nlohmann::json::object();  // {name, hash, path}
  nlohmann::json options = nlohmann::json::object();   // the environment's options as validated
  bool mr = false;              // the reward mode computes MR per turn (not "terminal")
  std::vector<uint64_t> seeds;  // index k * episodes + i: the seed of episode (k, i)
  nlohmann::json to_json() const;
};

// One played episode.
struct EpisodeResult {
  int task = 0, agent = 0;  // indices into RunResult::tasks / RunConfig::agents
  int replicate = 0;        // k
  int episode = 0;          // i
  EpisodeRecord record;
  std::string trace;  // its JSON Lines trace (header … end); no end line when the agent failed
};

struct RunResult {
  RunConfig config;
  std::vector<TaskInfo> tasks;
  std::vector<std::string> agent_names;  // Agent::name() per agent spec
  std::vector<bool> privileged;          // Agent::privileged() per agent spec
  std::vector<EpisodeResult> episodes;   // canonical unit order (the shard's units only)
  std::string collabgym_version, git_describe;
};

// Total units of a run and the units of one shard.
int64_t unit_count(const RunConfig& cfg, size_t tasks);
bool in_shard(const RunConfig& cfg, int64_t unit);

// The latest version of every registered task ("--tasks all").
std::vector<std::string> all_tasks(const Registry& registry);

// Runs the units of cfg's shard. Agents and environments are made (and so validated) before any
// episode starts: an unknown agent is agents::UnknownAgent, a bad task or option the registry's
// error. `progress(done, total)` is called from worker threads, one call at a time.
RunResult run(const Registry& registry, const RunConfig& cfg,
              const std::function<void(int64_t done, int64_t total)>& progress = {});

// Slug of an agent spec for file names: [A-Za-z0-9._-] kept, anything else '_'.
std::string slug(const std::string& spec);
// The trace file of (task, agent) relative to the output folder: traces/<task-id>/<slug>.jsonl
// (a "-N" suffix keeps slugs of different specs apart).
std::string trace_file(const RunResult& r, int task, int agent);

}  // namespace collab::leaderboard
