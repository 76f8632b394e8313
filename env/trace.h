// Episode traces as JSON Lines, and exact replay.
//
// An episode is a header line followed by one line per message:
//   {"type":"header","format":"collabgym-trace/2","id":…,"version":N,"seed":…,"agent":…,
//    "options":{…},"reset_options":{…},"scenario":{"task":…,"name":…,"hash":…,"path":…}}
//   {"type":"turn","turn":0,"who":"user","text":"<opening>"}
//   {"type":"turn","turn":1,"who":"agent","mode":"act|text|both","text":…,"act":…,"act_index":…,
//    "content":null|{"body":…,"number":…}}   (what the act carried: a draft, a number)
//   {"type":"turn","turn":1,"who":"user","text":…,"reward":…,"terminated":…,"truncated":…,
//    "event":…,"info":{…}}
//   … and, when the episode ends, {"type":"end","turns":…,"score":…,"success":…,"agent_tokens":…}
// A file may hold many episodes back to back. Replay re-makes each environment from its header,
// re-sends the agent's actions and requires every produced line to equal the recorded one.
//
// Header fields: "agent" (optional) names who played; it is metadata, never compared.
// "scenario" identifies the scenario file by content: "hash" (ScenarioFile::hash), "name" (its file
// name, e.g. "common.json"), "task" (the task's name) and "path" (where it was when recorded).
// Replay looks for a file with that hash at the recorded path, then <trace folder>/<name>, then
// scenario_dir()/<task>/<name>, then the task's default scenario (Registry::find_scenario), and
// makes the environment with options.scenario set to the file found; no such file is a TraceError
// naming the name, the hash and every place searched. The header is then compared with the
// replayed one modulo where the scenario lives: without "agent", without "scenario" (its hash was
// checked) and without options.scenario (a path). So a trace replays wherever its scenario's
// content is found, and "options" stays exactly as the run was given it.
//
// Format history: /1 (contract v1) had no "content"; /2 records it, and info carries it too.
// Optional fields added within /2 (older /2 traces still replay): "agent", scenario "task" and
// "name" (a header without "name" takes the file name of its "path").
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/env.h"
#include "env/registry.h"

namespace collab {

inline constexpr const char* kTraceFormat = "collabgym-trace/2";

class TraceWriter {
 public:
  explicit TraceWriter(std::ostream& out) : out_(out) {}
  // Call right after env.reset(); writes the header and the opening. `agent` (optional) names who
  // plays (Agent::name()); it is recorded as metadata.
  void begin(const Env& env, const ResetResult& reset, const nlohmann::json& reset_options = {},
             std::string_view agent = {});
  // Call after each env.step(action); writes the agent and user lines (and "end" when done).
  void step(const Env& env, const Action& action, const StepResult& result);

  static nlohmann::json header(const Env& env, const ResetResult& reset,
                               const nlohmann::json& reset_options, std::string_view agent = {});
  static nlohmann::json agent_line(const Env& env, const Action& action, const StepResult& result);
  static nlohmann::json user_line(const Env& env, const StepResult& result);
  static nlohmann::json end_line(const Env& env);

 private:
  void write(const nlohmann::json& line);
  std::ostream& out_;
};

struct ReplayReport {
  int episodes = 0;
  int steps = 0;
  std::vector<std::string> agents;     // distinct header "agent" values, in order of appearance
  std::vector<std::string> scenarios;  // distinct scenario files the episodes replayed with
};

// Replays every episode in `in`, called `name` in messages (normally the trace's path). Scenarios
// are looked for in `trace_dir` too (default: the folder of `name`). Any line that is not a valid
// record (bad JSON, nesting deeper than kMaxJsonDepth, wrong or missing fields), a scenario not
// found, an environment that cannot be made from the header, and the first difference all throw
// TraceError("<name>:<line>: <what is wrong; what was expected>").
ReplayReport replay_trace(std::istream& in, const std::string& name, const Registry& registry,
                          const std::optional<std::string>& trace_dir = std::nullopt);

}  // namespace collab
