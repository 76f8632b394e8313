#include "leaderboard/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "env/error.h"
#include "env/rng.h"

namespace collab::leaderboard {

using nlohmann::json;

const std::vector<Column>& columns() {
  static const std::vector<Column> cols = {
      {"score", "score", 3, &AgentTaskStats::score},
      {"success", "success", 3, &AgentTaskStats::success},
      {"pass_k", "pass^K", 3, &AgentTaskStats::pass_k},
      {"r_star", "R*", 3, &AgentTaskStats::r_star},
      {"mr_per_turn", "MR/turn", 3, &AgentTaskStats::mr_per_turn},
      {"turns", "turns", 2, &AgentTaskStats::turns},
      {"agent_tokens", "agent tok", 1, &AgentTaskStats::agent_tokens},
      {"user_tokens", "user tok", 1, &AgentTaskStats::user_tokens},
      {"interactivity", "interactivity", 3, &AgentTaskStats::interactivity},
  };
  return cols;
}

namespace {

// The bootstrap stream of task t: shared by every agent and column of the task (paired).
uint64_t task_stream(size_t t) { return derive_seed(0x1eadb0a2d, t, Stream::kBootstrap); }

double mean_at(const std::vector<double>& x, std::span<const size_t> idx) {
  double s = 0;
  for (size_t i : idx) s += x[i];
  return idx.empty() ? 0 : s / static_cast<double>(idx.size());
}

// The smallest resolvable difference: the median half-width of the intervals of `cs`, but never
// below 1 / n, what one of n episodes changing from failure to success moves a mean (where all
// episodes agree the bootstrap sees no spread at all). nullopt when there are none.
std::optional<double> resolvable(const std::vector<Comparison>& cs, size_t n) {
  if (cs.empty()) return std::nullopt;
  std::vector<double> w;
  for (const auto& c : cs) w.push_back((c.diff.hi - c.diff.lo) / 2);
  std::sort(w.begin(), w.end());
  const size_t m = w.size() / 2;
  const double median = w.size() % 2 ? w[m] : (w[m - 1] + w[m]) / 2;
  return std::max(median, 1.0 / static_cast<double>(n));
}

}  // namespace

Summary summarise(const RunResult& r) {
  const RunConfig& cfg = r.config;
  const size_t T = r.tasks.size(), A = cfg.agents.size();
  const auto K = static_cast<size_t>(cfg.seeds), N = static_cast<size_t>(cfg.episodes);
  // records[t][a][k * N + i]
  std::vector<std::vector<std::vector<const EpisodeRecord*>>> records(
      T,
      std::vector<std::vector<const EpisodeRecord*>>(A, std::vector<const EpisodeRecord*>(K * N)));
  for (const auto& e : r.episodes) {
    if (e.task < 0 || static_cast<size_t>(e.task) >= T || e.agent < 0 ||
        static_cast<size_t>(e.agent) >= A || e.replicate < 0 ||
        static_cast<size_t>(e.replicate) >= K || e.episode < 0 ||
        static_cast<size_t>(e.episode) >= N) {
      throw Error(
          fmt::format("episode (task {}, agent {}, replicate {}, episode {}) lies outside "
                      "the run's configuration",
                      e.task, e.agent, e.replicate, e.episode));
    }
    auto& slot = records[static_cast<size_t>(e.task)][static_cast<size_t>(e.agent)]
                        [static_cast<size_t>(e.replicate) * N + static_cast<size_t>(e.episode)];
    if (slot != nullptr) {
      throw Error(fmt::format("episode (task {}, agent {}, replicate {}, episode {}) appears twice",
                              r.tasks[static_cast<size_t>(e.task)].id,
                              cfg.agents[static_cast<size_t>(e.agent)], e.replicate, e.episode));
    }
    slot = &e.record;
  }
  for (size_t t = 0; t < T; ++t) {
    for (size_t a = 0; a < A; ++a) {
      for (size_t u = 0; u < K * N; ++u) {
        if (records[t][a][u] == nullptr) {
          throw Error(fmt::format(
              "episode (task {}, agent {}, replicate {}, episode {}) is missing: a shard's results "
              "alone cannot be summarised; merge every shard of the run first",
              r.tasks[t].id, cfg.agents[a], u / N, u % N));
        }
      }
    }
  }

  Summary s;
  // Per task: per-index values (mean over the K replicates) of each column, then the bootstrap.
  std::vector<std::vector<std::vector<double>>> score_by_index(T,
                                                               std::vector<std::vector<double>>(A));
  for (size_t t = 0; t < T; ++t) {
    TaskStats ts;
    ts.task = static_cast<int>(t);
    const uint64_t stream = task_stream(t);
    for (size_t a = 0; a < A; ++a) {
      const auto& recs = records[t][a];
      AgentTaskStats row;
      row.agent = static_cast<int>(a);
      row.episodes = static_cast<int>(K * N);
      for (const auto* e : recs) row.failures += !e->failure.empty();
      auto by_index = [&](auto get) {
        std::vector<double> x(N, 0.0);
        for (size_t k = 0; k < K; ++k) {
          for (size_t i = 0; i < N; ++i) x[i] += static_cast<double>(get(*recs[k * N + i]));
        }
        for (auto& v : x) v /= static_cast<double>(K);
        return x;
      };
      auto column = [&](const std::vector<double>& x) {
        Estimate e = bootstrap(
            N, [&](std::span<const size_t> idx) { return mean_at(x, idx); }, cfg.level,
            cfg.resamples, stream);
        e.n = static_cast<int>(K * N);
        return e;
      };
      const auto score = by_index([](const EpisodeRecord& e) { return e.score; });
      score_by_index[t][a] = score;
      row.score = column(score);
      row.success = column(by_index([](const EpisodeRecord& e) { return e.success ? 1.0 : 0.0; }));
      std::vector<double> pass(N);
      for (size_t i = 0; i < N; ++i) {
        int c = 0;
        for (size_t k = 0; k < K; ++k) c += recs[k * N + i]->success;
        pass[i] = pass_hat_k(static_cast<int>(K), c, static_cast<int>(K));
      }
      row.pass_k = column(pass);
      row.pass_k.n = static_cast<int>(N);
      row.r_star = column(by_index([](const EpisodeRecord& e) { return e.r_star; }));
      row.mr_per_turn = column(by_index([](const EpisodeRecord& e) { return e.mr_per_turn; }));
      row.turns = column(by_index([](const EpisodeRecord& e) { return e.turns; }));
      row.agent_tokens = column(by_index([](const EpisodeRecord& e) { return e.agent_tokens; }));
      row.user_tokens = column(by_index([](const EpisodeRecord& e) { return e.user_tokens; }));
      row.interactivity = column(by_index([](const EpisodeRecord& e) { return e.interactivity; }));
      ts.rows.push_back(row);
    }
    std::stable_sort(ts.rows.begin(), ts.rows.end(),
                     [](const auto& x, const auto& y) { return x.score.mean > y.score.mean; });
    for (size_t j = 0; j < ts.rows.size(); ++j) ts.rows[j].rank = static_cast<int>(j + 1);
    for (size_t j = 0; j + 1 < ts.rows.size(); ++j) {
      Comparison c;
      c.better = ts.rows[j].agent;
      c.worse = ts.rows[j + 1].agent;
      const auto& x = score_by_index[t][static_cast<size_t>(c.better)];
      const auto& y = score_by_index[t][static_cast<size_t>(c.worse)];
      c.diff = bootstrap(
          N, [&](std::span<const size_t> idx) { return mean_at(x, idx) - mean_at(y, idx); },
          cfg.level, cfg.resamples, stream);
      ts.neighbours.push_back(c);
    }
    ts.resolvable = resolvable(ts.neighbours, K * N);
    s.tasks.push_back(std::move(ts));
  }

  // Overall: IQM over the T × K per-(task, replicate) mean scores; stratified bootstrap.
  auto iqm_of = [&](size_t a, const std::vector<std::vector<size_t>>* idx) {
    std::vector<double> cells;
    cells.reserve(T * K);
    for (size_t t = 0; t < T; ++t) {
      for (size_t k = 0; k < K; ++k) {
        double sum = 0;
        for (size_t j = 0; j < N; ++j) {
          const size_t i = idx ? (*idx)[t][j] : j;
          sum += records[t][a][k * N + i]->score;
        }
        cells.push_back(sum / static_cast<double>(N));
      }
    }
    return iqm(cells);
  };
  std::vector<double> point(A);
  for (size_t a = 0; a < A; ++a) point[a] = iqm_of(a, nullptr);
  std::vector<std::vector<double>> boot(A, std::vector<double>(static_cast<size_t>(cfg.resamples)));
  std::vector<Rng> rngs;
  for (size_t t = 0; t < T; ++t)
    rngs.emplace_back(derive_seed(task_stream(t), N, Stream::kBootstrap, 1));
  std::vector<std::vector<size_t>> idx(T, std::vector<size_t>(N));
  for (size_t b = 0; b < static_cast<size_t>(cfg.resamples); ++b) {
    for (size_t t = 0; t < T; ++t) {
      for (auto& i : idx[t]) i = rngs[t].below(N);
    }
    for (size_t a = 0; a < A; ++a) boot[a][b] = iqm_of(a, &idx);
  }
  const int cells = static_cast<int>(T * K);
  for (size_t a = 0; a < A; ++a) {
    OverallRow row;
    row.agent = static_cast<int>(a);
    row.iqm = percentile_interval(boot[a], point[a], N > 1 ? cells : 1, cfg.level);
    row.iqm.n = cells;
    s.overall.push_back(row);
  }
  std::stable_sort(s.overall.begin(), s.overall.end(),
                   [](const auto& x, const auto& y) { return x.iqm.mean > y.iqm.mean; });
  for (size_t j = 0; j < s.overall.size(); ++j) s.overall[j].rank = static_cast<int>(j + 1);
  for (size_t j = 0; j + 1 < s.overall.size(); ++j) {
    Comparison c;
    c.better = s.overall[j].agent;
    c.worse = s.overall[j + 1].agent;
    const auto bb = static_cast<size_t>(c.better), ww = static_cast<size_t>(c.worse);
    std::vector<double> d(static_cast<size_t>(cfg.resamples));
    for (size_t b = 0; b < d.size(); ++b) d[b] = boot[bb][b] - boot[ww][b];
    c.diff = percentile_interval(d, point[bb] - point[ww], N > 1 ? cells : 1, cfg.level);
    c.diff.n = cells;
    s.overall_neighbours.push_back(c);
  }
  s.overall_resolvable = resolvable(s.overall_neighbours, K * N);
  return s;
}

json Summary::to_json(const RunResult& r) const {
  const auto& agents = r.config.agents;
  auto name = [&](int a) { return agents[static_cast<size_t>(a)]; };
  auto comparisons = [&](const std::vector<Comparison>& cs, const char* metric) {
    json out = json::array();
    for (const auto& c : cs) {
      out.push_back({{"better", name(c.better)},
                     {"worse", name(c.worse)},
                     {"metric", metric},
                     {"diff", c.diff.to_json()},
                     {"resolved", c.resolved()}});
    }
    return out;
  };
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json tasks_j = json::array();
  for (const auto& ts : tasks) {
    const TaskInfo& info = r.tasks[static_cast<size_t>(ts.task)];
    json rows = json::array();
    for (const auto& row : ts.rows) {
      json j = {{"rank", row.rank},
                {"agent", name(row.agent)},
                {"name", r.agent_names[static_cast<size_t>(row.agent)]},
                {"privileged", static_cast<bool>(r.privileged[static_cast<size_t>(row.agent)])},
                {"episodes", row.episodes},
                {"failures", row.failures}};
      for (const auto& c : columns()) {
        const bool absent = std::string_view(c.key) == "mr_per_turn" && !info.mr;
        j[c.key] = absent ? json(nullptr) : (row.*c.field).to_json();
      }
      rows.push_back(std::move(j));
    }
    tasks_j.push_back({{"id", info.id},
                       {"ranking", rows},
                       {"neighbours", comparisons(ts.neighbours, "score")},
                       {"resolvable", opt(ts.resolvable)}});
  }
  json overall_j = json::array();
  for (const auto& row : overall) {
    overall_j.push_back(
        {{"rank", row.rank},
         {"agent", name(row.agent)},
         {"privileged", static_cast<bool>(r.privileged[static_cast<size_t>(row.agent)])},
         {"iqm", row.iqm.to_json()}});
  }
  return {{"tasks", tasks_j},
          {"overall",
           {{"metric", "iqm_score"},
            {"ranking", overall_j},
            {"neighbours", comparisons(overall_neighbours, "iqm_score")},
            {"resolvable", opt(overall_resolvable)}}}};
}

}  // namespace collab::leaderboard
