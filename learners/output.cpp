#include "learners/output.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
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

RunWriter::RunWriter(std::string dir, CurveInfo info)
    : dir_(std::move(dir)), info_(std::move(info)) {
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
  CurveInfo info = info_;
  if (info.run.empty()) info.run = fs::path(dir_).filename().string();
  std::ofstream out(path, std::ios::trunc);
  out << curve_svg(rows_, info);
  if (!out) throw Error(fmt::format("cannot write {}", path));
}

// ---- curve.svg ----------------------------------------------------------------------------------

std::vector<double> nice_ticks(double lo, double hi, int max_intervals) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0, 1};
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(hi))) {  // one value: widen around it
    const double d = lo != 0 ? std::abs(lo) * 0.5 : 1.0;
    lo -= d;
    hi += d;
  }
  max_intervals = std::max(max_intervals, 1);
  const double raw = (hi - lo) / max_intervals;
  const double tol = 1e-9;
  for (int k = static_cast<int>(std::floor(std::log10(raw))) - 1;; ++k) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double step = m * std::pow(10.0, k);
      const double first = std::floor(lo / step + tol), last = std::ceil(hi / step - tol);
      if (last - first > max_intervals) continue;
      std::vector<double> ticks;
      for (double i = first; i <= last + 0.5; i += 1) {
        const double v = i * step;
        ticks.push_back(std::abs(v) < step * 1e-6 ? 0.0 : v);
      }
      return ticks;
    }
  }
}

namespace {

// "1.200" -> "1.2", "3.000" -> "3": at most three decimals, trailing zeros trimmed.
std::string trimmed(double v) {
  std::string s = fmt::format("{:.3f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

}  // namespace

std::string format_steps(double steps) {
  const double a = std::abs(steps);
  if (a < 1e3) return trimmed(steps);
  if (a < 1e6) return trimmed(steps / 1e3) + "k";
  if (a < 1e9) return trimmed(steps / 1e6) + "M";
  return trimmed(steps / 1e9) + "G";
}

std::string format_tick(double value, double step) {
  step = std::abs(step);
  if (!(step > 0) || std::abs(value) < step * 1e-6) value = 0;
  if (step >= 1000) return format_steps(value);
  const int decimals =
      step > 0 ? std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9))) : 0;
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos)
    s = decimals > 0 ? s.substr(s.find('0')) : "0";
  return s;
}

std::vector<double> smooth_curve(const std::vector<double>& values, int half) {
  const auto n = static_cast<int64_t>(values.size());
  half = std::max(half, 0);
  std::vector<double> prefix(values.size() + 1, 0.0);
  for (size_t i = 0; i < values.size(); ++i) prefix[i + 1] = prefix[i] + values[i];
  std::vector<double> out(values.size());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t a = std::max<int64_t>(0, i - half), b = std::min<int64_t>(n - 1, i + half);
    out[static_cast<size_t>(i)] =
        (prefix[static_cast<size_t>(b + 1)] - prefix[static_cast<size_t>(a)]) /
        static_cast<double>(b - a + 1);
  }
  return out;
}

int smoothing_half_window(size_t n) {
  return std::max(1, static_cast<int>(std::lround(static_cast<double>(n) / 16.0)));
}

namespace {

// Escapes text for an SVG text node or attribute.
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
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A name cut to `max` characters (UTF-8 aware enough: never splits a multi-byte sequence).
std::string shortened(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max - 1;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "\u2026";
}

// Layout (px). Labels are sized for sans-serif at the font sizes below; about 0.6 em per character.
constexpr double kWidth = 820, kLeft = 72, kPlotW = 590, kPlotH = 190;
constexpr double kTop1 = 104, kTop2 = 364, kHeight = 612;
constexpr double kCharW = 6.4;  // average width of an 11 px sans-serif character, rounded up
const char* const kBaselineColours[] = {"#2ca02c", "#7f7f7f", "#9467bd", "#8c564b",
                                        "#e377c2", "#17becf", "#bcbd22"};

struct Series {
  std::vector<double> steps, values;
};

struct Level {  // a dashed horizontal line
  std::string label, colour;
  double value;
};

struct XAxis {
  std::vector<double> ticks;
  double lo, hi;
  double at(double s) const { return kLeft + kPlotW * (s - lo) / (hi - lo); }
};

std::string points(const XAxis& x, const std::vector<double>& steps,
                   const std::vector<double>& values, const std::function<double(double)>& y) {
  std::string out;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i > 0) out += ' ';
    out += fmt::format("{:.1f},{:.1f}", x.at(steps[i]), y(values[i]));
  }
  return out;
}

// One panel: gridlines at round ticks, y tick labels, x tick labels under it, the raw values faint,
// the smoothed line over them, the dashed levels with their labels in the right margin.
void panel(std::string& svg, double top, const std::string& label, const std::string& colour,
           const Series& data, const XAxis& x, std::vector<double> must_show,
           const std::vector<Level>& levels, int half) {
  for (double v : data.values) must_show.push_back(v);
  for (const auto& l : levels) must_show.push_back(l.value);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : must_show) lo = std::min(lo, v), hi = std::max(hi, v);
  if (must_show.empty()) lo = 0, hi = 1;
  const std::vector<double> ticks = nice_ticks(lo, hi, 5);
  const double y_lo = ticks.front(), y_hi = ticks.back();
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  auto y = [&](double v) { return top + kPlotH * (1 - (v - y_lo) / (y_hi - y_lo)); };
  const double bottom = top + kPlotH, right = kLeft + kPlotW;

  svg += fmt::format(
      "<g class=\"panel\">\n<text x=\"{}\" y=\"{}\" font-size=\"13\" "
      "font-weight=\"bold\">{}</text>\n",
      kLeft, top - 9, xml_escape(label));
  // Gridlines and tick labels.
  for (double t : ticks) {
    svg += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#e5e5e5\"/>\n"
        "<text class=\"ytick\" x=\"{}\" y=\"{:.1f}\" font-size=\"11\" fill=\"#444\" "
        "text-anchor=\"end\">{}</text>\n",
        kLeft, y(t), right, y(t), kLeft - 6, y(t) + 4, format_tick(t, step));
  }
  for (double t : x.ticks) {
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#e5e5e5\"/>\n"
        "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#999\"/>\n"
        "<text class=\"xtick\" x=\"{:.1f}\" y=\"{}\" font-size=\"11\" fill=\"#444\" "
        "text-anchor=\"middle\">{}</text>\n",
        x.at(t), top, x.at(t), bottom, x.at(t), bottom, x.at(t), bottom + 4, x.at(t), bottom + 17,
        format_steps(t));
  }
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", kLeft,
      top, kPlotW, kPlotH);

  // Baselines: dashed lines across the plot, labels in the right margin pushed apart so that
  // equal values (random and passive often are) stay readable.
  std::vector<size_t> order(levels.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return levels[a].value > levels[b].value; });
  std::vector<double> label_y;
  constexpr double kGap = 13;
  for (size_t i : order) label_y.push_back(y(levels[i].value) + 4);
  for (size_t i = 1; i < label_y.size(); ++i)
    label_y[i] = std::max(label_y[i], label_y[i - 1] + kGap);
  if (!label_y.empty() && label_y.back() > bottom + 4) {  // keep clear of the x tick labels
    label_y.back() = bottom + 4;
    for (size_t i = label_y.size() - 1; i-- > 0;)
      label_y[i] = std::min(label_y[i], label_y[i + 1] - kGap);
  }
  for (size_t k = 0; k < order.size(); ++k) {
    const Level& l = levels[order[k]];
    svg += fmt::format(
        "<line class=\"baseline\" x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"1.3\" stroke-dasharray=\"6 4\"/>\n"
        "<text class=\"baseline-label\" x=\"{}\" y=\"{:.1f}\" font-size=\"11\" fill=\"{}\">{} "
        "{}</text>\n",
        kLeft, y(l.value), right, y(l.value), l.colour, right + 6, label_y[k], l.colour,
        xml_escape(l.label), format_tick(l.value, step / 10));
  }

  if (data.values.empty()) {
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#888\" text-anchor=\"middle\">no "
        "finished episodes yet</text>\n</g>\n",
        kLeft + kPlotW / 2, top + kPlotH / 2);
    return;
  }
  const std::vector<double> smooth = smooth_curve(data.values, half);
  if (data.values.size() == 1) {
    svg += fmt::format(
        "<circle class=\"smoothed\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"/>\n",
        x.at(data.steps[0]), y(data.values[0]), colour);
  } else {
    svg += fmt::format(
        "<polyline class=\"raw\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"0.4\" "
        "stroke-width=\"1.2\" stroke-linejoin=\"round\" points=\"{}\"/>\n",
        colour, points(x, data.steps, data.values, y));
    svg += fmt::format(
        "<polyline class=\"smoothed\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.4\" "
        "stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"{}\"/>\n",
        colour, points(x, data.steps, smooth, y));
  }
  // The last smoothed value, where a reader looks first.
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{}\" text-anchor=\"end\">last{}: "
      "{}</text>\n</g>\n",
      right, top - 9, colour, data.values.size() > 1 ? " (smoothed)" : "",
      format_tick(smooth.back(), step / 10));
}

// 1234567 -> "1,234,567".
std::string grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

}  // namespace

std::string curve_svg(const std::vector<MetricsRow>& rows, const CurveInfo& info) {
  Series success, ret;
  double x_max = 0;
  int64_t episodes = 0;
  for (const auto& r : rows) {
    x_max = std::max(x_max, static_cast<double>(r.step));
    if (r.episodes.episodes <= 0) continue;
    episodes += r.episodes.episodes;
    const double s = static_cast<double>(r.step);
    if (std::isfinite(r.episodes.success)) {
      success.steps.push_back(s);
      success.values.push_back(r.episodes.success);
    }
    if (std::isfinite(r.episodes.episodic_return)) {
      ret.steps.push_back(s);
      ret.values.push_back(r.episodes.episodic_return);
    }
  }
  XAxis x;
  x.ticks = nice_ticks(0, std::max(x_max, 10.0), 8);
  x.lo = x.ticks.front();
  x.hi = x.ticks.back();

  std::vector<Level> success_levels, return_levels;
  for (size_t i = 0; i < info.baselines.size(); ++i) {
    const auto& b = info.baselines[i];
    const std::string colour = kBaselineColours[i % std::size(kBaselineColours)];
    const std::string name = shortened(b.name, 16);
    if (std::isfinite(b.success)) success_levels.push_back({name, colour, b.success});
    if (b.episodic_return && std::isfinite(*b.episodic_return)) {
      return_levels.push_back({name, colour, *b.episodic_return});
    }
  }

  std::vector<std::string> parts;
  if (!info.task.empty()) parts.push_back(info.task);
  if (!info.reward.empty()) parts.push_back("reward " + info.reward);
  if (info.seed) parts.push_back(fmt::format("seed {}", *info.seed));
  std::string title = fmt::format("{}", fmt::join(parts, " \u00b7 "));
  if (title.empty()) title = info.run.empty() ? "training curve" : info.run;
  std::vector<std::string> sub;
  if (!info.run.empty() && title != info.run) sub.push_back(info.run);
  sub.push_back(fmt::format("{} update{}", rows.size(), rows.size() == 1 ? "" : "s"));
  sub.push_back(grouped(static_cast<int64_t>(x_max)) + " steps");
  sub.push_back(grouped(episodes) + " training episodes");

  const int half = smoothing_half_window(std::max(success.values.size(), ret.values.size()));
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" font-family=\"sans-serif\">\n<title>{2}</title>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text class=\"title\" x=\"{3}\" y=\"26\" font-size=\"16\" font-weight=\"bold\">{2}</text>\n"
      "<text x=\"{3}\" y=\"46\" font-size=\"12\" fill=\"#555\">{4}</text>\n",
      kWidth, kHeight, xml_escape(title), kLeft,
      xml_escape(fmt::format("{}", fmt::join(sub, " \u00b7 "))));

  // Legend: one row, drawn in grey, under the subtitle.
  {
    double lx = kLeft;
    const double ly = 68;
    auto item = [&](const std::string& line_attrs, const std::string& text) {
      svg += fmt::format(
          "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{2:.1f}\" y2=\"{1}\" stroke=\"#555\" {3}/>\n"
          "<text x=\"{4:.1f}\" y=\"{5}\" font-size=\"11\" fill=\"#444\">{6}</text>\n",
          lx, ly - 4, lx + 22, line_attrs, lx + 27, ly, xml_escape(text));
      lx += 27 + kCharW * static_cast<double>(text.size()) + 18;
    };
    const size_t n = std::max(success.values.size(), ret.values.size());
    if (n >= 2) {
      item("stroke-opacity=\"0.4\" stroke-width=\"1.2\"", "each update");
      item("stroke-width=\"2.4\"", fmt::format("centred mean over {} updates",
                                               std::min(n, static_cast<size_t>(2 * half + 1))));
    }
    if (!info.baselines.empty()) item("stroke-width=\"1.3\" stroke-dasharray=\"6 4\"", "baseline");
  }

  panel(svg, kTop1, "success (training episodes ending in each update)", "#1f77b4", success, x,
        {0.0, 1.0}, success_levels, half);
  panel(svg, kTop2,
        info.reward.empty() ? std::string("episodic return")
                            : "episodic return (reward " + info.reward + ")",
        "#d62728", ret, x, {}, return_levels, half);
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#333\" text-anchor=\"middle\">environment "
      "steps</text>\n</svg>\n",
      kLeft + kPlotW / 2, kTop2 + kPlotH + 36);
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
