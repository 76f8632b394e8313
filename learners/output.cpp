#include "learners/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "env/error.h"
#include "env/stats.h"

#ifndef COLLAB_GIT_DESCRIBE
#define COLLAB_GIT_DESCRIBE "unknown"
#endif

namespace collab::learners::detail {

namespace fs = std::filesystem;

std::string git_describe() { return COLLAB_GIT_DESCRIBE; }

void EpisodeLog::add(const EpisodeRecord& s) {
  ++episodes_;
  recent_.push_back(s);
  if (recent_.size() > window_) recent_.pop_front();
  interval_.push_back(s);
}

namespace {

// One column of `eps` as doubles, for the statistics module.
template <class Eps, class Get>
std::vector<double> column(const Eps& eps, Get get) {
  std::vector<double> out;
  out.reserve(eps.size());
  for (const auto& e : eps) out.push_back(static_cast<double>(get(e)));
  return out;
}

}  // namespace

double EpisodeLog::recent_success() const {
  return mean(column(recent_, [](const EpisodeRecord& e) { return e.success; }));
}

double EpisodeLog::recent_return() const {
  return mean(column(recent_, [](const EpisodeRecord& e) { return e.ret; }));
}

EpisodeLog::Interval EpisodeLog::take_interval() {
  Interval out;
  out.episodes = static_cast<int>(interval_.size());
  out.episodic_return = mean(column(interval_, [](const EpisodeRecord& e) { return e.ret; }));
  out.success = mean(column(interval_, [](const EpisodeRecord& e) { return e.success; }));
  out.score = mean(column(interval_, [](const EpisodeRecord& e) { return e.score; }));
  out.turns = mean(column(interval_, [](const EpisodeRecord& e) { return e.turns; }));
  out.interactivity =
      mean(column(interval_, [](const EpisodeRecord& e) { return e.interactivity; }));
  interval_.clear();
  return out;
}

namespace {

constexpr const char* kCsvHeader =
    "global_step,charts/episodes,charts/episodic_return,charts/success,charts/score,charts/turns,"
    "charts/interactivity,losses/policy_loss,losses/value_loss,losses/entropy,losses/approx_kl,"
    "losses/clipfrac,losses/explained_variance,charts/learning_rate,charts/steps_per_second";

}  // namespace

RunWriter::RunWriter(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) {
    throw Error(
        fmt::format("out_dir '{}': cannot create the directory ({}); expected a writable "
                    "folder path",
                    dir_, ec ? ec.message() : "a file of that name exists"));
  }
  const std::string path = (fs::path(dir_) / "metrics.csv").string();
  csv_.open(path, std::ios::trunc);
  if (!csv_) {
    throw Error(
        fmt::format("out_dir '{}': cannot write {}; expected a writable folder", dir_, path));
  }
  csv_ << kCsvHeader << '\n';
  csv_.flush();
}

void RunWriter::add(const MetricsRow& r) {
  if (!enabled()) return;
  rows_.push_back(r);
  const auto& e = r.episodes;
  std::string ep = ",,,,,";  // no episode ended in this update
  if (e.episodes > 0) {
    ep = fmt::format("{:.6g},{:.6g},{:.6g},{:.6g},{:.6g}", e.episodic_return, e.success, e.score,
                     e.turns, e.interactivity);
  }
  csv_ << fmt::format("{},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.1f}\n", r.step,
                      e.episodes, ep, r.policy_loss, r.value_loss, r.entropy, r.approx_kl,
                      r.clipfrac, r.explained_variance, r.learning_rate, r.steps_per_second);
  csv_.flush();
}

void RunWriter::write_curve() const {
  if (!enabled()) return;
  const std::string path = (fs::path(dir_) / "curve.svg").string();
  std::ofstream out(path, std::ios::trunc);
  out << curve_svg(rows_, fs::path(dir_).filename().string());
  if (!out) throw Error(fmt::format("cannot write {}", path));
}

namespace {

// Escapes text for an SVG text node.
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// One panel: a framed plot of (step, value) points with y ticks at lo, mid, hi.
void panel(std::string& svg, double top, const std::string& label, const std::string& colour,
           const std::vector<std::pair<double, double>>& pts, double x_max, double lo, double hi) {
  constexpr double kLeft = 70, kWidth = 600, kHeight = 180;
  if (hi - lo < 1e-12) hi = lo + 1;
  auto x = [&](double v) { return kLeft + kWidth * v / std::max(x_max, 1.0); };
  auto y = [&](double v) { return top + kHeight * (1 - (v - lo) / (hi - lo)); };
  svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#999"/>)"
                     "\n",
                     kLeft, top, kWidth, kHeight);
  svg += fmt::format(R"(<text x="{}" y="{}" font-size="13">{}</text>)"
                     "\n",
                     kLeft, top - 6, xml_escape(label));
  for (double v : {lo, (lo + hi) / 2, hi}) {
    svg += fmt::format(R"(<text x="{}" y="{:.1f}" font-size="11" text-anchor="end">{:.3g}</text>)"
                       "\n",
                       kLeft - 5, y(v) + 4, v);
  }
  if (pts.empty()) return;
  std::string poly;
  for (const auto& [s, v] : pts) poly += fmt::format("{:.1f},{:.1f} ", x(s), y(v));
  svg += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>)"
                     "\n",
                     colour, poly);
}

}  // namespace

std::string curve_svg(const std::vector<MetricsRow>& rows, const std::string& title) {
  std::vector<std::pair<double, double>> success, ret;
  double x_max = 1, r_lo = std::numeric_limits<double>::infinity(), r_hi = -r_lo;
  for (const auto& r : rows) {
    x_max = std::max(x_max, static_cast<double>(r.step));
    if (r.episodes.episodes == 0) continue;
    success.emplace_back(static_cast<double>(r.step), r.episodes.success);
    ret.emplace_back(static_cast<double>(r.step), r.episodes.episodic_return);
    r_lo = std::min(r_lo, r.episodes.episodic_return);
    r_hi = std::max(r_hi, r.episodes.episodic_return);
  }
  if (ret.empty()) r_lo = 0, r_hi = 1;
  std::string svg =
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="700" height="520" font-family="sans-serif">)"
      "\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += fmt::format(R"(<text x="70" y="22" font-size="15">{}</text>)"
                     "\n",
                     xml_escape(title));
  panel(svg, 55, "success (training episodes, per update)", "#1f77b4", success, x_max, 0, 1);
  panel(svg, 290, "episodic return", "#d62728", ret, x_max, r_lo, r_hi);
  svg += fmt::format(
      R"(<text x="370" y="500" font-size="12" text-anchor="middle">environment steps (0 to {})</text>)"
      "\n</svg>\n",
      static_cast<int64_t>(x_max));
  return svg;
}

std::string sidecar_path(const std::string& checkpoint_path) {
  return fs::path(checkpoint_path).replace_extension(".json").string();
}

std::string resolve_checkpoint(const std::string& dir_or_file) {
  if (fs::is_directory(dir_or_file)) {
    const auto p = fs::path(dir_or_file) / "checkpoint.pt";
    if (!fs::exists(p)) {
      throw Error(
          fmt::format("'{}' is a folder without checkpoint.pt; expected a training out_dir "
                      "or a checkpoint file",
                      dir_or_file));
    }
    return p.string();
  }
  if (!fs::exists(dir_or_file)) {
    throw Error(fmt::format("checkpoint '{}' not found; expected a training out_dir or a .pt file",
                            dir_or_file));
  }
  return dir_or_file;
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream out(path, std::ios::trunc);
  out << j.dump(2) << '\n';
  if (!out) throw Error(fmt::format("cannot write {}", path));
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read {} (the checkpoint's JSON sidecar)", path));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
}

}  // namespace collab::learners::detail
