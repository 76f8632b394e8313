// curve.svg (learners/output.*): round ticks, step labels, smoothing, title, baselines, and
// well-formed SVG for realistic and degenerate runs. No training. With $COLLAB_CURVE_DEMO_DIR set,
// the rendered documents are also written there (to look at them: rsvg-convert -o x.png x.svg).
#include "learners/output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace collab::learners::detail {
namespace {

namespace fs = std::filesystem;

// 1, 2 or 5 times a power of ten.
bool is_round_step(double step) {
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  for (double m : {1.0, 2.0, 5.0}) {
    if (std::abs(mantissa - m) < 1e-6) return true;
  }
  return false;
}

void expect_nice(double lo, double hi, int max_intervals) {
  SCOPED_TRACE(::testing::Message() << "range [" << lo << ", " << hi << "] max " << max_intervals);
  const std::vector<double> t = nice_ticks(lo, hi, max_intervals);
  ASSERT_GE(t.size(), 2u);
  EXPECT_LE(t.size() - 1, static_cast<size_t>(max_intervals));
  EXPECT_LE(t.front(), lo);
  EXPECT_GE(t.back(), hi);
  const double step = t[1] - t[0];
  EXPECT_TRUE(is_round_step(step)) << step;
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_NEAR(t[i] / step, std::round(t[i] / step), 1e-6) << t[i];
    if (i > 0) {
      EXPECT_NEAR(t[i] - t[i - 1], step, step * 1e-6);
    }
  }
}

TEST(CurveSvgTicks, RoundNumbersCoveringTheRange) {
  const std::vector<double> unit = nice_ticks(0, 1, 5);
  ASSERT_EQ(unit.size(), 6u);  // 0, 0.2, ..., 1
  for (size_t i = 0; i < unit.size(); ++i)
    EXPECT_NEAR(unit[i], 0.2 * static_cast<double>(i), 1e-12);
  EXPECT_EQ(nice_ticks(-3.7, 12.2, 5), (std::vector<double>{-5, 0, 5, 10, 15}));
  const std::vector<double> steps = nice_ticks(0, 150000, 8);
  ASSERT_EQ(steps.size(), 9u);  // 0, 20k, ..., 160k
  EXPECT_EQ(steps.front(), 0);
  EXPECT_EQ(steps.back(), 160000);
  expect_nice(0, 1, 5);
  expect_nice(0, 150000, 8);
  expect_nice(0, 1024, 8);
  expect_nice(0, 10'000'000, 8);
  expect_nice(-3.7, 12.2, 5);
  expect_nice(1e-4, 3e-4, 5);
  expect_nice(-1000, -10, 5);
  expect_nice(0.37, 0.38, 5);
  expect_nice(2.5, 2.5, 5);  // one value: widened around it
  expect_nice(0, 0, 5);
  expect_nice(7, 3, 5);  // reversed
  EXPECT_EQ(nice_ticks(NAN, 1, 5), (std::vector<double>{0, 1}));
  EXPECT_EQ(nice_ticks(0, INFINITY, 5), (std::vector<double>{0, 1}));
}

TEST(CurveSvgTicks, StepsReadInThousandsAndMillions) {
  EXPECT_EQ(format_steps(0), "0");
  EXPECT_EQ(format_steps(950), "950");
  EXPECT_EQ(format_steps(1000), "1k");
  EXPECT_EQ(format_steps(1500), "1.5k");
  EXPECT_EQ(format_steps(150000), "150k");
  EXPECT_EQ(format_steps(1'200'000), "1.2M");
  EXPECT_EQ(format_steps(10'000'000), "10M");
  EXPECT_EQ(format_steps(3e9), "3G");
  EXPECT_EQ(format_tick(0.2, 0.2), "0.2");
  EXPECT_EQ(format_tick(1, 0.2), "1.0");
  EXPECT_EQ(format_tick(0.6000000000000001, 0.2), "0.6");
  EXPECT_EQ(format_tick(-1e-17, 0.2), "0.0");  // never "-0.0"
  EXPECT_EQ(format_tick(0.05, 0.05), "0.05");
  EXPECT_EQ(format_tick(20, 5), "20");
  EXPECT_EQ(format_tick(-4, 2), "-4");
  EXPECT_EQ(format_tick(40000, 20000), "40k");
}

TEST(CurveSvgSmoothing, CentredMeanCutShortAtTheEnds) {
  EXPECT_EQ(smooth_curve({0, 0, 3, 0, 0}, 1), (std::vector<double>{0, 1, 1, 1, 0}));
  EXPECT_EQ(smooth_curve({1, 2, 3}, 0), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(smooth_curve({4, 8}, 5), (std::vector<double>{6, 6}));
  EXPECT_TRUE(smooth_curve({}, 3).empty());
  const std::vector<double> flat(50, 0.25);
  for (double v : smooth_curve(flat, 4)) EXPECT_DOUBLE_EQ(v, 0.25);
  EXPECT_EQ(smoothing_half_window(1), 1);
  EXPECT_EQ(smoothing_half_window(60), 4);
  EXPECT_EQ(smoothing_half_window(1600), 100);
}

// ---- rendering -------------------------------------------------------------------------------

// A realistic run: `n` updates up to `last_step`, success rising noisily from 0.05 to 0.9.
std::vector<MetricsRow> realistic_rows(int n, int64_t last_step) {
  std::mt19937 gen(11);
  std::vector<MetricsRow> rows;
  for (int i = 1; i <= n; ++i) {
    const double f = static_cast<double>(i) / n;
    const double noise = (static_cast<double>(gen()) / std::mt19937::max() - 0.5) * 0.2;
    MetricsRow r;
    r.step = last_step * i / n;
    r.episodes.episodes = 20 + i;
    r.episodes.success = std::clamp(0.05 + 0.85 * f * f * (3 - 2 * f) + noise, 0.0, 1.0);
    r.episodes.episodic_return = -0.8 + 1.6 * r.episodes.success + noise;
    rows.push_back(r);
  }
  return rows;
}

CurveInfo demo_info() {
  CurveInfo info;
  info.task = "twenty_questions-v0";
  info.reward = "mr_delta";
  info.seed = 3;
  info.run = "tq-small";
  info.baselines = {{"random", 0.01, -0.75}, {"passive", 0.01}, {"expert", 0.99, 0.95}};
  return info;
}

void write_demo(const std::string& name, const std::string& svg) {
  const char* dir = std::getenv("COLLAB_CURVE_DEMO_DIR");
  if (dir == nullptr || *dir == 0) return;
  std::ofstream(fs::path(dir) / (name + ".svg")) << svg;
}

// Tags open and close in order, the root is <svg>, and no number is NaN or infinite.
void expect_well_formed(const std::string& svg) {
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_NE(svg.find("font-family=\"sans-serif\""), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("@font-face"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos);  // nothing external
  std::vector<std::string> open;
  size_t pos = 0;
  while ((pos = svg.find('<', pos)) != std::string::npos) {
    const size_t end = svg.find('>', pos);
    ASSERT_NE(end, std::string::npos) << "unterminated tag at " << pos;
    const std::string tag = svg.substr(pos + 1, end - pos - 1);
    ASSERT_FALSE(tag.empty());
    EXPECT_EQ(tag.find('<'), std::string::npos) << tag;
    if (tag[0] == '/') {
      ASSERT_FALSE(open.empty()) << "</" << tag << "> closes nothing";
      EXPECT_EQ(tag.substr(1), open.back());
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
    pos = end + 1;
  }
  EXPECT_TRUE(open.empty()) << open.size() << " unclosed, first " << open.front();
  static const std::regex bad_number(R"([^a-z](nan|inf)[^a-z])", std::regex::icase);
  EXPECT_FALSE(std::regex_search(svg, bad_number));
}

// The texts of elements with class `cls`, in document order.
std::vector<std::string> texts(const std::string& svg, const std::string& cls) {
  const std::regex re("class=\"" + cls + "\"[^>]*>([^<]*)<");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

size_t count(const std::string& svg, const std::string& needle) {
  size_t n = 0;
  for (size_t p = svg.find(needle); p != std::string::npos; p = svg.find(needle, p + 1)) ++n;
  return n;
}

TEST(CurveSvg, RealisticRunHasTitleTicksSmoothingAndBaselines) {
  const std::string svg = curve_svg(realistic_rows(60, 150000), demo_info());
  write_demo("curve_demo", svg);
  expect_well_formed(svg);
  const std::vector<std::string> title = texts(svg, "title");
  ASSERT_EQ(title.size(), 1u);
  EXPECT_NE(title[0].find("twenty_questions-v0"), std::string::npos);
  EXPECT_NE(title[0].find("mr_delta"), std::string::npos);
  EXPECT_NE(title[0].find("seed 3"), std::string::npos);
  EXPECT_NE(svg.find("tq-small \u00b7 60 updates \u00b7 150,000 steps"), std::string::npos);

  // Both panels: the same step ticks, in k.
  const std::vector<std::string> x = texts(svg, "xtick");
  const std::vector<std::string> one_panel = {"0",    "20k",  "40k",  "60k", "80k",
                                              "100k", "120k", "140k", "160k"};
  ASSERT_EQ(x.size(), 2 * one_panel.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i], one_panel[i % one_panel.size()]);
  // Success on 0..1 by 0.2; return on round numbers too.
  const std::vector<std::string> y = texts(svg, "ytick");
  ASSERT_GE(y.size(), 6u + 3u);
  EXPECT_EQ(std::vector<std::string>(y.begin(), y.begin() + 6),
            (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  for (size_t i = 6; i < y.size(); ++i) {
    EXPECT_TRUE(std::regex_match(y[i], std::regex(R"(-?\d+(\.\d+)?)"))) << y[i];
  }

  EXPECT_EQ(count(svg, "<polyline class=\"raw\""), 2u);
  EXPECT_EQ(count(svg, "<polyline class=\"smoothed\""), 2u);
  EXPECT_NE(svg.find("centred mean over 9 updates"), std::string::npos);
  // Three success baselines, and the two with a return on the return panel.
  EXPECT_EQ(count(svg, "class=\"baseline\""), 5u);
  const std::vector<std::string> labels = texts(svg, "baseline-label");
  EXPECT_NE(std::find(labels.begin(), labels.end(), "expert 0.99"), labels.end());
  EXPECT_NE(std::find(labels.begin(), labels.end(), "random 0.01"), labels.end());
  EXPECT_NE(std::find(labels.begin(), labels.end(), "passive 0.01"), labels.end());
}

TEST(CurveSvg, BaselinesOnlyWhenGiven) {
  CurveInfo info = demo_info();
  info.baselines.clear();
  std::vector<MetricsRow> rows = realistic_rows(30, 50000);
  for (auto& r : rows) r.episodes.episodic_return = 0.5;  // flat return, no baseline to frame it
  const std::string svg = curve_svg(rows, info);
  write_demo("no_baselines", svg);
  expect_well_formed(svg);
  EXPECT_EQ(svg.find("baseline"), std::string::npos);
  EXPECT_EQ(svg.find("stroke-dasharray"), std::string::npos);
}

TEST(CurveSvg, EqualBaselinesGetSeparateLabels) {
  const std::string svg = curve_svg(realistic_rows(60, 150000), demo_info());
  const std::regex re(
      R"re(class="baseline-label" x="[0-9.]+" y="([0-9.]+)"[^>]*>(random|passive) )re");
  std::vector<double> ys;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it) {
    ys.push_back(std::stod((*it)[1]));
  }
  ASSERT_EQ(ys.size(), 3u);  // random and passive on success, random on return
  EXPECT_GE(std::abs(ys[0] - ys[1]), 12.0);
}

TEST(CurveSvg, TitleEscapedAndPartsLeftOutWhenUnknown) {
  CurveInfo info;
  info.task = "a<b>&c";
  std::string svg = curve_svg(realistic_rows(5, 5000), info);
  expect_well_formed(svg);
  EXPECT_EQ(texts(svg, "title"), std::vector<std::string>{"a&lt;b&gt;&amp;c"});
  info = {};
  info.run = "my-run";
  svg = curve_svg(realistic_rows(5, 5000), info);
  EXPECT_EQ(texts(svg, "title"), std::vector<std::string>{"my-run"});
  EXPECT_EQ(svg.find("seed"), std::string::npos);
}

TEST(CurveSvg, EdgeCasesStayWellFormed) {
  CurveInfo info = demo_info();
  {  // No rows at all.
    const std::string svg = curve_svg({}, info);
    write_demo("edge_empty", svg);
    expect_well_formed(svg);
    EXPECT_NE(svg.find("no finished episodes yet"), std::string::npos);
    EXPECT_EQ(svg.find("centred mean"), std::string::npos);  // no line to explain
  }
  {  // One row: a dot, not a line.
    const std::string svg = curve_svg(realistic_rows(1, 1024), info);
    write_demo("edge_one_row", svg);
    expect_well_formed(svg);
    EXPECT_EQ(count(svg, "<circle class=\"smoothed\""), 2u);
    EXPECT_EQ(texts(svg, "xtick").back(), "1.2k");
  }
  {  // All values equal.
    std::vector<MetricsRow> rows = realistic_rows(40, 80000);
    for (auto& r : rows) r.episodes.success = 0.5, r.episodes.episodic_return = 0.5;
    const std::string svg = curve_svg(rows, info);
    write_demo("edge_flat", svg);
    expect_well_formed(svg);
  }
  {  // Updates without finished episodes (empty columns; means of nothing are NaN).
    std::vector<MetricsRow> rows = realistic_rows(40, 80000);
    for (size_t i = 0; i < rows.size(); i += 3) {
      rows[i].episodes = {};
      rows[i].episodes.success = NAN;
      rows[i].episodes.episodic_return = NAN;
    }
    const std::string svg = curve_svg(rows, info);
    write_demo("edge_gaps", svg);
    expect_well_formed(svg);
    EXPECT_EQ(count(svg, "<polyline class=\"smoothed\""), 2u);
  }
  {  // A long run: steps in M.
    const std::string svg = curve_svg(realistic_rows(800, 10'000'000), info);
    write_demo("edge_10M", svg);
    expect_well_formed(svg);
    const std::vector<std::string> x = texts(svg, "xtick");
    EXPECT_EQ(x.front(), "0");
    EXPECT_EQ(x[x.size() / 2 - 1], "10M");
    for (const auto& l : x) EXPECT_TRUE(std::regex_match(l, std::regex(R"(0|\d+(\.\d+)?M)"))) << l;
  }
  {  // Non-finite baseline values are left out.
    info.baselines = {{"broken", NAN, INFINITY}};
    const std::string svg = curve_svg(realistic_rows(10, 10000), info);
    expect_well_formed(svg);
    EXPECT_EQ(count(svg, "class=\"baseline\""), 0u);
  }
}

TEST(CurveSvgOutput, RunWriterTitlesTheCurveAndNamesTheRun) {
  const fs::path dir = fs::temp_directory_path() / ("collab_curve_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    RunWriter w((dir / "run-7").string(), {"t-v0", "terminal", 7});
    for (const auto& r : realistic_rows(4, 4096)) w.add(r);
    w.set_baselines({{"expert", 1.0}});
    w.write_curve();
  }
  std::ifstream in(dir / "run-7" / "curve.svg");
  const std::string svg((std::istreambuf_iterator<char>(in)), {});
  expect_well_formed(svg);
  const std::vector<std::string> title = texts(svg, "title");
  ASSERT_EQ(title.size(), 1u);
  EXPECT_EQ(title[0], "t-v0 \u00b7 reward terminal \u00b7 seed 7");
  EXPECT_NE(svg.find("run-7"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"baseline\""), 1u);
  fs::remove_all(dir);

  RunWriter off("");  // records and writes nothing
  off.add(MetricsRow{});
  off.write_curve();
  EXPECT_FALSE(off.enabled());
}

}  // namespace
}  // namespace collab::learners::detail
