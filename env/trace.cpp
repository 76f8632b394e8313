#include "env/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <limits>
#include <ostream>

#include "env/error.h"
#include "env/scenario.h"

namespace collab {

nlohmann::json TraceWriter::header(const Env& env, const ResetResult& reset,
                                   const nlohmann::json& reset_options, std::string_view agent) {
  const auto scen = env.task().scenario_info();
  const std::string path = scen.value("path", "");
  nlohmann::json h = {
      {"type", "header"},
      {"format", kTraceFormat},
      {"id", env.task().id()},
      {"version", env.task().version()},
      {"seed", reset.seed},
      {"options", env.options()},
      {"reset_options", reset_options.is_object() ? reset_options : nlohmann::json::object()},
      {"scenario",
       {{"task", env.task().name()},
        {"name", std::filesystem::path(path).filename().string()},
        {"hash", scen.value("hash", "")},
        {"path", path}}}};
  if (!agent.empty()) h["agent"] = std::string(agent);
  return h;
}

nlohmann::json TraceWriter::agent_line(const Env& env, const Action& action, const StepResult& r) {
  const char* mode = action.act ? (action.text.empty() ? "act" : "both") : "text";
  nlohmann::json act = nullptr, idx = nullptr;
  if (r.info.act) {
    idx = *r.info.act;
    act = env.task().acts()[static_cast<size_t>(*r.info.act)];
  }
  nlohmann::json content = nullptr;  // what the act carried, when it carried anything
  if (!r.info.content.empty()) {
    content = nlohmann::json::object();
    if (!r.info.content.body.empty()) content["body"] = r.info.content.body;
    if (r.info.content.number) content["number"] = *r.info.content.number;
  }
  return {{"type", "turn"},   {"turn", r.obs.turn},        {"who", "agent"},
          {"mode", mode},     {"text", r.info.agent_text}, {"act", act},
          {"act_index", idx}, {"content", content}};
}

nlohmann::json TraceWriter::user_line(const Env& env, const StepResult& r) {
  return {{"type", "turn"},
          {"turn", r.obs.turn},
          {"who", "user"},
          {"text", r.obs.text},
          {"reward", r.reward},
          {"terminated", r.terminated},
          {"truncated", r.truncated},
          {"info", Env::info_json(env.task(), r.info)}};
}

nlohmann::json TraceWriter::end_line(const Env& env) {
  const Score s = env.score();
  return {{"type", "end"},
          {"turns", env.turn()},
          {"score", s.task},
          {"success", s.success},
          {"agent_tokens", env.agent_tokens()},
          {"components", env.episode().score_components()}};
}

void TraceWriter::write(const nlohmann::json& line) { out_ << line.dump() << '\n'; }

void TraceWriter::begin(const Env& env, const ResetResult& reset,
                        const nlohmann::json& reset_options, std::string_view agent) {
  write(header(env, reset, reset_options, agent));
  write({{"type", "turn"}, {"turn", 0}, {"who", "user"}, {"text", reset.obs.text}});
}

void TraceWriter::step(const Env& env, const Action& action, const StepResult& result) {
  write(agent_line(env, action, result));
  write(user_line(env, result));
  if (result.terminated || result.truncated) write(end_line(env));
}

namespace {

using nlohmann::json;

// `v` as JSON text for messages (ASCII only), cut to a readable length.
std::string brief(const json& v) {
  std::string s = v.dump(-1, ' ', true, json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

// "a string \"5\"", "an array [1,2]", "missing" — what a field holds, for messages.
std::string holds(const json* v) {
  if (v == nullptr) return "missing";
  if (v->is_null()) return "null";
  const std::string type = v->type_name();
  const bool vowel = type == "array" || type == "object";
  return fmt::format("{} {} {}", vowel ? "an" : "a", type, brief(*v));
}

const json* find(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// One record of the trace: a JSON object with a known "type" (and "who" for turns).
struct Record {
  json j;
  std::string type;  // "header", "turn" or "end"
  std::string who;   // "user" or "agent" for turns, else empty
  bool is_agent_turn() const { return type == "turn" && who == "agent"; }
  // "a header", "a user turn", "an agent turn", "an end": what the line is, for messages.
  std::string kind() const {
    if (type == "turn") return who == "agent" ? "an agent turn" : "a user turn";
    return type == "end" ? "an end" : "a header";
  }
};

class LineReader {
 public:
  LineReader(std::istream& in, const std::string& name) : in_(in), name_(name) {}

  int line_no() const { return line_no_; }

  // The next non-blank line as a Record, or nullopt at the end of the file.
  std::optional<Record> next() {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_no_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      JsonParse parsed = parse_json_limited(line);
      if (!parsed.ok()) fail(fmt::format("not a JSON line: {}", parsed.error));
      Record rec{std::move(parsed.value), {}, {}};
      if (!rec.j.is_object()) {
        fail(fmt::format("line is {}; expected a JSON object (one trace record per line)",
                         holds(&rec.j)));
      }
      const json* type = find(rec.j, "type");
      if (type == nullptr || !type->is_string() ||
          (*type != "header" && *type != "turn" && *type != "end")) {
        fail(fmt::format("\"type\" is {}; expected \"header\", \"turn\" or \"end\"", holds(type)));
      }
      rec.type = type->get<std::string>();
      if (rec.type == "turn") {
        const json* who = find(rec.j, "who");
        if (who == nullptr || !who->is_string() || (*who != "user" && *who != "agent")) {
          fail(
              fmt::format("turn line's \"who\" is {}; expected \"user\" or \"agent\"", holds(who)));
        }
        rec.who = who->get<std::string>();
      }
      return rec;
    }
    if (in_.bad()) fail("cannot read the trace");
    return std::nullopt;
  }

  [[noreturn]] void fail(const std::string& msg) const {
    throw TraceError(fmt::format("{}:{}: {}", name_, std::max(1, line_no_), msg));
  }

  // The field `key` of `rec` when it has the type `is` tests for; else fails naming `expected`.
  const json& need(const json& rec, const char* what, const char* key,
                   bool (json::*is)() const noexcept, const char* expected) const {
    const json* v = find(rec, key);
    if (v == nullptr || !(v->*is)()) {
      fail(fmt::format("{} \"{}\" is {}; expected {}", what, key, holds(v), expected));
    }
    return *v;
  }
  // Like need(), but a missing field gives nullptr.
  const json* optional(const json& rec, const char* what, const char* key,
                       bool (json::*is)() const noexcept, const char* expected) const {
    return find(rec, key) == nullptr ? nullptr : &need(rec, what, key, is, expected);
  }

  void expect_equal(const json& recorded, const json& replayed) const {
    if (recorded != replayed) {
      fail(fmt::format("replay differs\n  recorded: {}\n  replayed: {}", recorded.dump(),
                       replayed.dump()));
    }
  }

 private:
  std::istream& in_;
  const std::string& name_;
  int line_no_ = 0;
};

// What a header says, every field type-checked.
struct Header {
  std::string id;
  uint64_t seed = 0;
  std::optional<std::string> agent;
  json options, reset_options;
  // The scenario, identified by content.
  std::string scenario_task, scenario_name, scenario_hash, scenario_path;
};

Header read_header(const json& h, const LineReader& r) {
  const json* format = find(h, "format");
  if (format != nullptr && *format == "collabgym-trace/1") {
    r.fail(
        fmt::format("trace format collabgym-trace/1 was written before contract v2 (acts "
                    "carry content since); record it again to get \"{}\"",
                    kTraceFormat));
  }
  if (format == nullptr || *format != kTraceFormat) {
    r.fail(fmt::format("header \"format\" is {}; expected \"{}\"", holds(format), kTraceFormat));
  }
  Header out;
  out.id = r.need(h, "header", "id", &json::is_string, "an environment id (\"name-vN\")")
               .get<std::string>();
  out.seed =
      r.need(h, "header", "seed", &json::is_number_unsigned, "an unsigned integer").get<uint64_t>();
  if (const json* a = r.optional(h, "header", "agent", &json::is_string, "the agent's name")) {
    out.agent = a->get<std::string>();
  }
  out.options = r.need(h, "header", "options", &json::is_object, "an object");
  out.reset_options = r.need(h, "header", "reset_options", &json::is_object, "an object");
  if (const json* s = find(out.options, "scenario");
      s != nullptr && !s->is_string() && !s->is_null()) {
    r.fail(fmt::format("header options \"scenario\" is {}; expected a path or null", holds(s)));
  }

  const json* scen = find(h, "scenario");
  if (scen == nullptr || !scen->is_object()) {
    r.fail(fmt::format(
        "header \"scenario\" is {}; expected an object {{\"name\":…,\"hash\":…}} identifying the "
        "scenario file the episode was recorded with",
        holds(scen)));
  }
  out.scenario_hash = r.need(*scen, "header scenario", "hash", &json::is_string,
                             "a string (the scenario file's content hash)")
                          .get<std::string>();
  constexpr const char* kText = "a string";
  if (const json* p = r.optional(*scen, "header scenario", "path", &json::is_string, kText)) {
    out.scenario_path = p->get<std::string>();
  }
  if (const json* t = r.optional(*scen, "header scenario", "task", &json::is_string, kText)) {
    out.scenario_task = t->get<std::string>();
  }
  if (const json* n =
          r.optional(*scen, "header scenario", "name", &json::is_string, "a file name")) {
    out.scenario_name = n->get<std::string>();
  } else {
    out.scenario_name = std::filesystem::path(out.scenario_path).filename().string();
  }
  const std::string& n = out.scenario_name;
  if (!out.scenario_hash.empty() &&
      (n.empty() || n == "." || n == ".." || n.find_first_of("/\\") != std::string::npos)) {
    r.fail(
        fmt::format("header scenario \"name\" is \"{}\"; expected a file name such as "
                    "\"common.json\" (no folders)",
                    n));
  }
  return out;
}

// The header without what says where the scenario lives or who played: compared on replay.
json without_locators(json h) {
  h.erase("agent");
  h.erase("scenario");
  if (auto it = h.find("options"); it != h.end() && it->is_object()) it->erase("scenario");
  return h;
}

Action action_from(const json& rec, const LineReader& r) {
  const json* mode = find(rec, "mode");
  if (mode == nullptr || !mode->is_string() ||
      (*mode != "act" && *mode != "text" && *mode != "both")) {
    r.fail(fmt::format("agent line \"mode\" is {}; expected \"act\", \"text\" or \"both\"",
                       holds(mode)));
  }
  Action a;
  if (*mode != "text") {
    const json& idx =
        r.need(rec, "agent line (act mode)", "act_index", &json::is_number_integer, "an act index");
    const bool fits = idx.is_number_unsigned()
                          ? idx.get<uint64_t>() <= uint64_t{std::numeric_limits<int32_t>::max()}
                          : idx.get<int64_t>() >= std::numeric_limits<int32_t>::min();
    if (!fits) r.fail(fmt::format("agent line \"act_index\" {} is out of range", idx.dump()));
    a.act = static_cast<int32_t>(idx.get<int64_t>());
  }
  if (*mode != "act") {
    a.text = r.need(rec, "agent line (text mode)", "text", &json::is_string, "a string")
                 .get<std::string>();
  }
  return a;
}

std::string folder_of(const std::string& name) {
  const std::string dir = std::filesystem::path(name).parent_path().string();
  return dir.empty() ? "." : dir;
}

template <class T>
void add_distinct(std::vector<T>& items, const T& item) {
  if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
}

// Makes the environment a header describes, with its scenario found by content.
Env make_env(const Header& hd, const Registry& registry, const std::string& trace_dir,
             const LineReader& r, ReplayReport& report) {
  std::string task;
  try {
    task = registry.task_name(hd.id);
  } catch (const UnknownTask& e) {
    r.fail(fmt::format("header \"id\": {}", e.what()));
  }
  if (!hd.scenario_task.empty() && hd.scenario_task != task) {
    r.fail(fmt::format("header scenario \"task\" is \"{}\", but \"id\" {} is a {} environment",
                       hd.scenario_task, hd.id, task));
  }
  json options = hd.options;
  if (!hd.scenario_hash.empty()) {  // empty: a task without scenario files
    std::vector<std::string> candidates;
    if (!hd.scenario_path.empty()) candidates.push_back(hd.scenario_path);
    candidates.push_back((std::filesystem::path(trace_dir) / hd.scenario_name).string());
    const ScenarioLookup found =
        registry.find_scenario(hd.id, hd.scenario_name, hd.scenario_hash, candidates);
    if (!found.path) {
      r.fail(fmt::format(
          "scenario \"{}\" of {} with hash {} not found; searched: {}. Put that file next to the "
          "trace or under {}/{}/",
          hd.scenario_name, task, hd.scenario_hash, fmt::join(found.searched, ", "), scenario_dir(),
          task));
    }
    options["scenario"] = *found.path;
    add_distinct(report.scenarios, *found.path);
  }
  try {
    Env env = registry.make(hd.id, options);
    const std::string have = env.task().scenario_info().value("hash", "");
    if (have != hd.scenario_hash) {
      r.fail(fmt::format(
          "scenario changed since recording: {} now has hash {}; recorded \"{}\" "
          "with hash {}",
          env.task().scenario_info().value("path", ""), have, hd.scenario_name, hd.scenario_hash));
    }
    return env;
  } catch (const TraceError&) {
    throw;
  } catch (const Error& e) {
    r.fail(fmt::format("cannot make {} from this header: {}", hd.id, e.what()));
  }
}

}  // namespace

ReplayReport replay_trace(std::istream& in, const std::string& name, const Registry& registry,
                          const std::optional<std::string>& trace_dir) {
  const std::string dir = trace_dir ? *trace_dir : folder_of(name);
  ReplayReport report;
  LineReader r{in, name};
  std::optional<Record> line = r.next();
  if (!line) r.fail("empty trace; expected a header line {\"type\":\"header\",…}");
  while (line) {
    if (line->type != "header") {
      r.fail(fmt::format("{} line where an episode starts; expected a header line", line->kind()));
    }
    const Header hd = read_header(line->j, r);
    if (hd.agent) add_distinct(report.agents, *hd.agent);
    Env env = make_env(hd, registry, dir, r, report);
    ResetResult rr;
    try {
      rr = env.reset(hd.seed, hd.reset_options);
    } catch (const Error& e) {
      r.fail(fmt::format("cannot reset {} with this header: {}", hd.id, e.what()));
    }
    r.expect_equal(without_locators(line->j),
                   without_locators(TraceWriter::header(env, rr, hd.reset_options)));
    const std::optional<Record> opening = r.next();
    if (!opening) r.fail("trace ends after the header; expected the opening (a user turn 0)");
    r.expect_equal(opening->j,
                   json{{"type", "turn"}, {"turn", 0}, {"who", "user"}, {"text", rr.obs.text}});
    ++report.episodes;
    line = r.next();
    while (line && line->is_agent_turn()) {
      const Action action = action_from(line->j, r);
      StepResult res;
      try {
        res = env.step(action);
      } catch (const Error& e) {
        r.fail(fmt::format("replaying this action failed: {}", e.what()));
      }
      ++report.steps;
      r.expect_equal(line->j, TraceWriter::agent_line(env, action, res));
      const std::optional<Record> user = r.next();
      if (!user) r.fail("trace ends after an agent turn; expected the user's reply");
      r.expect_equal(user->j, TraceWriter::user_line(env, res));
      line = r.next();
      if (env.done()) {
        if (!line) r.fail("trace ends after the last turn; expected the episode's end line");
        if (line->type != "end") {
          r.fail(fmt::format("{} line after the episode ended (turn {}); expected its end line",
                             line->kind(), env.turn()));
        }
        r.expect_equal(line->j, TraceWriter::end_line(env));
        line = r.next();
        break;
      }
    }
    if (line && line->type != "header") {
      r.fail(
          fmt::format("{} line while the episode is still running (turn {}); expected an "
                      "agent turn, or a header to start the next episode",
                      line->kind(), env.turn()));
    }
  }
  return report;
}

}  // namespace collab
