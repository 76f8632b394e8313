// Runs the collabgym executable as a user would: exit codes, --json output, --help.
#include <gtest/gtest.h>

#include <set>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct CliResult {
  int code;
  std::string out;
};

CliResult run(const std::string& args) {
  const std::string cmd = "bash -c \"" + std::string(COLLABGYM_BIN) + " " + args + " 2>&1\"";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, ""};
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string temp_path(const std::string& name) {
  return (::testing::TempDir().empty() ? std::string("/tmp/") : ::testing::TempDir()) + name;
}

TEST(Cli, RunJsonHasTheDocumentedFields) {
  const CliResult r =
      run("run --task twenty_questions-v0 --agent expert --episodes 20 --seed 1 "
          "--split test --reward terminal --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"success_rate", "mean_score", "mean_turns", "mean_agent_tokens",
                          "episodes", "mean_reward", "mean_r_star", "mean_mr_per_turn",
                          "mean_user_tokens", "failures"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["episodes"], 20);
  EXPECT_GT(j["success_rate"].get<double>(), 0.5);
}

TEST(Cli, BadUsageExitsTwoWithAMessage) {
  CliResult r = run("run --task twenty_question --agent expert");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("did you mean twenty_questions-v2"), std::string::npos) << r.out;
  r = run("run --task twenty_questions --agent expret");
  EXPECT_EQ(r.code, 2);  // an unknown agent is bad usage, like an unknown task
  EXPECT_NE(r.out.find("did you mean expert"), std::string::npos) << r.out;
  r = run("run --task twenty_questions --agent expert --mr-window 99");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("mr_window"), std::string::npos) << r.out;
  r = run("frobnicate");
  EXPECT_EQ(r.code, 2);
  r = run("run --agent expert");  // --task missing
  EXPECT_EQ(r.code, 2);
}

TEST(Cli, HelpOnEverySubcommand) {
  for (const char* sub :
       {"", "list", "spec", "play", "run", "replay", "scenarios validate", "serve", "leaderboard",
        "leaderboard merge"}) {
    const CliResult r = run(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << ": " << r.out;
  }
}

TEST(Cli, TraceThenReplay) {
  const std::string trace = temp_path("cli_trace.jsonl");
  CliResult r =
      run("run --task twenty_questions --agent random --agent expert --episodes 3 --trace " +
          trace + " --mr-samples 1");
  ASSERT_EQ(r.code, 0) << r.out;
  r = run("replay " + trace);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("6 episodes"), std::string::npos) << r.out;
  r = run("replay /nonexistent/trace.jsonl");
  EXPECT_EQ(r.code, 1);
}

TEST(Cli, ScenariosValidateReportsEveryProblem) {
  CliResult r = run(std::string("scenarios validate ") + COLLAB_SOURCE_DIR +
                    "/scenarios/twenty_questions/common.json");
  EXPECT_EQ(r.code, 0) << r.out;
  const std::string bad = temp_path("bad_scenario.json");
  std::ofstream(bad) << R"({"task": "twenty_questions",
    "attributes": [{"name": "alive", "question": "Is it alive?", "phrases": ["alive"]},
                   {"name": "big", "question": "Is it big?", "phrases": [3]}],
    "objects": [{"name": "dog", "category": "animal", "attributes": {"alive": "yes", "big": "maybe"}},
                {"name": "cat", "category": "animal", "split": "test", "attributes": {"alive": "yes"}}]})";
  r = run("scenarios validate " + bad);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("/attributes/1/phrases/0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/objects/0/attributes/big"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/objects/1/attributes/big: missing"), std::string::npos) << r.out;
  r = run("scenarios validate --json " + bad);
  EXPECT_EQ(r.code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j[0]["ok"], false);
  EXPECT_GE(j[0]["problems"].size(), 3u);
}

TEST(Cli, PlayTakesTypedTurnsAndSummarises) {
  const CliResult r =
      run("play twenty_questions --seed 3 --reward terminal < <(printf 'Is it alive?\\n"
          ":acts\\n:act ask:round\\n:act nonsense\\nIs it a dog?\\n:quit\\n')");
  ASSERT_EQ(r.code, 0) << r.out;
  // The user's first reply answers the question and says what it understood (v2: "Yes — it is
  // alive.", in the persona's words).
  const size_t reply = r.out.find("user> ", r.out.find("user> ") + 1);  // after the opening
  ASSERT_NE(reply, std::string::npos) << r.out;
  const std::string line = r.out.substr(reply, r.out.find('\n', reply) - reply);
  EXPECT_NE(line.find("alive"), std::string::npos) << line;
  EXPECT_NE(r.out.find("guess:dog"), std::string::npos) << "the :acts listing";
  EXPECT_NE(r.out.find("no act named 'nonsense'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--- summary ---"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("turns: 3"), std::string::npos) << r.out;
}

TEST(Cli, ServeRefusesRemoteBindWithoutPermission) {
  const CliResult r = run("serve --bind tcp://0.0.0.0:5999");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--allow-remote"), std::string::npos) << r.out;
}

TEST(Cli, ListAndSpec) {
  CliResult r = run("list --json");
  ASSERT_EQ(r.code, 0) << r.out;
  std::set<std::string> ids;
  for (const auto& e : nlohmann::json::parse(r.out)) ids.insert(e["id"].get<std::string>());
  EXPECT_TRUE(ids.contains("twenty_questions-v0")) << r.out;
  EXPECT_TRUE(ids.contains("guess_number-v0")) << r.out;
  r = run("spec twenty_questions");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto spec = nlohmann::json::parse(r.out);
  EXPECT_EQ(spec["acts"].size(), spec["action_space"]["n"].get<size_t>());
  // Declared options: every one with its default, type and help; the task's own among them.
  for (const char* key : {"split", "noise", "persona", "reward", "mr_window", "max_turns"}) {
    ASSERT_TRUE(spec["options"].contains(key)) << key;
    EXPECT_FALSE(spec["options"][key]["help"].get<std::string>().empty()) << key;
  }
  EXPECT_EQ(spec["options"]["noise"]["max"], 0.5);
  EXPECT_EQ(spec["policies"]["expert"]["privileged"], true);
}

TEST(Cli, TaskOptionsGoThroughDashOAndAreValidatedByTheFramework) {
  CliResult r = run("run -t twenty_questions -a random -n 2 -o noise=0.1 --json");
  EXPECT_EQ(r.code, 0) << r.out;
  r = run("run -t twenty_questions -a random -n 2 -o noise=0.9");
  EXPECT_EQ(r.code, 2) << r.out;  // a bad option is bad usage
  EXPECT_NE(r.out.find("option 'noise' = 0.9"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a number in [0, 0.5], or null"), std::string::npos) << r.out;
  r = run("run -t guess_number -a random -n 2 -o nois=0.1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown option 'nois'"), std::string::npos) << r.out;
  r = run("run -t guess_number -a expert -n 3 --split test --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["privileged"], true);
  EXPECT_EQ(j["ci"]["success"]["n"], 3);
  r = run("run -t guess_number -a expert -a random -n 3");
  EXPECT_NE(r.out.find("expert*"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("privileged baseline"), std::string::npos) << r.out;
}

}  // namespace

namespace {

// The exit-code rule of cli/main.cpp, command by command: 2 for a wrong command line, 1 for a
// well-formed command that failed.
TEST(CliExitCodes, EveryCommandFollowsTheRule) {
  const std::string missing = temp_path("no_such_scenario.json");
  const std::string bad_trace = temp_path("bad_header.jsonl");
  std::ofstream(bad_trace) << R"({"type":"header","format":"collabgym-trace/2","id":5})" << "\n";
  const std::string dir = temp_path("");
  const std::string used_out = temp_path("used_run_dir");
  std::system(("mkdir -p " + used_out + " && touch " + used_out + "/metrics.csv").c_str());
  const struct {
    const char* what;
    std::string args;
    int code;
  } cases[] = {
      {"unknown subcommand", "frobnicate", 2},
      {"unknown flag", "run -t guess_number -a expert --frob", 2},
      {"unknown task", "run -t nope -a expert -n 1", 2},
      {"unknown agent", "run -t guess_number -a exprt -n 1", 2},
      {"unknown agent prefix", "run -t guess_number -a zzz:x -n 1", 2},
      {"unknown option", "run -t guess_number -a expert -n 1 -o nois=1", 2},
      {"bad option value", "run -t twenty_questions -a expert -n 1 -o noise=2", 2},
      {"negative seed", "run -t guess_number -a expert -n 1 --seed -5", 2},
      {"seed past 2^64", "run -t guess_number -a expert -n 1 --seed 99999999999999999999", 2},
      {"zero episodes", "run -t guess_number -a expert -n 0", 2},
      {"nan flag", "run -t guess_number -a expert -n 1 --w-task nan", 2},
      {"spec unknown task", "spec nope", 2},
      {"play unknown task", "play nope < /dev/null", 2},
      {"missing scenario", "run -t guess_number -a expert -n 1 --scenario " + missing, 1},
      {"scenario is a folder", "run -t guess_number -a expert -n 1 --scenario " + dir, 1},
      {"spec missing scenario", "spec guess_number --scenario " + missing, 1},
      {"missing trace", "replay " + missing, 1},
      {"bad trace header", "replay " + bad_trace, 1},
      {"validate missing file", "scenarios validate " + missing, 1},
      {"serve garbage bind", "serve --bind garbage", 2},
      {"missing checkpoint", "run -t guess_number -a ppo:" + missing + " -n 1", 1},
      {"train into a used folder", "train -t guess_number --total-steps 64 --out " + used_out, 2},
  };
  // A build without libtorch has no ppo: agents and no train: those two cases do not apply.
  const bool learners =
      run("run -t guess_number -a ppo:x -n 1").out.find("no loader for 'ppo:'") == std::string::npos;
  for (const auto& c : cases) {
    if (!learners && (c.args.find("ppo:") != std::string::npos || c.args.rfind("train", 0) == 0)) {
      continue;
    }
    const CliResult r = run(c.args);
    EXPECT_EQ(r.code, c.code) << c.what << ": collabgym " << c.args << "\n" << r.out;
    EXPECT_GT(r.out.size(), 20u) << c.what << ": a message says what is wrong: " << r.out;
  }
}

TEST(Cli, ATraceIsNotTouchedWhenTheInputsAreBad) {
  const std::string trace = temp_path("kept_trace.jsonl");
  std::ofstream(trace) << "precious\n";
  EXPECT_EQ(run("run -t nope -a expert -n 1 --trace " + trace).code, 2);
  EXPECT_EQ(run("run -t guess_number -a nobody -n 1 --trace " + trace).code, 2);
  std::ifstream in(trace);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "precious");
  // A good run replaces it whole, and it replays.
  ASSERT_EQ(run("run -t guess_number -a expert -n 2 --trace " + trace).code, 0);
  EXPECT_EQ(run("replay " + trace).code, 0);
}

TEST(Cli, BadMessagesSayWhatIsWrong) {
  CliResult r = run("serve --bind garbage");
  EXPECT_NE(r.out.find("expected an endpoint tcp://HOST:PORT"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("loopback"), std::string::npos) << r.out;
  r = run("run -t guess_number -a expert -n 1 --w-task nan");
  EXPECT_NE(r.out.find("--w-task nan: expected a finite number"), std::string::npos) << r.out;
  r = run("run -t guess_number -a expert -n 1 --seed -5");
  EXPECT_NE(r.out.find("--seed '-5'"), std::string::npos) << r.out;
}

TEST(Cli, TheTaskComesFromTheScenarioWhenNotGiven) {
  const std::string scen = std::string(COLLAB_SOURCE_DIR) + "/scenarios/guess_number/default.json";
  CliResult r = run("run --scenario " + scen + " -a expert -n 3 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["task"], "guess_number-v0");
  // Results carry their setup: seeds, reward, scenario.
  EXPECT_EQ(j["seeds"]["first"], 0);
  EXPECT_EQ(j["seeds"]["count"], 3);
  EXPECT_EQ(j["scenario"]["name"], "default.json");
  EXPECT_EQ(j["scenario"]["hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(j["reward"]["reward"], "mr");
  r = run("spec --task guess_number");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["id"], "guess_number-v0");
  r = run("run -a expert -n 1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--task is required"), std::string::npos) << r.out;
  r = run("run -t guess_number -a expert -a random -n 20");
  EXPECT_NE(r.out.find("scenario default.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Wilson"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[83.9, 100.0]"), std::string::npos) << "Wilson 95% for 20/20\n" << r.out;
}

TEST(Cli, PlayCommandsCostNoTurn) {
  const CliResult r = run(
      "play guess_number --seed 3 --reward terminal < <(printf '\\n:help\\n:acts\\n:frob\\n"
      ":act guess\\n:quit\\n')");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("commands (they cost no turn)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unknown command ':frob'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("turns: 1"), std::string::npos) << "only :act costs a turn\n" << r.out;
}

TEST(Cli, ProgressIsPlainLinesWhenNotATerminal) {
  const CliResult r = run("run -t guess_number -a random -n 50");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("random: 50/50 episodes"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos) << "no carriage returns in a log";
}

// `run` shows R* of the finished conversation and mean MR per turn, never the summed per-turn MR,
// which grows with the conversation's length and so rewards stalling (DESIGN §5).
TEST(Cli, RunReportsRStarAndMrPerTurnNotTheSummedReturn) {
  CliResult r = run("run -t guess_number -a expert -a random -n 20 --reward mr --mr-samples 1");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("R*"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MR/turn"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("return"), std::string::npos) << r.out;
  r = run("run -t guess_number -a expert -n 5 --reward terminal");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("computes none"), std::string::npos) << "no MR under terminal\n" << r.out;
  // The summed reward of a long conversation exceeds its mean MR per turn; R* does not grow with
  // the turn count.
  r = run("run -t guess_number -a random -n 20 --reward mr --mr-samples 1 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["mean_turns"].get<double>(), 2.0);
  EXPECT_GT(j["mean_reward"].get<double>(), 1.5 * j["mean_mr_per_turn"].get<double>());
  EXPECT_LE(j["mean_r_star"].get<double>(), 2.0);  // R* <= w_task + w_itr
}

// --emit-slurm writes the three job files from the run's flags (checked first) and runs nothing;
// its own bad values are usage errors (2). The jobs themselves run on a real Slurm in
// tests/leaderboard/slurm_test.sh.
TEST(CliLeaderboard, EmitSlurmWritesTheJobsFromTheRunsFlags) {
  const std::string dir = temp_path("cli_slurm");
  std::system(("rm -rf " + dir).c_str());
  const std::string common =
      "leaderboard --tasks guess_number --agents expert,random -n 3 --seeds 2 --jobs 2 "
      "-o mr_samples=1 --out " + dir + "/board ";
  CliResult r = run(common + "--emit-slurm " + dir + "/jobs --slurm-shards 5 "
                    "--slurm-sbatch=--partition=cpu");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("submit.sh"), std::string::npos) << r.out;
  EXPECT_FALSE(std::ifstream(dir + "/board/results.json").good()) << "nothing was run";
  std::ifstream in(dir + "/jobs/leaderboard.sbatch");
  const std::string array(std::istreambuf_iterator<char>(in), {});
  for (const char* want : {"#SBATCH --array=0-4\n", "#SBATCH --cpus-per-task=2\n",
                           "#SBATCH --partition=cpu\n", "'--option' 'mr_samples=1'",
                           "'--agents' 'expert,random'", "--shard \"${SLURM_ARRAY_TASK_ID}/5\""}) {
    EXPECT_NE(array.find(want), std::string::npos) << want << "\n" << array;
  }
  std::ifstream min(dir + "/jobs/merge.sbatch");
  const std::string merge(std::istreambuf_iterator<char>(min), {});
  EXPECT_NE(merge.find("/jobs/shards/4' --out '"), std::string::npos) << merge;
  const struct {
    const char* what;
    std::string args;
  } cases[] = {
      {"no shards", common + "--emit-slurm " + dir + "/j1 --slurm-shards 0"},
      {"with --shard", common + "--emit-slurm " + dir + "/j2 --shard 0/2"},
      {"not an sbatch option", common + "--emit-slurm " + dir + "/j3 --slurm-sbatch=partition"},
      {"job folder in use", common + "--emit-slurm " + dir + "/jobs"},
      {"unknown task", "leaderboard --tasks nope --agents expert --out " + dir +
                           "/b --emit-slurm " + dir + "/j4"},
  };
  for (const auto& c : cases) {
    r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.what << "\n" << r.out;
  }
}

// train --emit-slurm writes the sweep's jobs from train's own flags (checked first) and trains
// nothing; its bad values are usage errors. The jobs run on a real Slurm in
// tests/slurm/slurm_test.sh.
TEST(CliTrain, EmitSlurmWritesTheSweepFromTheTrainFlags) {
  const std::string dir = temp_path("cli_sweep");
  std::system(("rm -rf " + dir).c_str());
  const std::string common = "train -t guess_number --reward mr_delta --total-steps 5000 "
                             "--threads 2 --ppo '{\\\"hidden\\\": 32}' --out " + dir + "/runs ";
  CliResult r = run(common + "--emit-slurm " + dir + "/jobs --slurm-seeds 4-6 --eval-episodes 7 "
                    "--slurm-sbatch=--partition=cpu");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_FALSE(std::ifstream(dir + "/runs/seed-4/checkpoint.json").good()) << "nothing trained";
  std::ifstream in(dir + "/jobs/train.sbatch");
  const std::string array(std::istreambuf_iterator<char>(in), {});
  for (const char* want : {"#SBATCH --array=0-2\n", "#SBATCH --cpus-per-task=2\n",
                           "#SBATCH --partition=cpu\n", "seeds=(4 5 6)\n", "'--reward' 'mr_delta'",
                           "'--ppo' '{\"hidden\": 32}'", "'--total-steps' '5000'",
                           "'--split' 'test' '--reward' 'terminal' '--episodes' '7'"}) {
    EXPECT_NE(array.find(want), std::string::npos) << want << "\n" << array;
  }
  std::ifstream sin(dir + "/jobs/summary.sbatch");
  const std::string summary(std::istreambuf_iterator<char>(sin), {});
  EXPECT_NE(summary.find("/runs/seed-6' > summary.txt.tmp"), std::string::npos) << summary;
  const struct {
    const char* what;
    std::string args;
  } cases[] = {
      {"no seeds", common + "--emit-slurm " + dir + "/j1"},
      {"a seed twice", common + "--emit-slurm " + dir + "/j2 --slurm-seeds 1,2,1"},
      {"a backwards range", common + "--emit-slurm " + dir + "/j3 --slurm-seeds 5-2"},
      {"not a seed", common + "--emit-slurm " + dir + "/j4 --slurm-seeds 1,x"},
      {"no eval episodes", common + "--emit-slurm " + dir + "/j5 --slurm-seeds 1 --eval-episodes 0"},
      {"job folder in use", common + "--emit-slurm " + dir + "/jobs --slurm-seeds 1"},
      {"an unknown option", "train -t guess_number -o nope=1 --out " + dir + "/r2 --emit-slurm " +
                                dir + "/j6 --slurm-seeds 1"},
      {"seeds without --emit-slurm", "train -t guess_number --out " + dir + "/r3 --slurm-seeds 1"},
      {"no --out", "train -t guess_number"},
  };
  for (const auto& c : cases) {
    r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.what << "\n" << r.out;
  }
}

// `train summary` over sidecars and eval.json files written here: the spread is computed from
// the values written, and folders that are not one sweep are refused by name.
TEST(CliTrain, SummaryTabulatesOneSweepAndRefusesMixtures) {
  const std::string dir = temp_path("cli_summary");
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  auto write = [](const std::string& path, const nlohmann::json& j) {
    std::system(("mkdir -p $(dirname " + path + ")").c_str());
    std::ofstream(path) << j.dump();
  };
  const double success[] = {0.5, 0.75, 1.0};
  for (int i = 0; i < 3; ++i) {
    const std::string d = dir + "/seed-" + std::to_string(i);
    write(d + "/checkpoint.json",
          {{"format", "collabgym-checkpoint"}, {"seed", 10 - i}, {"task", {{"id", "x-v0"}}},
           {"env_options", {{"reward", "mr"}}}, {"steps", 100}, {"final_success", 0.9},
           {"final_return", 1.0}, {"seconds", 2.0 + i}});
    write(d + "/eval.json", {{"episodes", 4}, {"success_rate", success[i]}, {"mean_score", 0.5},
                             {"score_stderr", 0.1}, {"mean_turns", 3.0 + i}});
  }
  CliResult r = run("train summary " + dir + "/seed-0 " + dir + "/seed-1 " + dir + "/seed-2 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["seeds"].size(), 3u);
  EXPECT_EQ(j["seeds"][0]["seed"], 8) << "sorted by seed";
  const auto& over = j["over_seeds"]["eval_success_rate"];
  double mean = 0, ss = 0;
  for (double s : success) mean += s / 3;
  for (double s : success) ss += (s - mean) * (s - mean);
  EXPECT_DOUBLE_EQ(over["mean"].get<double>(), mean);
  EXPECT_NEAR(over["sd"].get<double>(), std::sqrt(ss / 2), 1e-12);
  EXPECT_EQ(over["min"], 0.5);
  EXPECT_EQ(j["over_seeds"]["train_seconds"]["max"], 4.0);
  r = run("train summary " + dir + "/seed-0 " + dir + "/seed-1");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("mean"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("62.5%"), std::string::npos) << "mean of 50% and 75%\n" << r.out;

  write(dir + "/other/checkpoint.json",
        {{"format", "collabgym-checkpoint"}, {"seed", 1}, {"task", {{"id", "x-v0"}}},
         {"env_options", {{"reward", "terminal"}}}, {"steps", 100}, {"final_success", 0.9},
         {"final_return", 1.0}});
  r = run("train summary " + dir + "/seed-0 " + dir + "/other");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("\"env_options\" differ"), std::string::npos) << r.out;
  r = run("train summary " + dir + "/seed-0 " + dir + "/seed-0");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("twice"), std::string::npos) << r.out;
  std::system(("rm " + dir + "/seed-2/eval.json").c_str());
  r = run("train summary " + dir + "/seed-0 " + dir + "/seed-2");
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("evaluate every seed or none"), std::string::npos) << r.out;
  r = run("train summary " + dir + "/nowhere");
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("nowhere/checkpoint.json: cannot read"), std::string::npos) << r.out;
}

TEST(CliLeaderboard, RunVerifyAndExitCodes) {
  const std::string out = temp_path("cli_lb");
  std::system(("rm -rf " + out + " " + out + "-x " + out + "-y").c_str());
  const std::string common =
      "leaderboard --tasks guess_number,math_qa --agents expert,random -n 4 --seeds 2 "
      "--reward terminal --resamples 200 ";
  CliResult r = run(common + "--out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("guess_number-v0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pass^2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("overall"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("file://"), std::string::npos) << "says where the page is\n" << r.out;
  EXPECT_NE(r.out.find("leaderboard: 32/32 episodes"), std::string::npos) << r.out;
  for (const char* f : {"leaderboard.md", "leaderboard.html", "results.csv", "results.json",
                        "traces/math_qa-v1/random.jsonl"}) {
    EXPECT_TRUE(std::ifstream(out + "/" + f).good()) << f;
  }
  const auto results = nlohmann::json::parse(std::ifstream(out + "/results.json"));
  EXPECT_EQ(results["tasks"][1]["seeds"].size(), 8u) << "published seeds: 2 seeds x 4 episodes";
  EXPECT_EQ(results["config"]["agents"][0], "expert");
  EXPECT_FALSE(results["collabgym"]["git"].get<std::string>().empty());
  r = run("leaderboard --verify " + out);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("match the traces"), std::string::npos) << r.out;
  // A tampered score: verify fails (1) and says which.
  std::string csv;
  {
    std::ifstream in(out + "/results.csv");
    csv.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(out + "/results.csv") << csv + "math_qa-v1,1,random,0,8,0,0.99\n";
  r = run("leaderboard --verify " + out);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("PROBLEM results.csv"), std::string::npos) << r.out;

  const struct {
    const char* what;
    std::string args;
    int code;
  } cases[] = {
      {"output folder in use", common + "--out " + out, 2},
      {"bad shard", common + "--shard 2/2 --out " + out + "-x", 2},
      {"shard not a fraction", common + "--shard half --out " + out + "-x", 2},
      {"unknown agent", "leaderboard --tasks guess_number --agents expret --out " + out + "-x", 2},
      {"unknown task", "leaderboard --tasks nope --agents expert --out " + out + "-x", 2},
      {"no agents", "leaderboard --tasks guess_number --out " + out + "-x", 2},
      {"no output folder", "leaderboard --tasks guess_number --agents expert", 2},
      {"zero episodes", common + "-n 0 --out " + out + "-x", 2},
      {"bad remote endpoint", "leaderboard --tasks guess_number --agents remote:nowhere --out " +
                                  out + "-x", 2},
      {"verify a folder without results", "leaderboard --verify " + temp_path("no_such_lb"), 1},
      {"merge a missing folder", "leaderboard merge " + temp_path("no_such_lb") + " --out " + out +
                                     "-y", 1},
      {"merge a complete run (shard 0/1)", "leaderboard merge " + out + " --out " + out + "-y --force", 0},
  };
  for (const auto& c : cases) {
    const CliResult cr = run(c.args);
    EXPECT_EQ(cr.code, c.code) << c.what << ": collabgym " << c.args << "\n" << cr.out;
    EXPECT_GT(cr.out.size(), 20u) << c.what << ": " << cr.out;
  }
}

TEST(CliLeaderboard, ShardsThenMergeGiveOneRunsReport) {
  const std::string base = temp_path("cli_lb_shards");
  std::system(("rm -rf " + base + " && mkdir -p " + base).c_str());
  const std::string common =
      "leaderboard --tasks guess_number --agents expert,random,passive -n 3 --seeds 2 "
      "--reward terminal --resamples 200 ";
  ASSERT_EQ(run(common + "-j 2 --out " + base + "/one").code, 0);
  for (int i = 0; i < 2; ++i) {
    const CliResult r =
        run(common + "--shard " + std::to_string(i) + "/2 --out " + base + "/s" + std::to_string(i));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("leaderboard merge"), std::string::npos) << r.out;
  }
  CliResult r = run("leaderboard merge " + base + "/s1 --out " + base + "/bad");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("shard 0/2 is missing"), std::string::npos) << r.out;
  r = run("leaderboard merge " + base + "/s1 " + base + "/s0 --out " + base + "/merged");
  ASSERT_EQ(r.code, 0) << r.out;
  const CliResult d = [&] {
    FILE* p = popen(("diff -r " + base + "/one " + base + "/merged && echo SAME").c_str(), "r");
    std::string o;
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) o.append(buf.data(), n);
    return CliResult{pclose(p), o};
  }();
  EXPECT_NE(d.out.find("SAME"), std::string::npos) << d.out;
  EXPECT_EQ(run("leaderboard --verify " + base + "/merged").code, 0);
}

TEST(CliLeaderboard, HelpExplainsEveryFlag) {
  const CliResult r = run("leaderboard --help");
  ASSERT_EQ(r.code, 0);
  for (const char* flag : {"--tasks", "--agents", "--episodes", "--seeds", "--seed", "--split",
                           "--reward", "--option", "--jobs", "--shard", "--out", "--force",
                           "--verify", "--level", "--resamples", "--json", "merge",
                           "remote:ENDPOINT"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
