// Traces (env/trace.h): every bad line is a TraceError naming file:line; scenarios are found by
// content wherever they moved; the agent is recorded as metadata. Also parse_json_limited.
#include "env/trace.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "env/error.h"
#include "env/scenario.h"
#include "tasks/register_all.h"

namespace collab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const Registry& reg() { return tasks::builtin_registry(); }

// A fresh folder per test (tasks are cached by path, so paths must not repeat across tests).
struct TempDir {
  fs::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::temp_directory_path() /
           fmt::format("collab_trace_{}_{}_{}", getpid(), info->test_suite_name(), info->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}
void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Two episodes of guess_number played by `agent`, as a trace.
std::string record(const json& options = json::object(), const std::string& agent = "random") {
  json o = options;
  o["reward"] = "terminal";
  Env env = reg().make("guess_number", o);
  auto a = agents::make_agent(agent);
  std::ostringstream out;
  TraceWriter trace(out);
  agents::play_episode(env, *a, 7, json::object(), &trace);
  agents::play_episode(env, *a, 8, json::object(), &trace);
  return out.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}
std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

ReplayReport replay_text(const std::string& text, const std::string& name = "t.jsonl",
                         const std::optional<std::string>& dir = std::nullopt) {
  std::istringstream in(text);
  return replay_trace(in, name, reg(), dir);
}

// The TraceError message replaying `text` gives; fails the test if it replays or throws
// anything else.
std::string replay_error(const std::string& text, const std::string& name = "t.jsonl") {
  try {
    replay_text(text, name);
  } catch (const TraceError& e) {
    return e.what();
  }
  ADD_FAILURE() << "replayed without a TraceError:\n" << text.substr(0, 300);
  return "";
}

TEST(Trace, RecordsReplayAndNameTheAgent) {
  const std::string trace = record();
  const json header = json::parse(split_lines(trace)[0]);
  EXPECT_EQ(header["format"], kTraceFormat);
  EXPECT_EQ(header["agent"], "random");
  EXPECT_EQ(header["scenario"]["task"], "guess_number");
  EXPECT_EQ(header["scenario"]["name"], "default.json");
  const ReplayReport report = replay_text(trace);
  EXPECT_EQ(report.episodes, 2);
  EXPECT_GT(report.steps, 2);
  EXPECT_EQ(report.agents, std::vector<std::string>{"random"});
  ASSERT_EQ(report.scenarios.size(), 1u);
  EXPECT_EQ(scenario_file_hash(report.scenarios[0]), header["scenario"]["hash"]);
}

TEST(Trace, TheAgentIsMetadataNotCompared) {
  auto lines = split_lines(record());
  json h = json::parse(lines[0]);
  h["agent"] = "expert";
  lines[0] = h.dump();
  EXPECT_EQ(replay_text(join_lines(lines)).agents, (std::vector<std::string>{"expert", "random"}));
  h["agent"] = 5;
  lines[0] = h.dump();
  const std::string e = replay_error(join_lines(lines));
  EXPECT_NE(e.find("t.jsonl:1: header \"agent\" is a number 5"), std::string::npos) << e;
}

TEST(Trace, OlderHeadersWithoutAgentTaskOrNameStillReplay) {
  auto lines = split_lines(record());
  json h = json::parse(lines[0]);
  h.erase("agent");
  h["scenario"].erase("task");
  h["scenario"].erase("name");  // taken from the file name of "path"
  lines[0] = h.dump();
  EXPECT_EQ(replay_text(join_lines(lines)).episodes, 2);
}

// One kind of damage to a valid trace: the line it hits, and what the message must say.
struct Damage {
  const char* label;
  std::function<void(std::vector<std::string>&)> apply;
  int line;
  std::string says;
};

void edit_header(std::vector<std::string>& lines, const std::function<void(json&)>& f) {
  json h = json::parse(lines[0]);
  f(h);
  lines[0] = h.dump();
}
// Index of the first agent line.
size_t first_agent(const std::vector<std::string>& lines) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("\"who\":\"agent\"") != std::string::npos) return i;
  }
  ADD_FAILURE() << "no agent line";
  return 0;
}
void edit_agent(std::vector<std::string>& lines, const std::function<void(json&)>& f) {
  const size_t i = first_agent(lines);
  json a = json::parse(lines[i]);
  f(a);
  lines[i] = a.dump();
}

TEST(Trace, EveryBadLineIsATraceErrorNamingItsLine) {
  const auto valid = split_lines(record());
  const int agent_line = static_cast<int>(first_agent(valid)) + 1;
  const std::vector<Damage> damages = {
      {"array", [](auto& l) { l[0] = std::string("[]"); }, 1,
       "line is an array []; expected a JSON object"},
      {"number", [](auto& l) { l[0] = std::string("5"); }, 1,
       "line is a number 5; expected a JSON object"},
      {"string", [](auto& l) { l[0] = std::string("\"x\""); }, 1, "expected a JSON object"},
      {"null", [](auto& l) { l[0] = std::string("null"); }, 1,
       "line is null; expected a JSON object"},
      {"no type", [](auto& l) { l[0] = std::string("{}"); }, 1, "\"type\" is missing"},
      {"type not a string", [](auto& l) { l[0] = std::string(R"({"type":[1]})"); }, 1,
       "\"type\" is an array [1]; expected \"header\", \"turn\" or \"end\""},
      {"turn first", [](auto& l) { l[0] = l[1]; }, 1,
       "a user turn line where an episode starts; expected a header"},
      {"seed a string", [](auto& l) { edit_header(l, [](json& h) { h["seed"] = "7"; }); }, 1,
       "header \"seed\" is a string \"7\"; expected an unsigned integer"},
      {"seed negative", [](auto& l) { edit_header(l, [](json& h) { h["seed"] = -7; }); }, 1,
       "expected an unsigned integer"},
      {"no seed", [](auto& l) { edit_header(l, [](json& h) { h.erase("seed"); }); }, 1,
       "header \"seed\" is missing"},
      {"id a number", [](auto& l) { edit_header(l, [](json& h) { h["id"] = 5; }); }, 1,
       "header \"id\" is a number 5; expected an environment id"},
      {"unknown id", [](auto& l) { edit_header(l, [](json& h) { h["id"] = "guess_numbr-v0"; }); },
       1, "did you mean"},
      {"no format", [](auto& l) { edit_header(l, [](json& h) { h.erase("format"); }); }, 1,
       "header \"format\" is missing; expected \"collabgym-trace/2\""},
      {"options an array", [](auto& l) { edit_header(l, [](json& h) {
                                           h["options"] = json::array({1, 2});
                                         }); },
       1, "header \"options\" is an array [1,2]; expected an object"},
      {"reset_options a string",
       [](auto& l) { edit_header(l, [](json& h) { h["reset_options"] = "x"; }); }, 1,
       "header \"reset_options\" is a string"},
      {"bad option value",
       [](auto& l) { edit_header(l, [](json& h) { h["options"]["max_turns"] = "many"; }); }, 1,
       "cannot make guess_number-v0 from this header"},
      {"bad reset option",
       [](auto& l) { edit_header(l, [](json& h) { h["reset_options"]["split"] = 5; }); }, 1,
       "cannot reset guess_number-v0"},
      {"options.scenario a number",
       [](auto& l) { edit_header(l, [](json& h) { h["options"]["scenario"] = 5; }); }, 1,
       "header options \"scenario\" is a number 5; expected a path or null"},
      {"no scenario", [](auto& l) { edit_header(l, [](json& h) { h.erase("scenario"); }); }, 1,
       "header \"scenario\" is missing; expected an object {\"name\":…,\"hash\":…}"},
      {"scenario a string",
       [](auto& l) { edit_header(l, [](json& h) { h["scenario"] = "default.json"; }); }, 1,
       "header \"scenario\" is a string"},
      {"hash a number",
       [](auto& l) { edit_header(l, [](json& h) { h["scenario"]["hash"] = 12; }); }, 1,
       "header scenario \"hash\" is a number 12"},
      {"name with folders",
       [](auto& l) { edit_header(l, [](json& h) { h["scenario"]["name"] = "../x.json"; }); }, 1,
       "expected a file name such as \"common.json\" (no folders)"},
      {"task mismatch",
       [](auto& l) { edit_header(l, [](json& h) { h["scenario"]["task"] = "twenty_questions"; }); },
       1, "but \"id\" guess_number-v0 is a guess_number environment"},
      {"version changed", [](auto& l) { edit_header(l, [](json& h) { h["version"] = 9; }); }, 1,
       "replay differs"},
      {"deep nesting", [](auto& l) { l[0] = std::string(100000, '['); }, 1,
       "nested deeper than 64 arrays/objects"},
      {"deep nesting inside a header",
       [](auto& l) {
         edit_header(l, [](json& h) {
           json deep = 1;
           for (int i = 0; i < 70; ++i) deep = json::array({deep});
           h["options"]["x"] = deep;
         });
       },
       1, "nested deeper than 64"},
      {"truncated line", [](auto& l) { l[0] = l[0].substr(0, l[0].size() / 2); }, 1,
       "not a JSON line: parse error"},
      {"binary garbage", [](auto& l) { l[0] = std::string("\x00\xff\xfe\x01garbage", 11); }, 1,
       "not a JSON line"},
      {"invalid UTF-8 in a string",
       [](auto& l) { l[0] = std::string("{\"type\":\"header\",\"id\":\"\xff\"}"); }, 1,
       "not a JSON line"},
      {"opening missing", [](auto& l) { l.resize(1); }, 1, "expected the opening"},
      {"agent line an array", [](auto& l) { l[first_agent(l)] = std::string("[1,2]"); }, agent_line,
       "line is an array [1,2]"},
      {"who unknown", [](auto& l) { edit_agent(l, [](json& a) { a["who"] = "robot"; }); },
       agent_line, "turn line's \"who\" is a string \"robot\"; expected \"user\" or \"agent\""},
      {"mode a number", [](auto& l) { edit_agent(l, [](json& a) { a["mode"] = 1; }); }, agent_line,
       "agent line \"mode\" is a number 1; expected \"act\", \"text\" or \"both\""},
      {"act_index a string", [](auto& l) { edit_agent(l, [](json& a) { a["act_index"] = "3"; }); },
       agent_line, "\"act_index\" is a string \"3\"; expected an act index"},
      {"act_index huge",
       [](auto& l) { edit_agent(l, [](json& a) { a["act_index"] = 1ULL << 40; }); }, agent_line,
       "out of range"},
      {"act_index not an act",
       [](auto& l) { edit_agent(l, [](json& a) { a["act_index"] = 1000; }); }, agent_line,
       "replaying this action failed"},
      {"text missing in text mode",
       [](auto& l) {
         edit_agent(l, [](json& a) {
           a["mode"] = "text";
           a.erase("text");
         });
       },
       agent_line, "agent line (text mode) \"text\" is missing; expected a string"},
      {"ends after an agent line", [&](auto& l) { l.resize(static_cast<size_t>(agent_line)); },
       agent_line, "trace ends after an agent turn; expected the user's reply"},
      {"end line mid-episode",
       [&](auto& l) { l.insert(l.begin() + agent_line - 1, R"({"type":"end","turns":0})"); },
       agent_line, "an end line while the episode is still running"},
  };
  for (const auto& d : damages) {
    SCOPED_TRACE(d.label);
    auto lines = valid;
    d.apply(lines);
    const std::string e = replay_error(join_lines(lines));
    EXPECT_EQ(e.rfind(fmt::format("t.jsonl:{}: ", d.line), 0), 0u) << e;
    EXPECT_NE(e.find(d.says), std::string::npos) << e;
  }
}

TEST(Trace, AnEmptyTraceIsATraceError) {
  for (const std::string text : {"", "\n", "  \n\t\n"}) {
    const std::string e = replay_error(text);
    EXPECT_NE(e.find("empty trace; expected a header line"), std::string::npos) << e;
    EXPECT_EQ(e.rfind("t.jsonl:", 0), 0u) << e;
  }
}

TEST(Trace, ErrorMessagesAreAsciiEvenForBinaryInput) {
  const std::string e = replay_error(std::string("{\"type\": \xff\xfe}\n"));
  for (const char c : e) {
    EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << static_cast<int>(c) << " in " << e;
  }
}

// A scenario copy whose bytes differ from every shipped file (so no fallback can match it).
std::string make_custom_scenario(const std::string& path, const std::string& tag) {
  write(path, read(reg().default_scenario_path("guess_number")) + "\n" + tag + "\n");
  return *scenario_file_hash(path);
}

TEST(Trace, ReplaysAfterTheScenarioMovesNextToTheTrace) {
  TempDir tmp;
  fs::create_directories(tmp.path / "record");
  fs::create_directories(tmp.path / "shared");
  const std::string original = tmp / "record/custom.json";
  make_custom_scenario(original, " ");
  const std::string trace = record({{"scenario", original}});
  const std::string trace_path = tmp / "shared/trace.jsonl";
  write(trace_path, trace);
  EXPECT_EQ(replay_text(trace, trace_path).scenarios, std::vector<std::string>{original});

  fs::rename(original, tmp / "shared/custom.json");
  const ReplayReport moved = replay_text(trace, trace_path);  // the folder comes from the name
  EXPECT_EQ(moved.episodes, 2);
  ASSERT_EQ(moved.scenarios.size(), 1u);
  EXPECT_TRUE(fs::equivalent(moved.scenarios[0], tmp / "shared/custom.json"));

  // A stream whose name is no path: the folder is given.
  EXPECT_EQ(replay_text(trace, "stdin", tmp.path.string() + "/shared").episodes, 2);
}

TEST(Trace, ReplaysWithTheDefaultScenarioWhenTheCopyIsGone) {
  TempDir tmp;
  const std::string copy = tmp / "mine.json";
  fs::copy_file(reg().default_scenario_path("guess_number"), copy);
  const std::string trace = record({{"scenario", copy}});
  fs::remove(copy);
  const ReplayReport report = replay_text(trace, tmp / "trace.jsonl");
  EXPECT_EQ(report.episodes, 2);
  ASSERT_EQ(report.scenarios.size(), 1u);
  EXPECT_TRUE(fs::equivalent(report.scenarios[0], reg().default_scenario_path("guess_number")));
}

TEST(Trace, AChangedScenarioIsRefusedNamingHashAndPlacesSearched) {
  TempDir tmp;
  const std::string path = tmp / "custom.json";
  const std::string hash = make_custom_scenario(path, " ");
  const std::string trace = record({{"scenario", path}});
  make_custom_scenario(path, "  ");  // edited after recording
  const std::string trace_path = tmp / "trace.jsonl";
  const std::string e = replay_error(trace, trace_path);
  EXPECT_EQ(e.rfind(trace_path + ":1: scenario \"custom.json\" of guess_number with hash " + hash +
                        " not found; searched: " + path + " (hash ",
                    0),
            0u)
      << e;
  EXPECT_NE(e.find(scenario_dir() + "/guess_number/custom.json (no such file)"), std::string::npos)
      << e;
  EXPECT_NE(
      e.find(reg().default_scenario_path("guess_number") + " (the task's default scenario, hash "),
      std::string::npos)
      << e;
}

TEST(Trace, ASecondEpisodeWithAMissingScenarioNamesItsOwnLine) {
  TempDir tmp;
  const std::string path = tmp / "custom.json";
  make_custom_scenario(path, " ");
  const std::string with_custom = record({{"scenario", path}});
  fs::remove(path);
  const std::string trace = record() + with_custom;
  const auto line = split_lines(record()).size() + 1;
  const std::string e = replay_error(trace);
  EXPECT_EQ(e.rfind(fmt::format("t.jsonl:{}: scenario \"custom.json\"", line), 0), 0u) << e;
}

TEST(ParseJsonLimited, RefusesDeepNestingOnlyOutsideStrings) {
  const auto nested = [](int depth) {
    return std::string(static_cast<size_t>(depth), '[') +
           std::string(static_cast<size_t>(depth), ']');
  };
  EXPECT_TRUE(parse_json_limited(nested(kMaxJsonDepth)).ok());
  const JsonParse deep = parse_json_limited(nested(kMaxJsonDepth + 1));
  EXPECT_FALSE(deep.ok());
  EXPECT_NE(deep.error.find("nested deeper than 64"), std::string::npos) << deep.error;
  EXPECT_FALSE(parse_json_limited(std::string(1000000, '{')).ok());
  // Brackets in strings, and escaped quotes inside them, do not count.
  const std::string in_string =
      "{\"a\": \"" + std::string(200, '[') + "\\\"" + std::string(200, '{') + "\", \"b\": [[1]]}";
  const JsonParse s = parse_json_limited(in_string);
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(s.value["b"][0][0], 1);
  EXPECT_TRUE(parse_json_limited("[[1]]", 2).ok());
  EXPECT_FALSE(parse_json_limited("[[1]]", 1).ok());
}

TEST(ParseJsonLimited, ReportsSyntaxErrorsWithoutThrowing) {
  for (const char* bad : {"", "{", "[1,", "{\"a\" 1}", "nul", "1e99999", "\"\xff\""}) {
    const JsonParse r = parse_json_limited(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error.find("[json.exception"), std::string::npos) << r.error;
  }
}

TEST(ParseJsonLimited, GuardsScenarioFilesToo) {
  TempDir tmp;
  const std::string path = tmp / "deep.json";
  write(path, std::string(100000, '[') + std::string(100000, ']'));
  try {
    load_scenario_file(path);
    FAIL() << "a deeply nested scenario loaded";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": not valid JSON: nested deeper than 64"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(scenario_file_hash(tmp / "missing.json"), std::nullopt);
  EXPECT_EQ(scenario_file_hash(tmp.path.string()), std::nullopt);  // a folder
}

}  // namespace
}  // namespace collab
