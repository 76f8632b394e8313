#include "leaderboard/runner.h"

#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "env/error.h"
#include "env/trace.h"
#include "env/version.h"
#include "leaderboard/build_info.h"

namespace collab::leaderboard {

using nlohmann::json;

json RunConfig::to_json() const {
  return {{"tasks", tasks},
          {"agents", agents},
          {"episodes", episodes},
          {"seeds", seeds},
          {"first_seed", first_seed},
          {"options", options},
          {"shard", {{"index", shard_index}, {"count", shard_count}}},
          {"level", level},
          {"resamples", resamples}};
}

namespace {

template <class T>
T field(const json& j, const char* key, const char* expected) {
  if (!j.is_object() || !j.contains(key)) {
    throw Error(fmt::format("results.json: /config/{}: missing; expected {}", key, expected));
  }
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw Error(
        fmt::format("results.json: /config/{}: {} is not {}", key, j.at(key).dump(), expected));
  }
}

}  // namespace

RunConfig RunConfig::from_json(const json& j) {
  RunConfig c;
  c.tasks = field<std::vector<std::string>>(j, "tasks", "a list of task ids");
  c.agents = field<std::vector<std::string>>(j, "agents", "a list of agent specs");
  c.episodes = field<int>(j, "episodes", "an integer");
  c.seeds = field<int>(j, "seeds", "an integer");
  c.first_seed = field<uint64_t>(j, "first_seed", "an unsigned integer");
  c.options = field<json>(j, "options", "an object");
  const json shard = field<json>(j, "shard", "an object {index, count}");
  c.shard_index = field<int>(shard, "index", "an integer");
  c.shard_count = field<int>(shard, "count", "an integer");
  c.level = field<double>(j, "level", "a number");
  c.resamples = field<int>(j, "resamples", "an integer");
  c.validate();
  return c;
}

void RunConfig::validate() const {
  if (tasks.empty()) throw InvalidOption("no tasks: expected at least one task id (or all)");
  if (agents.empty()) throw InvalidOption("no agents: expected at least one agent spec");
  std::set<std::string> seen;
  for (const auto& a : agents) {
    if (!seen.insert(a).second) {
      throw InvalidOption(fmt::format("agent '{}' is listed twice; expected distinct agents", a));
    }
  }
  if (episodes < 1) throw InvalidOption(fmt::format("episodes {}: expected at least 1", episodes));
  if (seeds < 1) throw InvalidOption(fmt::format("seeds {}: expected at least 1", seeds));
  if (shard_count < 1 || shard_index < 0 || shard_index >= shard_count) {
    throw InvalidOption(
        fmt::format("shard {}/{}: expected I/N with 0 <= I < N", shard_index, shard_count));
  }
  if (jobs < 1) throw InvalidOption(fmt::format("jobs {}: expected at least 1", jobs));
  if (!(level > 0 && level < 1)) {
    throw InvalidOption(fmt::format("confidence level {}: expected a number in (0, 1)", level));
  }
  if (resamples < 1) {
    throw InvalidOption(fmt::format("bootstrap resamples {}: expected at least 1", resamples));
  }
  const auto per_task = static_cast<uint64_t>(episodes) * static_cast<uint64_t>(seeds);
  if (first_seed > UINT64_MAX - per_task) {
    throw InvalidOption(
        fmt::format("first seed {}: the last episode seed would pass 2^64 - 1", first_seed));
  }
}

json TaskInfo::to_json() const {
  return {{"id", id},           {"name", name}, {"version", version}, {"scenario", scenario},
          {"options", options}, {"mr", mr},     {"seeds", seeds}};
}

int64_t unit_count(const RunConfig& cfg, size_t tasks) {
  return static_cast<int64_t>(tasks) * static_cast<int64_t>(cfg.agents.size()) * cfg.seeds *
         cfg.episodes;
}

bool in_shard(const RunConfig& cfg, int64_t unit) {
  return unit % cfg.shard_count == cfg.shard_index;
}

std::vector<std::string> all_tasks(const Registry& registry) {
  std::vector<std::string> out;
  std::set<std::string> names;
  for (const auto& id : registry.ids()) names.insert(registry.task_name(id));
  for (const auto& n : names) out.push_back(registry.resolve(n));
  return out;
}

std::string slug(const std::string& spec) {
  std::string s = spec;
  for (char& c : s) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!keep) c = '_';
  }
  return s.empty() ? "_" : s;
}

std::string trace_file(const RunResult& r, int task, int agent) {
  const std::string base = slug(r.config.agents[static_cast<size_t>(agent)]);
  int same = 0;  // earlier specs with the same slug
  for (int a = 0; a < agent; ++a) same += slug(r.config.agents[static_cast<size_t>(a)]) == base;
  return fmt::format("traces/{}/{}{}.jsonl", r.tasks[static_cast<size_t>(task)].id, base,
                     same ? fmt::format("-{}", same + 1) : "");
}

namespace {

// One worker's agents and environments, made on first use (agents keep per-episode state, and an
// Env is not thread-safe).
struct Worker {
  std::vector<std::unique_ptr<agents::Agent>> agents;
  std::vector<std::optional<Env>> envs;
};

}  // namespace

RunResult run(const Registry& registry, const RunConfig& cfg,
              const std::function<void(int64_t, int64_t)>& progress) {
  cfg.validate();
  RunResult out;
  out.config = cfg;
  out.collabgym_version = kVersion;
  out.git_describe = git_describe();
  // Inputs first: every task and agent is made once here, so bad ones fail before any work.
  std::vector<Env> protos;
  for (const auto& t : cfg.tasks) {
    Env env = registry.make(registry.resolve(t), cfg.options);
    TaskInfo info;
    info.id = env.task().id();
    info.name = env.task().name();
    info.version = env.task().version();
    const json scen = env.task().scenario_info();
    const std::string path = scen.value("path", "");
    info.scenario = {{"name", std::filesystem::path(path).filename().string()},
                     {"hash", scen.value("hash", "")},
                     {"path", path}};
    info.options = env.options();
    info.mr = env.reward_config().mode != RewardMode::kTerminal;
    for (int k = 0; k < cfg.seeds; ++k) {
      for (int i = 0; i < cfg.episodes; ++i) {
        info.seeds.push_back(cfg.first_seed + static_cast<uint64_t>(k) * cfg.episodes +
                             static_cast<uint64_t>(i));
      }
    }
    for (const auto& other : out.tasks) {
      if (other.id == info.id) {
        throw InvalidOption(
            fmt::format("task '{}' is listed twice (as {}); expected distinct tasks", t, info.id));
      }
    }
    out.tasks.push_back(std::move(info));
    protos.push_back(std::move(env));
  }
  const int jobs = cfg.jobs;
  std::vector<Worker> workers(static_cast<size_t>(jobs));
  for (const auto& spec : cfg.agents) {
    auto a = agents::make_agent(spec);
    out.agent_names.push_back(a->name());
    out.privileged.push_back(a->privileged());
    workers[0].agents.push_back(std::move(a));
  }
  for (auto& w : workers) w.envs.resize(protos.size());

  // The shard's units in canonical order.
  std::vector<int64_t> units;
  const int64_t total = unit_count(cfg, out.tasks.size());
  for (int64_t u = 0; u < total; ++u) {
    if (in_shard(cfg, u)) units.push_back(u);
  }
  out.episodes.resize(units.size());
  const int64_t per_agent = static_cast<int64_t>(cfg.seeds) * cfg.episodes;
  const int64_t per_task = per_agent * static_cast<int64_t>(cfg.agents.size());

  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::mutex mu;  // progress calls and first_error
  std::exception_ptr first_error;
  auto work = [&](Worker& w) {
    try {
      for (size_t n = next++; n < units.size() && !stop; n = next++) {
        const int64_t u = units[n];
        EpisodeResult& r = out.episodes[n];
        r.task = static_cast<int>(u / per_task);
        r.agent = static_cast<int>(u % per_task / per_agent);
        r.replicate = static_cast<int>(u % per_agent / cfg.episodes);
        r.episode = static_cast<int>(u % cfg.episodes);
        const auto t = static_cast<size_t>(r.task), a = static_cast<size_t>(r.agent);
        if (w.agents.size() <= a) w.agents.resize(cfg.agents.size());
        if (!w.agents[a]) w.agents[a] = agents::make_agent(cfg.agents[a]);
        if (!w.envs[t]) w.envs[t].emplace(protos[t]);
        const uint64_t seed =
            out.tasks[t].seeds[static_cast<size_t>(r.replicate * cfg.episodes + r.episode)];
        std::ostringstream trace;
        TraceWriter writer(trace);
        r.record = agents::play_episode(*w.envs[t], *w.agents[a], seed, json::object(), &writer);
        r.trace = trace.str();
        const int64_t d = ++done;
        if (progress) {
          std::lock_guard lock(mu);
          progress(d, static_cast<int64_t>(units.size()));
        }
      }
    } catch (...) {  // handed to the calling thread, which rethrows it
      std::lock_guard lock(mu);
      if (!first_error) first_error = std::current_exception();
      stop = true;
    }
  };
  if (jobs == 1) {
    work(workers[0]);
  } else {
    std::vector<std::thread> threads;
    for (int j = 0; j < jobs; ++j)
      threads.emplace_back(work, std::ref(workers[static_cast<size_t>(j)]));
    for (auto& th : threads) th.join();
  }
  if (first_error) std::rethrow_exception(first_error);
  return out;
}

}  // namespace collab::leaderboard
