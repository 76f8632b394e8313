// Episode traces as JSON Lines, and exact replay.
//
// An episode is a header line followed by one line per message:
//   {"type":"header","format":"collabgym-trace/2","id":…,"version":N,"seed":…,"options":{…},
//    "reset_options":{…},"scenario":{"path":…,"hash":…}}
//   {"type":"turn","turn":0,"who":"user","text":"<opening>"}
//   {"type":"turn","turn":1,"who":"agent","mode":"act|text|both","text":…,"act":…,"act_index":…,
//    "content":null|{"body":…,"number":…}}   (what the act carried: a draft, a number)
//   {"type":"turn","turn":1,"who":"user","text":…,"reward":…,"terminated":…,"truncated":…,
//    "event":…,"info":{…}}
//   … and, when the episode ends, {"type":"end","turns":…,"score":…,"success":…,"agent_tokens":…}
// A file may hold many episodes back to back. Replay re-makes each environment from its header,
// re-sends the agent's actions and requires every produced line to equal the recorded one.
// Format history: /1 (contract v1) had no "content"; /2 records it, and info carries it too.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "env/env.h"
#include "env/registry.h"

namespace collab {

inline constexpr const char* kTraceFormat = "collabgym-trace/2";

class TraceWriter {
 public:
  explicit TraceWriter(std::ostream& out) : out_(out) {}
  // Call right after env.reset(); writes the header and the opening.
  void begin(const Env& env, const ResetResult& reset, const nlohmann::json& reset_options = {});
  // Call after each env.step(action); writes the agent and user lines (and "end" when done).
  void step(const Env& env, const Action& action, const StepResult& result);

  static nlohmann::json header(const Env& env, const ResetResult& reset,
                               const nlohmann::json& reset_options);
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
};

// Replays every episode in `in`; throws TraceError("<name>:<line>: …") at the first difference.
ReplayReport replay_trace(std::istream& in, const std::string& name, const Registry& registry);

}  // namespace collab
