// leaderboard.html: one self-contained page (inline CSS and SVG; no scripts, no network).
//
// Each chart is <svg class="chart" data-task="ID"> (data-task="overall" for the IQM chart) holding
// one <g class="bar" data-agent=… data-mean=… data-lo=… data-hi=…> per agent, in ranking order,
// whose <text class="value"> shows the mean with three decimals: tests read the page through
// these, and so can scripts.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "leaderboard/report.h"

namespace collab::leaderboard {

namespace {

std::string esc(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

struct Bar {
  std::string agent;
  bool privileged = false;
  int colour = 0;  // the agent's position in the run's agent list: one colour per agent everywhere
  Estimate e;
};

// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                    "#56B4E9", "#D55E00", "#F0E442", "#000000"};

// A horizontal bar chart on [lo, hi] of the x axis, whiskers at the intervals.
std::string chart(const std::string& id, const std::string& title, const std::vector<Bar>& bars,
                  double x_lo, double x_hi) {
  constexpr int kLabel = 190, kPlot = 420, kValue = 150, kRow = 30, kTop = 28, kBottom = 30;
  const int width = kLabel + kPlot + kValue;
  const int height = kTop + kRow * static_cast<int>(bars.size()) + kBottom;
  auto x = [&](double v) {
    const double t = (std::clamp(v, x_lo, x_hi) - x_lo) / (x_hi - x_lo);
    return kLabel + t * kPlot;
  };
  std::string o = fmt::format(
      "<svg class=\"chart\" data-task=\"{}\" role=\"img\" aria-label=\"{}\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
      esc(id), esc(title), width, height, width, height);
  o += fmt::format("<text class=\"title\" x=\"{}\" y=\"18\">{}</text>\n", kLabel, esc(title));
  for (int k = 0; k <= 4; ++k) {  // grid and ticks
    const double v = x_lo + (x_hi - x_lo) * k / 4;
    const double gx = x(v);
    o += fmt::format(
        "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\"/>"
        "<text class=\"tick\" x=\"{0:.1f}\" y=\"{3}\">{4:.2f}</text>\n",
        gx, kTop - 4, height - kBottom + 2, height - kBottom + 18, v);
  }
  for (size_t j = 0; j < bars.size(); ++j) {
    const Bar& b = bars[j];
    const int y = kTop + kRow * static_cast<int>(j);
    const double x0 = x(std::max(0.0, x_lo)), xm = x(b.e.mean), xl = x(b.e.lo), xh = x(b.e.hi);
    const double cy = y + kRow / 2.0;
    o += fmt::format(
        "<g class=\"bar\" data-agent=\"{}\" data-mean=\"{:.3f}\" data-lo=\"{:.3f}\" "
        "data-hi=\"{:.3f}\">\n",
        esc(b.agent), b.e.mean, b.e.lo, b.e.hi);
    // Long specs (remote endpoints, checkpoint paths) are cut to fit; the tooltip has them whole.
    const std::string shown =
        b.agent.size() > 26 ? b.agent.substr(0, 12) + "…" + b.agent.substr(b.agent.size() - 12)
                            : b.agent;
    o += fmt::format("<text class=\"agent\" x=\"{}\" y=\"{:.1f}\"><title>{}</title>{}{}</text>\n",
                     kLabel - 8, cy + 4, esc(b.agent), esc(shown), b.privileged ? "*" : "");
    o += fmt::format(
        "<rect class=\"{}\" fill=\"{}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" "
        "rx=\"2\"/>\n",
        b.privileged ? "fill priv" : "fill", kPalette[b.colour % 8], std::min(x0, xm), y + 6,
        std::abs(xm - x0), kRow - 12);
    o += fmt::format(
        "<line class=\"whisker\" x1=\"{0:.1f}\" y1=\"{2:.1f}\" x2=\"{1:.1f}\" y2=\"{2:.1f}\"/>"
        "<line class=\"whisker\" x1=\"{0:.1f}\" y1=\"{3:.1f}\" x2=\"{0:.1f}\" y2=\"{4:.1f}\"/>"
        "<line class=\"whisker\" x1=\"{1:.1f}\" y1=\"{3:.1f}\" x2=\"{1:.1f}\" y2=\"{4:.1f}\"/>\n",
        xl, xh, cy, cy - 6, cy + 6);
    o += fmt::format(
        "<text class=\"value\" x=\"{}\" y=\"{:.1f}\">{:.3f}</text>"
        "<text class=\"ci\" x=\"{}\" y=\"{:.1f}\">[{:.3f}, {:.3f}]</text>\n</g>\n",
        kLabel + kPlot + 10, cy + 4, b.e.mean, kLabel + kPlot + 58, cy + 4, b.e.lo, b.e.hi);
  }
  o += "</svg>\n";
  return o;
}

constexpr const char* kStyle = R"(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2430;
       margin: 0; background: #f4f6f9; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 6px; }
.meta { color: #5a6474; margin: 0 0 20px; }
section { background: #fff; border: 1px solid #dde2ea; border-radius: 8px; padding: 16px 18px;
          margin: 0 0 18px; }
.sub { color: #5a6474; font-size: 13px; margin: 0 0 8px; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #1d2430; }
svg .title { font-weight: 600; }
svg .agent { text-anchor: end; }
svg .tick { text-anchor: middle; fill: #6b7484; font-size: 11px; }
svg .grid { stroke: #e6e9ef; }
svg .fill { fill-opacity: 0.85; }
svg .fill.priv { fill-opacity: 0.45; }
.scroll { overflow-x: auto; }
svg .whisker { stroke: #1d2430; stroke-width: 1.5; }
svg .value { font-weight: 600; }
svg .ci { fill: #5a6474; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 6px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eef0f4; text-align: right;
         white-space: nowrap; }
th { color: #5a6474; font-weight: 600; }
td.l, th.l { text-align: left; }
td small { color: #7a8392; display: block; font-size: 11px; }
td.l { max-width: 260px; overflow-wrap: anywhere; white-space: normal; }
ul.cmp { margin: 8px 0 0; padding-left: 18px; color: #394252; }
.ok { color: #1e7a3c; } .noise { color: #9a6a00; }
footer { color: #5a6474; font-size: 12px; }
)";

std::string comparisons(const RunResult& r, const std::vector<Comparison>& cs,
                        std::optional<double> resolvable) {
  if (cs.empty()) return "";
  std::string o = "<ul class=\"cmp\">\n";
  for (const auto& c : cs) {
    o += fmt::format(
        "<li>{}{} − {}{}: {:+.3f} [{:+.3f}, {:+.3f}] <span class=\"{}\">{}</span></li>\n",
        esc(r.config.agents[static_cast<size_t>(c.better)]),
        r.privileged[static_cast<size_t>(c.better)] ? "*" : "",
        esc(r.config.agents[static_cast<size_t>(c.worse)]),
        r.privileged[static_cast<size_t>(c.worse)] ? "*" : "", c.diff.mean, c.diff.lo, c.diff.hi,
        c.resolved() ? "ok" : "noise", c.resolved() ? "resolved" : "within noise");
  }
  if (resolvable) {
    o += fmt::format(
        "<li>smallest resolvable difference: about {:.3f} (smaller gaps are noise at this run "
        "size)</li>\n",
        *resolvable);
  }
  return o + "</ul>\n";
}

}  // namespace

std::string html(const RunResult& r, const Summary& s) {
  const RunConfig& c = r.config;
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>CollabGym leaderboard</title>\n<style>";
  o += kStyle;
  o += "</style>\n</head>\n<body>\n<main>\n<h1>CollabGym leaderboard</h1>\n";
  o += fmt::format(
      "<p class=\"meta\">collabgym {} ({}) · reward {} · split {} · {} episodes × {} seeds per "
      "task and agent, the same episode seeds for every agent · whiskers: {:g}% bootstrap "
      "intervals ({} resamples)</p>\n",
      esc(r.collabgym_version), esc(r.git_describe),
      esc(r.tasks.empty() ? "" : r.tasks[0].options.value("reward", std::string("mr"))),
      esc(c.options.value("split", std::string("task default"))), c.episodes, c.seeds,
      100 * c.level, c.resamples);

  // Overall.
  std::vector<Bar> bars;
  for (const auto& row : s.overall) {
    bars.push_back({c.agents[static_cast<size_t>(row.agent)],
                    static_cast<bool>(r.privileged[static_cast<size_t>(row.agent)]), row.agent,
                    row.iqm});
  }
  o += "<section id=\"overall\">\n<h2>Overall ranking</h2>\n<p class=\"sub\">Interquartile mean "
       "of the per-task, per-seed mean scores (each task's evaluator score, in [0, 1]).</p>\n";
  o += chart("overall", "IQM score", bars, 0, 1);
  o += "<div class=\"scroll\"><table>\n<tr><th>rank</th><th class=\"l\">agent</th><th>IQM "
       "score</th><th>interval</th>";
  for (const auto& ts : s.tasks) {
    o += fmt::format("<th>{}</th>", esc(r.tasks[static_cast<size_t>(ts.task)].name));
  }
  o += "</tr>\n";
  for (const auto& row : s.overall) {
    o += fmt::format(
        "<tr><td>{}</td><td class=\"l\">{}{}</td><td>{:.3f}</td>"
        "<td><small>[{:.3f}, {:.3f}]</small></td>",
        row.rank, esc(c.agents[static_cast<size_t>(row.agent)]),
        r.privileged[static_cast<size_t>(row.agent)] ? "*" : "", row.iqm.mean, row.iqm.lo,
        row.iqm.hi);
    for (const auto& ts : s.tasks) {
      for (const auto& tr : ts.rows) {
        if (tr.agent == row.agent) o += fmt::format("<td>{:.3f}</td>", tr.score.mean);
      }
    }
    o += "</tr>\n";
  }
  o += "</table></div>\n" + comparisons(r, s.overall_neighbours, s.overall_resolvable) +
       "</section>\n";

  // One section per task.
  for (const auto& ts : s.tasks) {
    const TaskInfo& info = r.tasks[static_cast<size_t>(ts.task)];
    bars.clear();
    for (const auto& row : ts.rows) {
      bars.push_back({c.agents[static_cast<size_t>(row.agent)],
                      static_cast<bool>(r.privileged[static_cast<size_t>(row.agent)]), row.agent,
                      row.score});
    }
    o += fmt::format(
        "<section class=\"task\" id=\"{0}\">\n<h2>{0}</h2>\n<p class=\"sub\">scenario "
        "{1} ({2}) · ranked by mean score · paler bars: privileged baselines</p>\n",
        esc(info.id), esc(info.scenario.value("name", "")),
        esc(info.scenario.value("hash", "").substr(0, 8)));
    o += chart(info.id, "mean score", bars, 0, 1);
    o += fmt::format(
        "<div class=\"scroll\"><table>\n<tr><th>rank</th><th class=\"l\">agent</th>"
        "<th>success</th><th>pass^{}</th>"
        "<th>R*</th><th>MR/turn</th><th>turns</th><th>agent tok</th><th>user tok</th>"
        "<th>interactivity</th><th>failed</th></tr>\n",
        c.seeds);
    for (const auto& row : ts.rows) {
      auto num = [](const Estimate& e, int d) {
        return fmt::format("<td>{:.{}f} <small>[{:.{}f}, {:.{}f}]</small></td>", e.mean, d, e.lo, d,
                           e.hi, d);
      };
      o += fmt::format("<tr><td>{}</td><td class=\"l\">{}{}</td>", row.rank,
                       esc(c.agents[static_cast<size_t>(row.agent)]),
                       r.privileged[static_cast<size_t>(row.agent)] ? "*" : "");
      o += num(row.success, 2) + num(row.pass_k, 2) + num(row.r_star, 2);
      o += info.mr ? num(row.mr_per_turn, 2) : std::string("<td>—</td>");
      o += num(row.turns, 1) + num(row.agent_tokens, 0) + num(row.user_tokens, 0) +
           num(row.interactivity, 2);
      o += fmt::format("<td>{}</td></tr>\n", row.failures);
    }
    o += "</table></div>\n" + comparisons(r, ts.neighbours, ts.resolvable) + "</section>\n";
  }
  o +=
      "<footer>* and paler bars: privileged baselines, which read the task's dialogue state "
      "(never the goal). "
      "Failed episodes (agent timeout, bad reply, invalid act) score 0. Every episode's trace is "
      "under traces/; <code>collabgym leaderboard --verify DIR</code> replays them all.</footer>\n";
  o += "</main>\n</body>\n</html>\n";
  return o;
}

}  // namespace collab::leaderboard
