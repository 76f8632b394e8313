#include "env/trace.h"

#include <fmt/format.h>

#include <istream>
#include <ostream>

#include "env/error.h"

namespace collab {

nlohmann::json TraceWriter::header(const Env& env, const ResetResult& reset,
                                   const nlohmann::json& reset_options) {
  const auto scen = env.task().scenario_info();
  return {{"type", "header"},
          {"format", kTraceFormat},
          {"id", env.task().id()},
          {"version", env.task().version()},
          {"seed", reset.seed},
          {"options", env.options()},
          {"reset_options", reset_options.is_object() ? reset_options : nlohmann::json::object()},
          {"scenario", {{"path", scen.value("path", "")}, {"hash", scen.value("hash", "")}}}};
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
  return {{"type", "turn"}, {"turn", r.obs.turn}, {"who", "agent"},    {"mode", mode},
          {"text", r.info.agent_text}, {"act", act}, {"act_index", idx}, {"content", content}};
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
                        const nlohmann::json& reset_options) {
  write(header(env, reset, reset_options));
  write({{"type", "turn"}, {"turn", 0}, {"who", "user"}, {"text", reset.obs.text}});
}

void TraceWriter::step(const Env& env, const Action& action, const StepResult& result) {
  write(agent_line(env, action, result));
  write(user_line(env, result));
  if (result.terminated || result.truncated) write(end_line(env));
}

namespace {

struct LineReader {
  std::istream& in;
  const std::string& name;
  int line_no = 0;

  // Next non-empty line parsed as JSON, or nullopt at the end of the file.
  std::optional<nlohmann::json> next() {
    std::string line;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        return nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        throw TraceError(fmt::format("{}:{}: not a JSON line: {}", name, line_no, e.what()));
      }
    }
    return std::nullopt;
  }
  [[noreturn]] void fail(const std::string& msg) const {
    throw TraceError(fmt::format("{}:{}: {}", name, line_no, msg));
  }
  void expect_equal(const nlohmann::json& recorded, const nlohmann::json& replayed) const {
    if (recorded != replayed) {
      fail(fmt::format("replay differs\n  recorded: {}\n  replayed: {}", recorded.dump(),
                       replayed.dump()));
    }
  }
};

Action action_from(const nlohmann::json& rec, const LineReader& r) {
  const std::string mode = rec.value("mode", "");
  Action a;
  if (mode == "act" || mode == "both") {
    if (!rec.contains("act_index") || !rec.at("act_index").is_number_integer()) {
      r.fail("agent line in act mode needs an integer act_index");
    }
    a.act = rec.at("act_index").get<int32_t>();
  }
  if (mode == "text" || mode == "both") a.text = rec.value("text", "");
  if (mode != "act" && mode != "text" && mode != "both") {
    r.fail(fmt::format("agent line has mode {}; expected \"act\", \"text\" or \"both\"",
                       rec.contains("mode") ? rec.at("mode").dump() : "missing"));
  }
  return a;
}

}  // namespace

ReplayReport replay_trace(std::istream& in, const std::string& name, const Registry& registry) {
  ReplayReport report;
  LineReader r{in, name};
  std::optional<nlohmann::json> line = r.next();
  if (!line) throw TraceError(fmt::format("{}: empty trace", name));
  while (line) {
    const nlohmann::json h = *line;
    if (h.value("type", "") != "header") r.fail("expected a header line to start an episode");
    if (h.value("format", "") == "collabgym-trace/1") {
      r.fail(fmt::format("trace format collabgym-trace/1 was written before contract v2 (acts "
                         "carry content since); record it again to get \"{}\"",
                         kTraceFormat));
    }
    if (h.value("format", "") != kTraceFormat) {
      r.fail(fmt::format("unsupported trace format {}; expected \"{}\"",
                         h.contains("format") ? h.at("format").dump() : "(missing)", kTraceFormat));
    }
    if (!h.contains("id") || !h.at("id").is_string() || !h.contains("seed") ||
        !h.at("seed").is_number_unsigned()) {
      r.fail("header needs a string id and an unsigned integer seed");
    }
    const nlohmann::json options = h.value("options", nlohmann::json::object());
    const nlohmann::json reset_options = h.value("reset_options", nlohmann::json::object());
    Env env = registry.make(h.at("id").get<std::string>(), options);
    const std::string want_hash = h.contains("scenario") ? h.at("scenario").value("hash", "") : "";
    const std::string have_hash = env.task().scenario_info().value("hash", "");
    if (want_hash != have_hash) {
      r.fail(fmt::format("scenario file changed since recording: recorded hash {}, now {} ({})",
                         want_hash, have_hash, env.task().scenario_info().value("path", "")));
    }
    ResetResult rr = env.reset(h.at("seed").get<uint64_t>(), reset_options);
    r.expect_equal(h, TraceWriter::header(env, rr, reset_options));
    auto opening = r.next();
    if (!opening) r.fail("trace ends before the opening line");
    r.expect_equal(
        *opening,
        nlohmann::json{{"type", "turn"}, {"turn", 0}, {"who", "user"}, {"text", rr.obs.text}});
    ++report.episodes;
    line = r.next();
    while (line && line->value("type", "") == "turn" && line->value("who", "") == "agent") {
      const Action action = action_from(*line, r);
      StepResult res;
      try {
        res = env.step(action);
      } catch (const Error& e) {
        r.fail(fmt::format("replaying this action failed: {}", e.what()));
      }
      ++report.steps;
      r.expect_equal(*line, TraceWriter::agent_line(env, action, res));
      auto user = r.next();
      if (!user) r.fail("trace ends after an agent line; expected the user's reply");
      r.expect_equal(*user, TraceWriter::user_line(env, res));
      line = r.next();
      if (env.done()) {
        if (!line || line->value("type", "") != "end") r.fail("expected the episode's end line");
        r.expect_equal(*line, TraceWriter::end_line(env));
        line = r.next();
        break;
      }
    }
    if (line && line->value("type", "") != "header") {
      r.fail(fmt::format("unexpected line {}", line->dump()));
    }
  }
  return report;
}

}  // namespace collab
