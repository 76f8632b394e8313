// Leaderboard runs: statistics worked by hand, --jobs independence, shards merged == one run,
// verify catching tampering, the HTML page.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "env/error.h"
#include "leaderboard/report.h"
#include "leaderboard/runner.h"
#include "leaderboard/summary.h"
#include "tasks/register_all.h"
#include "tests/leaderboard/lb_test_util.h"

namespace collab::leaderboard {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Two cheap tasks, two agents, 2 seeds × 5 episodes, terminal reward: about 40 episodes.
RunConfig small_config() {
  RunConfig c;
  c.tasks = {"guess_number", "math_qa"};
  c.agents = {"random", "expert"};
  c.episodes = 5;
  c.seeds = 2;
  c.first_seed = 100;
  c.options = {{"reward", "terminal"}, {"split", "test"}};
  c.resamples = 500;
  return c;
}

// A file tree as {relative path: contents}.
std::map<std::string, std::string> files_of(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = test::slurp(e.path());
  }
  return out;
}

TEST(Leaderboard, SummaryByHand) {
  // One task, two agents, K = 2 seeds × N = 2 episodes; scores chosen by hand.
  RunResult r;
  r.config.tasks = {"t"};
  r.config.agents = {"a", "b"};
  r.config.seeds = 2;
  r.config.episodes = 2;
  r.config.resamples = 200;
  TaskInfo t;
  t.id = "t-v0";
  t.seeds = {0, 1, 2, 3};
  r.tasks = {t};
  r.agent_names = {"a", "b"};
  r.privileged = {false, false};
  // agent a: (k, i) scores 1, 1 / 1, 0 -> successes per index: i=0 twice, i=1 once.
  // agent b: all 0.5, never a success.
  const double a_scores[2][2] = {{1, 1}, {1, 0}};
  for (int agent = 0; agent < 2; ++agent) {
    for (int k = 0; k < 2; ++k) {
      for (int i = 0; i < 2; ++i) {
        EpisodeResult e;
        e.task = 0;
        e.agent = agent;
        e.replicate = k;
        e.episode = i;
        e.record.seed = static_cast<uint64_t>(k * 2 + i);
        e.record.score = agent == 0 ? a_scores[k][i] : 0.5;
        e.record.success = agent == 0 && a_scores[k][i] == 1;
        e.record.turns = 2 + agent;
        r.episodes.push_back(e);
      }
    }
  }
  const Summary s = summarise(r);
  ASSERT_EQ(s.tasks.size(), 1u);
  const auto& rows = s.tasks[0].rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].agent, 0);  // a ranks first: mean 0.75 > 0.5
  EXPECT_DOUBLE_EQ(rows[0].score.mean, 0.75);
  EXPECT_DOUBLE_EQ(rows[0].success.mean, 0.75);
  // pass^2: index 0 succeeded on both seeds, index 1 on one of two -> (1 + 0) / 2.
  EXPECT_DOUBLE_EQ(rows[0].pass_k.mean, 0.5);
  EXPECT_DOUBLE_EQ(rows[1].pass_k.mean, 0.0);
  EXPECT_DOUBLE_EQ(rows[1].turns.mean, 3.0);
  ASSERT_EQ(s.tasks[0].neighbours.size(), 1u);
  EXPECT_DOUBLE_EQ(s.tasks[0].neighbours[0].diff.mean, 0.25);
  // Overall: per-(task, seed) means of a are 1 and 0.5; fewer than 4 cells, so the IQM is their
  // mean, 0.75; b's are 0.5 and 0.5.
  ASSERT_EQ(s.overall.size(), 2u);
  EXPECT_DOUBLE_EQ(s.overall[0].iqm.mean, 0.75);
  EXPECT_DOUBLE_EQ(s.overall[1].iqm.mean, 0.5);
  // The smallest resolvable difference is never below one episode in K × N = 4.
  ASSERT_TRUE(s.tasks[0].resolvable.has_value());
  EXPECT_GE(*s.tasks[0].resolvable, 0.25);
  // A missing episode is refused with what is missing.
  r.episodes.pop_back();
  try {
    summarise(r);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is missing"), std::string::npos) << e.what();
  }
}

TEST(Leaderboard, ResultsDoNotDependOnJobs) {
  const Registry& reg = tasks::builtin_registry();
  RunConfig c = small_config();
  const RunResult one = run(reg, c);
  c.jobs = 3;
  const RunResult three = run(reg, c);
  ASSERT_EQ(one.episodes.size(), 40u);
  EXPECT_EQ(results_json(one, nullptr), results_json(three, nullptr));
  for (size_t n = 0; n < one.episodes.size(); ++n) {
    EXPECT_EQ(one.episodes[n].trace, three.episodes[n].trace) << "episode " << n;
  }
  // Every agent played the published seeds of each task.
  for (const auto& e : one.episodes) {
    EXPECT_EQ(e.record.seed, 100u + static_cast<uint64_t>(e.replicate * 5 + e.episode));
  }
  const Summary s1 = summarise(one), s3 = summarise(three);
  EXPECT_EQ(s1.to_json(one), s3.to_json(three));
}

TEST(Leaderboard, ShardsMergedEqualOneRun) {
  const Registry& reg = tasks::builtin_registry();
  const test::TempDir tmp("lb_shards");
  RunConfig c = small_config();
  write_outputs(run(reg, c), (tmp.path / "one").string());
  std::vector<RunResult> shards;
  for (int i = 0; i < 3; ++i) {
    RunConfig sc = c;
    sc.shard_index = i;
    sc.shard_count = 3;
    sc.jobs = 2;
    const std::string dir = (tmp.path / ("shard" + std::to_string(i))).string();
    write_outputs(run(reg, sc), dir);
    EXPECT_FALSE(fs::exists(fs::path(dir) / "leaderboard.md")) << "a shard has no tables";
    shards.push_back(read_results(dir));
  }
  std::swap(shards[0], shards[2]);  // any order
  write_outputs(merge(shards), (tmp.path / "merged").string());
  const auto one = files_of(tmp.path / "one"), merged = files_of(tmp.path / "merged");
  ASSERT_EQ(one.size(), merged.size());
  for (const auto& [path, text] : one) {
    ASSERT_TRUE(merged.contains(path)) << path;
    EXPECT_TRUE(merged.at(path) == text) << path << " differs between one run and merged shards";
  }
  // A missing shard, or one given twice, is refused.
  std::vector<RunResult> two = {shards[0], shards[1]};
  EXPECT_THROW(merge(two), Error);
  std::vector<RunResult> dup = {shards[0], shards[0], shards[1]};
  EXPECT_THROW(merge(dup), Error);
  RunResult other = shards[1];
  other.config.episodes = 7;
  std::vector<RunResult> mixed = {shards[0], other, shards[2]};
  EXPECT_THROW(merge(mixed), Error);
}

TEST(Leaderboard, VerifyCatchesATamperedTraceAndScore) {
  const Registry& reg = tasks::builtin_registry();
  const test::TempDir tmp("lb_verify");
  const fs::path dir = tmp.path / "run";
  write_outputs(run(reg, small_config()), dir.string());
  VerifyReport v = verify(dir.string(), reg);
  EXPECT_TRUE(v.ok()) << (v.problems.empty() ? "" : v.problems[0]);
  EXPECT_EQ(v.episodes, 40);
  EXPECT_EQ(v.traces, 4);

  // 1. A user reply edited in a trace.
  const fs::path trace = dir / "traces" / "math_qa-v1" / "random.jsonl";
  const std::string original = test::slurp(trace);
  std::string edited = original;
  const auto pos = edited.find("\"who\":\"user\"");
  ASSERT_NE(pos, std::string::npos);
  const auto text = edited.find("\"text\":\"", pos);
  edited.insert(text + 8, "Sure! ");
  test::write(trace, edited);
  v = verify(dir.string(), reg);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.problems[0].find("math_qa-v1/random.jsonl:"), std::string::npos) << v.problems[0];
  EXPECT_NE(v.problems[0].find("replay differs"), std::string::npos) << v.problems[0];
  test::write(trace, original);
  EXPECT_TRUE(verify(dir.string(), reg).ok());

  // 2. A score edited in results.json (the trace still says otherwise).
  const fs::path results = dir / "results.json";
  const std::string results_text = test::slurp(results);
  json j = json::parse(results_text);
  for (auto& e : j["episodes"]) {
    if (e["agent"] == "random" && e["score"] == 0.0) {
      e["score"] = 1.0;
      e["success"] = true;
      break;
    }
  }
  test::write(results, j.dump(1) + "\n");
  v = verify(dir.string(), reg);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.problems[0].find("score is 1.0 in results.json but 0.0 in the trace"),
            std::string::npos)
      << v.problems[0];
  test::write(results, results_text);

  // 3. A number edited in the table.
  const fs::path md = dir / "leaderboard.md";
  const std::string md_text = test::slurp(md);
  std::string md_edited = md_text;
  const auto row = md_edited.find("| 1 | expert* | ");
  ASSERT_NE(row, std::string::npos) << md_text;
  const auto digit = md_edited.find('.', row + 16) + 3;  // the score's third decimal
  md_edited[digit] = md_edited[digit] == '7' ? '3' : '7';
  test::write(md, md_edited);
  v = verify(dir.string(), reg);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.problems[0].find("leaderboard.md"), std::string::npos) << v.problems[0];
  test::write(md, md_text);
  EXPECT_TRUE(verify(dir.string(), reg).ok());
}

TEST(Leaderboard, BadConfigurationsSayWhatIsWrong) {
  const Registry& reg = tasks::builtin_registry();
  RunConfig c = small_config();
  c.agents = {"random", "random"};
  EXPECT_THROW(run(reg, c), InvalidOption);
  c = small_config();
  c.shard_index = 3;
  c.shard_count = 3;
  try {
    run(reg, c);
    FAIL();
  } catch (const InvalidOption& e) {
    EXPECT_NE(std::string(e.what()).find("shard 3/3"), std::string::npos) << e.what();
  }
  c = small_config();
  c.tasks = {"math_qa", "math_qa-v1"};
  EXPECT_THROW(run(reg, c), InvalidOption);
  c = small_config();
  c.tasks = {"no_such_task"};
  EXPECT_THROW(run(reg, c), UnknownTask);
}

// The page in a real browser: Chromium parses it (--dump-dom) and draws it (--screenshot); the
// parsed page has one chart per task plus the overall one, with results.json's numbers.
TEST(Leaderboard, HtmlPageInHeadlessChromium) {
  const std::string chromium = test::find_program({"chromium", "chromium-browser"});
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (scripts/install-deps.sh adds it)";
  const Registry& reg = tasks::builtin_registry();
  const test::TempDir tmp("lb_html");
  const fs::path dir = tmp.path / "run";
  write_outputs(run(reg, small_config()), dir.string());
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" +
      (tmp.path / "profile").string();
  const std::string url = "file://" + fs::absolute(dir / "leaderboard.html").string();
  const fs::path png = tmp.path / "page.png";
  const test::Result shot = test::run_command(
      chromium + " " + flags + " --window-size=1100,1800 --screenshot=" + png.string() + " " + url);
  ASSERT_TRUE(fs::exists(png)) << shot.out;
  const std::string image = test::slurp(png);
  ASSERT_GT(image.size(), 10000u) << "a drawn page, not a blank one";
  EXPECT_EQ(image.substr(1, 3), "PNG");
  const test::Result dom = test::run_command(chromium + " " + flags + " --dump-dom " + url);
  ASSERT_NE(dom.out.find("</html>"), std::string::npos) << dom.out.substr(0, 2000);

  const json results = json::parse(test::slurp(dir / "results.json"));
  std::map<std::string, std::map<std::string, double>> expected;  // chart -> agent -> mean
  for (const auto& t : results["summary"]["tasks"]) {
    for (const auto& row : t["ranking"]) {
      expected[t["id"]][row["agent"]] = row["score"]["mean"].get<double>();
    }
  }
  for (const auto& row : results["summary"]["overall"]["ranking"]) {
    expected["overall"][row["agent"]] = row["iqm"]["mean"].get<double>();
  }
  // Charts in the parsed DOM, each bar's agent, data-mean and the value it shows.
  const std::regex chart_re("<svg class=\"chart\" data-task=\"([^\"]+)\"");
  const std::regex bar_re(
      "<g class=\"bar\" data-agent=\"([^\"]+)\" data-mean=\"([^\"]+)\"[^>]*>[\\s\\S]*?"
      "<text class=\"value\"[^>]*>([^<]+)</text>");
  std::vector<std::pair<size_t, std::string>> charts;
  for (std::sregex_iterator it(dom.out.begin(), dom.out.end(), chart_re), end; it != end; ++it) {
    charts.emplace_back(static_cast<size_t>(it->position()), (*it)[1]);
  }
  ASSERT_EQ(charts.size(), 3u) << "one chart per task and the overall one";
  size_t bars = 0;
  for (size_t c = 0; c < charts.size(); ++c) {
    const size_t from = charts[c].first;
    const size_t to = c + 1 < charts.size() ? charts[c + 1].first : dom.out.size();
    const std::string part = dom.out.substr(from, to - from);
    const auto& want = expected.at(charts[c].second);
    size_t seen = 0;
    for (std::sregex_iterator it(part.begin(), part.end(), bar_re), end; it != end; ++it, ++seen) {
      const std::string agent = (*it)[1];
      ASSERT_TRUE(want.contains(agent)) << charts[c].second << ": " << agent;
      EXPECT_EQ((*it)[2].str(), fmt::format("{:.3f}", want.at(agent))) << agent;
      EXPECT_EQ((*it)[3].str(), fmt::format("{:.3f}", want.at(agent))) << agent;
    }
    EXPECT_EQ(seen, want.size()) << charts[c].second;
    bars += seen;
  }
  EXPECT_EQ(bars, 6u);
  // Self-contained: nothing fetched from anywhere.
  const std::string page = test::slurp(dir / "leaderboard.html");
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace collab::leaderboard
