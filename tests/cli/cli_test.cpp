// Runs the collabgym executable as a user would: exit codes, --json output, --help.
#include <gtest/gtest.h>

#include <set>
#include <sys/wait.h>

#include <array>
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
                          "episodes", "mean_reward"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["episodes"], 20);
  EXPECT_GT(j["success_rate"].get<double>(), 0.5);
}

TEST(Cli, BadUsageExitsTwoWithAMessage) {
  CliResult r = run("run --task twenty_question --agent expert");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("did you mean twenty_questions-v0"), std::string::npos) << r.out;
  r = run("run --task twenty_questions --agent expret");
  EXPECT_EQ(r.code, 1);
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
       {"", "list", "spec", "play", "run", "replay", "scenarios validate", "serve"}) {
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
  const bool answered = r.out.find("user> Yes.") != std::string::npos ||
                        r.out.find("user> No.") != std::string::npos ||
                        r.out.find("user> Hmm, not sure") != std::string::npos;
  EXPECT_TRUE(answered) << r.out;
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
