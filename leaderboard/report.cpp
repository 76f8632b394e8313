#include "leaderboard/report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "env/error.h"
#include "env/reward.h"
#include "env/tokens.h"
#include "env/trace.h"

namespace collab::leaderboard {

using nlohmann::json;
namespace fs = std::filesystem;

bool complete(const RunResult& r) { return r.config.shard_count == 1; }

namespace {

json episode_json(const RunResult& r, const EpisodeResult& e) {
  const EpisodeRecord& x = e.record;
  return {{"task", r.tasks[static_cast<size_t>(e.task)].id},
          {"agent", r.config.agents[static_cast<size_t>(e.agent)]},
          {"replicate", e.replicate},
          {"episode", e.episode},
          {"seed", x.seed},
          {"score", x.score},
          {"success", x.success},
          {"turns", x.turns},
          {"agent_tokens", x.agent_tokens},
          {"user_tokens", x.user_tokens},
          {"r_star", x.r_star},
          {"mr_per_turn", x.mr_per_turn},
          {"interactivity", x.interactivity},
          {"truncated", x.truncated},
          {"failure", x.failure.empty() ? json(nullptr) : json(x.failure)},
          {"trace", trace_file(r, e.task, e.agent)}};
}

std::string cell(const Estimate& e, int decimals) {
  return fmt::format("{:.{}f} [{:.{}f}, {:.{}f}]", e.mean, decimals, e.lo, decimals, e.hi,
                     decimals);
}

std::string label(const RunResult& r, int agent) {
  const auto a = static_cast<size_t>(agent);
  return fmt::format("{}{}", r.config.agents[a], r.privileged[a] ? "*" : "");
}

std::string reward_mode(const RunResult& r) {
  return r.tasks.empty() ? "" : r.tasks[0].options.value("reward", std::string("mr"));
}

void write_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + fmt::format(".tmp-{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(fmt::format("cannot write '{}'", path.string()));
    out << text;
    out.close();
    if (out.fail()) throw Error(fmt::format("writing '{}' failed", path.string()));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw Error(fmt::format("cannot write '{}': {}", path.string(), ec.message()));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read '{}'", path.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A trace file's episodes: each from a header line up to the next.
std::vector<std::string> split_episodes(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("type", "") == "header") {
      out.emplace_back();
    } else if (out.empty()) {
      throw Error(fmt::format("{}:{}: expected a header line to start the trace", name, n));
    }
    out.back() += line;
    out.back() += '\n';
  }
  return out;
}

}  // namespace

json results_json(const RunResult& r, const Summary* summary) {
  json tasks = json::array();
  for (const auto& t : r.tasks) tasks.push_back(t.to_json());
  json agents = json::array();
  for (size_t a = 0; a < r.config.agents.size(); ++a) {
    agents.push_back({{"spec", r.config.agents[a]},
                      {"name", r.agent_names[a]},
                      {"privileged", static_cast<bool>(r.privileged[a])}});
  }
  json episodes = json::array();
  for (const auto& e : r.episodes) episodes.push_back(episode_json(r, e));
  json out = {{"format", kResultsFormat},
              {"collabgym", {{"version", r.collabgym_version}, {"git", r.git_describe}}},
              {"config", r.config.to_json()},
              {"tasks", tasks},
              {"agents", agents},
              {"episodes", episodes}};
  if (summary) out["summary"] = summary->to_json(r);
  return out;
}

// " · user NAME" when an external user simulator played the user (docs/external-users.md).
static std::string user_note(const RunConfig& c) {
  const auto it = c.options.find("user");
  if (it == c.options.end() || !it->is_string()) return "";
  return fmt::format(" · user {} (external)", it->get<std::string>());
}

std::string markdown(const RunResult& r, const Summary& s) {
  const RunConfig& c = r.config;
  std::string out = "# CollabGym leaderboard\n\n";
  const uint64_t last = c.first_seed + static_cast<uint64_t>(c.seeds) * c.episodes - 1;
  out += fmt::format(
      "collabgym {} ({}) · reward {} · split {}{} · {} episodes × {} seeds per task and agent "
      "(episode seeds {}..{}, the same for every agent) · {:g}% bootstrap intervals ({} "
      "resamples)\n\n",
      r.collabgym_version, r.git_describe, reward_mode(r),
      c.options.value("split", std::string("task default")), user_note(c), c.episodes, c.seeds,
      c.first_seed, last, 100 * c.level, c.resamples);
  out += "## Overall\n\nInterquartile mean (IQM) of the per-task, per-seed mean scores.\n\n";
  out += "| rank | agent | IQM score | interval |\n|---:|---|---:|---|\n";
  for (const auto& row : s.overall) {
    out += fmt::format("| {} | {} | {:.3f} | [{:.3f}, {:.3f}] |\n", row.rank, label(r, row.agent),
                       row.iqm.mean, row.iqm.lo, row.iqm.hi);
  }
  auto neighbours = [&](const std::vector<Comparison>& cs, std::optional<double> resolvable,
                        const char* what) {
    std::string o;
    if (cs.empty()) return o;
    o += "\nNeighbours (paired on the same episode seeds):\n\n";
    for (const auto& cmp : cs) {
      o += fmt::format("- {} − {}: {:+.3f} [{:+.3f}, {:+.3f}] {}\n", label(r, cmp.better),
                       label(r, cmp.worse), cmp.diff.mean, cmp.diff.lo, cmp.diff.hi,
                       cmp.resolved() ? "— resolved" : "— within noise (interval holds 0)");
    }
    if (resolvable) {
      o += fmt::format(
          "\nSmallest resolvable difference in {}: about {:.3f} (median half-width of the paired "
          "intervals, at least 1 / episodes); smaller gaps are noise at this run size.\n",
          what, *resolvable);
    }
    return o;
  };
  out += neighbours(s.overall_neighbours, s.overall_resolvable, "IQM score");
  for (const auto& ts : s.tasks) {
    const TaskInfo& info = r.tasks[static_cast<size_t>(ts.task)];
    out += fmt::format(
        "\n## {}\n\nscenario {} ({}) · ranked by mean score · cells: mean [{:g}% "
        "interval]\n\n",
        info.id, info.scenario.value("name", ""), info.scenario.value("hash", "").substr(0, 8),
        100 * c.level);
    out += "| rank | agent |";
    std::string rule = "|---:|---|";
    for (const auto& col : columns()) {
      out += fmt::format(" {} |", std::string_view(col.key) == "pass_k"
                                      ? fmt::format("pass^{}", c.seeds)
                                      : std::string(col.label));
      rule += "---|";
    }
    out += fmt::format(" failed |\n{}---:|\n", rule);
    for (const auto& row : ts.rows) {
      out += fmt::format("| {} | {} |", row.rank, label(r, row.agent));
      for (const auto& col : columns()) {
        const bool absent = std::string_view(col.key) == "mr_per_turn" && !info.mr;
        out += fmt::format(" {} |", absent ? std::string("—") : cell(row.*col.field, col.decimals));
      }
      out += fmt::format(" {} |\n", row.failures);
    }
    out += neighbours(ts.neighbours, ts.resolvable, "mean score");
  }
  bool any_privileged = false;
  for (bool p : r.privileged) any_privileged |= p;
  out += fmt::format(
      "\nscore: the task evaluator's score in [0, 1]; success: share of episodes solved; "
      "pass^{0}: share of episode indices whose {0} seeds all succeeded; R*: reward of the "
      "finished "
      "conversation (task + interactivity − token cost); MR/turn: mean multiturn-aware reward per "
      "turn (— when the reward mode computes none); tokens: per episode; failed: episodes the "
      "agent "
      "failed (timeout, bad reply, invalid act; scored 0).\n",
      c.seeds);
  if (any_privileged) {
    out += "\n\\* privileged baseline: reads the task's dialogue state (never the goal).\n";
  }
  return out;
}

std::string console(const RunResult& r, const Summary& s) {
  const RunConfig& c = r.config;
  size_t width = 8;
  for (size_t a = 0; a < c.agents.size(); ++a)
    width = std::max(width, label(r, static_cast<int>(a)).size());
  std::string out = fmt::format(
      "reward {} · split {}{} · {} episodes × {} seeds per task and agent · {:g}% bootstrap "
      "intervals\n",
      reward_mode(r), c.options.value("split", std::string("task default")), user_note(c),
      c.episodes, c.seeds, 100 * c.level);
  auto compare = [&](const std::vector<Comparison>& cs, std::optional<double> res) {
    std::string o;
    for (const auto& cmp : cs) {
      o += fmt::format("  {} − {}: {:+.3f} [{:+.3f}, {:+.3f}] {}\n", label(r, cmp.better),
                       label(r, cmp.worse), cmp.diff.mean, cmp.diff.lo, cmp.diff.hi,
                       cmp.resolved() ? "resolved" : "within noise");
    }
    if (res) o += fmt::format("  smallest resolvable difference: {:.3f}\n", *res);
    return o;
  };
  for (const auto& ts : s.tasks) {
    const TaskInfo& info = r.tasks[static_cast<size_t>(ts.task)];
    out += fmt::format("\n{} · scenario {} ({})\n", info.id, info.scenario.value("name", ""),
                       info.scenario.value("hash", "").substr(0, 8));
    out += fmt::format("  {:>4} {:<{}} {:>22} {:>8} {:>7} {:>7} {:>8} {:>6} {:>6}\n", "rank",
                       "agent", width, "score [interval]", "success",
                       fmt::format("pass^{}", c.seeds), "R*", "MR/turn", "turns", "failed");
    for (const auto& row : ts.rows) {
      out += fmt::format("  {:>4} {:<{}} {:>22} {:>8.3f} {:>7.3f} {:>7.3f} {:>8} {:>6.1f} {:>6}\n",
                         row.rank, label(r, row.agent), width, cell(row.score, 3), row.success.mean,
                         row.pass_k.mean, row.r_star.mean,
                         info.mr ? fmt::format("{:.3f}", row.mr_per_turn.mean) : std::string("—"),
                         row.turns.mean, row.failures);
    }
    out += compare(ts.neighbours, ts.resolvable);
  }
  out += "\noverall · IQM of the per-task, per-seed mean scores\n";
  for (const auto& row : s.overall) {
    out += fmt::format("  {:>4} {:<{}} {:>22}\n", row.rank, label(r, row.agent), width,
                       cell(row.iqm, 3));
  }
  out += compare(s.overall_neighbours, s.overall_resolvable);
  bool any_privileged = false;
  for (bool p : r.privileged) any_privileged |= p;
  if (any_privileged)
    out += "* privileged baseline: reads the task's dialogue state (never the goal)\n";
  return out;
}

std::string csv(const RunResult& r, const Summary& s) {
  std::string out = "task,rank,agent,privileged,episodes,failures";
  for (const auto& col : columns()) out += fmt::format(",{0},{0}_lo,{0}_hi", col.key);
  out += "\n";
  auto quoted = [](const std::string& v) {
    if (v.find_first_of(",\"\n") == std::string::npos) return v;
    std::string q;
    for (char ch : v) {
      if (ch == '"') q.push_back('"');
      q.push_back(ch);
    }
    return fmt::format("\"{}\"", q);
  };
  for (const auto& ts : s.tasks) {
    const TaskInfo& info = r.tasks[static_cast<size_t>(ts.task)];
    for (const auto& row : ts.rows) {
      const auto a = static_cast<size_t>(row.agent);
      out += fmt::format("{},{},{},{},{},{}", info.id, row.rank, quoted(r.config.agents[a]),
                         r.privileged[a] ? 1 : 0, row.episodes, row.failures);
      for (const auto& col : columns()) {
        const Estimate& e = row.*col.field;
        if (std::string_view(col.key) == "mr_per_turn" && !info.mr) {
          out += ",,,";
        } else {
          out += fmt::format(",{},{},{}", e.mean, e.lo, e.hi);
        }
      }
      out += "\n";
    }
  }
  // The overall ranking: task "overall", the IQM in the score columns.
  for (const auto& row : s.overall) {
    const auto a = static_cast<size_t>(row.agent);
    out += fmt::format("overall,{},{},{},,,{},{},{}", row.rank, quoted(r.config.agents[a]),
                       r.privileged[a] ? 1 : 0, row.iqm.mean, row.iqm.lo, row.iqm.hi);
    out += std::string(3 * (columns().size() - 1), ',') + "\n";
  }
  return out;
}

void write_outputs(const RunResult& r, const std::string& dir) {
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw Error(fmt::format("cannot create '{}': {}", dir, ec.message()));
  // Traces: one file per (task, agent), episodes in unit order.
  std::map<std::string, std::string> traces;
  for (size_t t = 0; t < r.tasks.size(); ++t) {
    for (size_t a = 0; a < r.config.agents.size(); ++a) {
      traces[trace_file(r, static_cast<int>(t), static_cast<int>(a))];
    }
  }
  for (const auto& e : r.episodes) traces[trace_file(r, e.task, e.agent)] += e.trace;
  for (const auto& [rel, text] : traces) {
    fs::create_directories((root / rel).parent_path(), ec);
    if (ec)
      throw Error(
          fmt::format("cannot create '{}': {}", (root / rel).parent_path().string(), ec.message()));
    write_file(root / rel, text);
  }
  if (!complete(r)) {
    write_file(root / "results.json", results_json(r, nullptr).dump(1) + "\n");
    return;
  }
  const Summary s = summarise(r);
  write_file(root / "results.json", results_json(r, &s).dump(1) + "\n");
  write_file(root / "results.csv", csv(r, s));
  write_file(root / "leaderboard.md", markdown(r, s));
  write_file(root / "leaderboard.html", html(r, s));
}

RunResult read_results(const std::string& dir) {
  const fs::path root(dir);
  const std::string path = (root / "results.json").string();
  const json j = json::parse(read_file(path), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error(fmt::format("{}: not a JSON object; expected a leaderboard's results.json", path));
  }
  if (j.value("format", "") != kResultsFormat) {
    throw Error(fmt::format("{}: /format is {}; expected \"{}\"", path,
                            j.contains("format") ? j["format"].dump() : "missing", kResultsFormat));
  }
  RunResult r;
  try {
    r.config = RunConfig::from_json(j.at("config"));
    r.collabgym_version = j.at("collabgym").at("version").get<std::string>();
    r.git_describe = j.at("collabgym").at("git").get<std::string>();
    for (const auto& t : j.at("tasks")) {
      TaskInfo info;
      info.id = t.at("id").get<std::string>();
      info.name = t.at("name").get<std::string>();
      info.version = t.at("version").get<int>();
      info.scenario = t.at("scenario");
      info.options = t.at("options");
      info.mr = t.at("mr").get<bool>();
      info.seeds = t.at("seeds").get<std::vector<uint64_t>>();
      r.tasks.push_back(std::move(info));
    }
    for (const auto& a : j.at("agents")) {
      r.agent_names.push_back(a.at("name").get<std::string>());
      r.privileged.push_back(a.at("privileged").get<bool>());
    }
    if (r.agent_names.size() != r.config.agents.size()) {
      throw Error(fmt::format("{}: /agents lists {} agents; /config/agents {}", path,
                              r.agent_names.size(), r.config.agents.size()));
    }
    std::map<std::string, int> task_index, agent_index;
    for (size_t t = 0; t < r.tasks.size(); ++t) task_index[r.tasks[t].id] = static_cast<int>(t);
    for (size_t a = 0; a < r.config.agents.size(); ++a) {
      agent_index[r.config.agents[a]] = static_cast<int>(a);
    }
    for (const auto& e : j.at("episodes")) {
      EpisodeResult x;
      const std::string task = e.at("task").get<std::string>(),
                        agent = e.at("agent").get<std::string>();
      if (!task_index.contains(task) || !agent_index.contains(agent)) {
        throw Error(
            fmt::format("{}: episode of task '{}' and agent '{}', which /tasks or /agents "
                        "does not list",
                        path, task, agent));
      }
      x.task = task_index[task];
      x.agent = agent_index[agent];
      x.replicate = e.at("replicate").get<int>();
      x.episode = e.at("episode").get<int>();
      EpisodeRecord& rec = x.record;
      rec.seed = e.at("seed").get<uint64_t>();
      rec.score = e.at("score").get<double>();
      rec.success = e.at("success").get<bool>();
      rec.turns = e.at("turns").get<int>();
      rec.agent_tokens = e.at("agent_tokens").get<int>();
      rec.user_tokens = e.at("user_tokens").get<int>();
      rec.r_star = e.at("r_star").get<double>();
      rec.mr_per_turn = e.at("mr_per_turn").get<double>();
      rec.interactivity = e.at("interactivity").get<double>();
      rec.truncated = e.at("truncated").get<bool>();
      if (!e.at("failure").is_null()) rec.failure = e.at("failure").get<std::string>();
      r.episodes.push_back(std::move(x));
    }
  } catch (const json::exception& e) {
    throw Error(
        fmt::format("{}: {}; expected the fields docs/leaderboard.md lists", path, e.what()));
  }
  // Each (task, agent) trace file holds that pair's episodes in the order results.json lists them.
  std::map<std::pair<int, int>, std::vector<EpisodeResult*>> by_pair;
  for (auto& e : r.episodes) by_pair[{e.task, e.agent}].push_back(&e);
  for (auto& [pair, eps] : by_pair) {
    const std::string rel = trace_file(r, pair.first, pair.second);
    const auto chunks = split_episodes(read_file(root / rel), (root / rel).string());
    if (chunks.size() != eps.size()) {
      throw Error(fmt::format("{}: {} episodes; results.json lists {} for this task and agent",
                              (root / rel).string(), chunks.size(), eps.size()));
    }
    for (size_t n = 0; n < eps.size(); ++n) eps[n]->trace = chunks[n];
  }
  return r;
}

RunResult merge(std::vector<RunResult> shards) {
  if (shards.empty()) throw Error("merge: no shard folders given");
  const RunResult& first = shards[0];
  auto without_shard = [](const RunConfig& c) {
    json j = c.to_json();
    j.erase("shard");
    return j;
  };
  const int count = first.config.shard_count;
  std::vector<int> seen(static_cast<size_t>(count), 0);
  for (const auto& s : shards) {
    if (without_shard(s.config) != without_shard(first.config) || s.config.shard_count != count) {
      throw Error(
          fmt::format("merge: shard {}/{} was run with another configuration than shard "
                      "{}/{}; expected the shards of one run",
                      s.config.shard_index, s.config.shard_count, first.config.shard_index, count));
    }
    if (s.collabgym_version != first.collabgym_version || s.git_describe != first.git_describe) {
      throw Error(
          fmt::format("merge: shard {} was run by collabgym {} ({}), shard {} by {} ({}); "
                      "expected one build",
                      s.config.shard_index, s.collabgym_version, s.git_describe,
                      first.config.shard_index, first.collabgym_version, first.git_describe));
    }
    std::vector<json> a, b;
    for (const auto& t : s.tasks) a.push_back(t.to_json());
    for (const auto& t : first.tasks) b.push_back(t.to_json());
    if (a != b || s.agent_names != first.agent_names || s.privileged != first.privileged) {
      throw Error(fmt::format("merge: shard {} has other tasks, scenarios or agents than shard {}",
                              s.config.shard_index, first.config.shard_index));
    }
    if (++seen[static_cast<size_t>(s.config.shard_index)] > 1) {
      throw Error(fmt::format("merge: shard {}/{} is given twice", s.config.shard_index, count));
    }
  }
  for (int i = 0; i < count; ++i) {
    if (seen[static_cast<size_t>(i)] == 0) {
      throw Error(
          fmt::format("merge: shard {}/{} is missing; expected all {} shards", i, count, count));
    }
  }
  RunResult out;
  out.config = first.config;
  out.config.shard_index = 0;
  out.config.shard_count = 1;
  out.tasks = first.tasks;
  out.agent_names = first.agent_names;
  out.privileged = first.privileged;
  out.collabgym_version = first.collabgym_version;
  out.git_describe = first.git_describe;
  for (auto& s : shards) {
    for (auto& e : s.episodes) out.episodes.push_back(std::move(e));
  }
  const int64_t per_agent = static_cast<int64_t>(out.config.seeds) * out.config.episodes;
  const int64_t per_task = per_agent * static_cast<int64_t>(out.config.agents.size());
  auto unit = [&](const EpisodeResult& e) {
    return e.task * per_task + e.agent * per_agent + e.replicate * out.config.episodes + e.episode;
  };
  std::sort(out.episodes.begin(), out.episodes.end(),
            [&](const auto& x, const auto& y) { return unit(x) < unit(y); });
  summarise(out);  // throws if a unit is missing or repeated
  return out;
}

EpisodeRecord record_from_trace(const std::string& trace, const std::string& name) {
  EpisodeRecord rec;
  std::istringstream in(trace);
  std::string line;
  bool ended = false;
  double mr_sum = 0, token_cost = 0;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object()) throw Error(fmt::format("{}: a line is not a JSON object", name));
    const std::string type = j.value("type", "");
    if (type == "header") {
      rec.seed = j.at("seed").get<uint64_t>();
    } else if (type == "turn" && j.value("who", "") == "user") {
      rec.user_tokens += count_tokens(j.at("text").get<std::string>());
      if (j.value("turn", 0) > 0) {
        const json& rw = j.at("info").at("reward");
        mr_sum += rw.at("mr").get<double>();
        rec.r_star = rw.at("total").get<double>();
        rec.interactivity = rw.at("interactivity").get<double>();
        token_cost = rw.at("token_cost").get<double>();
        rec.truncated = j.at("truncated").get<bool>();
        rec.agent_tokens += j.at("info").at("agent_tokens").get<int>();
        rec.turns = j.at("turn").get<int>();
      }
    } else if (type == "end") {
      ended = true;
      rec.score = j.at("score").get<double>();
      rec.success = j.at("success").get<bool>();
    }
  }
  if (rec.turns == 0) rec.interactivity = interactivity(EventCounts{});
  rec.mr_per_turn = rec.turns > 0 ? mr_sum / rec.turns : 0.0;
  if (!ended) {
    rec.failure = "(failed: the trace has no end line)";
    rec.r_star = 0.0 - token_cost;
    rec.score = 0;
    rec.success = false;
  }
  return rec;
}

}  // namespace collab::leaderboard
