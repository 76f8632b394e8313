// `collabgym leaderboard --verify DIR`: the traces are replayed (every line must be reproduced),
// the episode summaries of results.json must be what the traces show, and the statistics and tables
// must be what those episodes give.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "env/error.h"
#include "env/trace.h"
#include "leaderboard/report.h"

namespace collab::leaderboard {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first field where `recorded` (results.json) and `traced` disagree, as "name recorded vs
// traced"; "" when they agree.
std::string first_difference(const EpisodeRecord& recorded, const EpisodeRecord& traced) {
  auto d = [](const char* name, auto a, auto b) {
    return a == b ? std::string()
                  : fmt::format("{} is {} in results.json but {} in the trace", name,
                                json(a).dump(), json(b).dump());
  };
  for (const std::string& s :
       {d("seed", recorded.seed, traced.seed), d("score", recorded.score, traced.score),
        d("success", recorded.success, traced.success), d("turns", recorded.turns, traced.turns),
        d("agent_tokens", recorded.agent_tokens, traced.agent_tokens),
        d("user_tokens", recorded.user_tokens, traced.user_tokens),
        d("r_star", recorded.r_star, traced.r_star),
        d("mr_per_turn", recorded.mr_per_turn, traced.mr_per_turn),
        d("interactivity", recorded.interactivity, traced.interactivity),
        d("truncated", recorded.truncated, traced.truncated),
        d("failed", !recorded.failure.empty(), !traced.failure.empty())}) {
    if (!s.empty()) return s;
  }
  return "";
}

}  // namespace

VerifyReport verify(const std::string& dir, const Registry& registry) {
  VerifyReport rep;
  const fs::path root(dir);
  RunResult r;
  try {
    r = read_results(dir);
  } catch (const Error& e) {
    rep.problems.push_back(e.what());
    return rep;
  }
  // 1. Replay every trace file.
  std::set<std::string> files;
  for (const auto& e : r.episodes) files.insert(trace_file(r, e.task, e.agent));
  for (const auto& rel : files) {
    const std::string path = (root / rel).string();
    std::ifstream in(path);
    ++rep.traces;
    try {
      const ReplayReport rr = replay_trace(in, path, registry);
      rep.episodes += rr.episodes;
      rep.steps += rr.steps;
    } catch (const Error& e) {
      rep.problems.push_back(fmt::format("tampered or not reproducible: {}", e.what()));
    }
  }
  // 2. Every episode of results.json against its trace and the published seeds.
  for (const auto& e : r.episodes) {
    const TaskInfo& info = r.tasks[static_cast<size_t>(e.task)];
    const std::string& agent = r.config.agents[static_cast<size_t>(e.agent)];
    const std::string where = fmt::format("results.json: {} × {} replicate {} episode {}", info.id,
                                          agent, e.replicate, e.episode);
    const auto slot = static_cast<size_t>(e.replicate) * static_cast<size_t>(r.config.episodes) +
                      static_cast<size_t>(e.episode);
    if (slot >= info.seeds.size() || info.seeds[slot] != e.record.seed) {
      rep.problems.push_back(fmt::format("{}: seed {} is not the published seed of this episode",
                                         where, e.record.seed));
    }
    try {
      const std::string diff =
          first_difference(e.record, record_from_trace(e.trace, trace_file(r, e.task, e.agent)));
      if (!diff.empty()) rep.problems.push_back(fmt::format("{}: {}", where, diff));
    } catch (const std::exception& ex) {  // a malformed line: already reported by the replay
      rep.problems.push_back(fmt::format("{}: its trace cannot be read: {}", where, ex.what()));
    }
  }
  if (!complete(r)) return rep;  // a shard has no statistics or tables
  // 3. Statistics and tables, recomputed from the episodes.
  Summary s;
  try {
    s = summarise(r);
  } catch (const Error& e) {
    rep.problems.push_back(fmt::format("results.json: {}", e.what()));
    return rep;
  }
  const json stored = json::parse(slurp(root / "results.json"), nullptr, false);
  const json expected = results_json(r, &s);
  if (stored != expected) {
    for (const auto& [key, value] : expected.items()) {
      if (!stored.contains(key) || stored[key] != value) {
        const json patch = json::diff(stored.value(key, json()), value);
        rep.problems.push_back(
            fmt::format("results.json: /{} differs from what the episodes give (first change: {})",
                        key, patch.empty() ? "?" : patch[0].dump()));
      }
    }
  }
  const std::pair<const char*, std::string> tables[] = {{"leaderboard.md", markdown(r, s)},
                                                        {"results.csv", csv(r, s)},
                                                        {"leaderboard.html", html(r, s)}};
  for (const auto& [name, text] : tables) {
    if (slurp(root / name) != text) {
      rep.problems.push_back(
          fmt::format("{}: differs from the table the episodes give (edited, or missing)", name));
    }
  }
  return rep;
}

}  // namespace collab::leaderboard
