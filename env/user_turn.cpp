// One agent turn with an external user taking part (env/user.h, docs/external-users.md).
//
// The rule-based user answers first, on a copy of the episode; the external user is then sent that
// reading and reply and may give its own reading (text actions only: an act the agent chose is what
// happens) and/or its own phrasing. If its reading agrees, the copy becomes the episode; if not, the
// rule-based user answers the external reading on the episode itself, and the external user, if it
// phrased a reply, is asked once more to phrase the answer that happened. Every failure falls back
// to the rule-based user for what was left to do.
#include <fmt/format.h>

#include <cmath>

#include "env/env.h"
#include "env/text.h"

namespace collab {

using nlohmann::json;

namespace {

constexpr size_t kMaxReplyBytes = 64 * 1024;

json content_json(const Content& c) {
  if (c.empty()) return nullptr;
  return {{"body", c.body.empty() ? json(nullptr) : json(c.body)},
          {"number", c.number ? json(*c.number) : json(nullptr)}};
}

json reading_json(const Task& task, std::optional<int32_t> act, const Content& content) {
  return {{"act", act ? json(task.acts()[static_cast<size_t>(*act)]) : json(nullptr)},
          {"content", content_json(content)}};
}

// The answer's "reading": {act: name | null, content?: {body?, number?} | null}.
Parsed parse_reading(const Task& task, const json& r) {
  if (!r.is_object()) {
    throw UserFailure(fmt::format("reading {}: expected a map {{act, content?}}",
                                  r.dump().substr(0, 120)));
  }
  Parsed p;
  for (const auto& [k, v] : r.items()) {
    if (k == "act") {
      if (v.is_null()) continue;
      if (!v.is_string()) {
        throw UserFailure(fmt::format("reading act {}: expected an act name or null",
                                      v.dump().substr(0, 120)));
      }
      const auto& acts = task.acts();
      const std::string name = v.get<std::string>();
      const auto it = std::find(acts.begin(), acts.end(), name);
      if (it == acts.end()) {
        const auto close = text::did_you_mean(name, acts);
        throw UserFailure(fmt::format("reading act \"{}\" is not an act of {}{}", name.substr(0, 120),
                                      task.id(),
                                      close.empty() ? "" : "; did you mean " + text::join_or(close)));
      }
      p.act = static_cast<int32_t>(it - acts.begin());
    } else if (k == "content") {
      if (v.is_null()) continue;
      if (!v.is_object()) throw UserFailure("reading content: expected a map {body?, number?}");
      for (const auto& [ck, cv] : v.items()) {
        if (ck == "body" && cv.is_string()) {
          p.content.body = cv.get<std::string>();
        } else if (ck == "number" && cv.is_number() && std::isfinite(cv.get<double>())) {
          p.content.number = cv.get<double>();
        } else if (!cv.is_null() || (ck != "body" && ck != "number")) {
          throw UserFailure(fmt::format(
              "reading content \"{}\" = {}: expected body (str) and number (finite), or null",
              ck.substr(0, 60), cv.dump().substr(0, 60)));
        }
      }
    } else {
      throw UserFailure(fmt::format("reading key \"{}\": expected only act and content",
                                    k.substr(0, 60)));
    }
  }
  return p;
}

// The answer's "reply", if any: a non-empty text of at most kMaxReplyBytes.
std::optional<std::string> parse_reply(const json& answer) {
  if (!answer.contains("reply") || answer["reply"].is_null()) return std::nullopt;
  const json& r = answer["reply"];
  if (!r.is_string()) {
    throw UserFailure(fmt::format("reply {}: expected a str", r.dump().substr(0, 120)));
  }
  std::string text = r.get<std::string>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw UserFailure("reply is empty or whitespace: expected the user's message, or no reply");
  }
  if (text.size() > kMaxReplyBytes) {
    throw UserFailure(
        fmt::format("reply of {} bytes: expected at most {}", text.size(), kMaxReplyBytes));
  }
  return text;
}

void check_keys(const json& answer, std::initializer_list<std::string_view> allowed) {
  if (!answer.is_object()) {
    throw UserFailure(
        fmt::format("answer {}: expected a map", answer.dump().substr(0, 120)));
  }
  for (const auto& [k, v] : answer.items()) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      throw UserFailure(fmt::format("answer key \"{}\" is not part of the user protocol",
                                    k.substr(0, 60)));
    }
  }
}

}  // namespace

json Env::user_request(std::string_view op, const StepInfo& si, bool reads) const {
  json dialogue = json::array();
  for (size_t i = 0; i < dialogue_.size(); ++i) {
    dialogue.push_back({{"who", i % 2 == 0 ? "user" : "agent"}, {"text", dialogue_[i]}});
  }
  return {{"op", op},
          {"task", task_->id()},
          {"scenario", task_->scenario_info().value("hash", "")},
          {"persona", episode_->persona_name()},
          {"goal", episode_->goal()},
          {"acts", task_->acts()},
          {"turn", turn_},
          {"dialogue", std::move(dialogue)},
          {"agent_text", si.agent_text},
          {"reads", reads}};
}

UserReply Env::respond_with_user(const Action& action, std::optional<int32_t>* act,
                                 bool from_text, const Rng& user_rng, StepInfo& si) {
  UserModel& model = *cfg_->user;
  UserTurnInfo u;
  u.model = model.name();
  u.rule_act = *act;
  // The rule-based user's answer, on a copy: it is the answer when the external user agrees.
  std::unique_ptr<Episode> probe = episode_->clone();
  Rng rng = user_rng;
  UserReply rule = probe->respond(AgentTurn{*act, si.content, si.agent_text, from_text}, rng);
  // The external user reads only free text: an act the agent chose is what happens.
  const bool reads = !action.act.has_value();
  json req = user_request("turn", si, reads);
  req["rule"] = {{"reading", reading_json(*task_, *act, si.content)}, {"reply", rule.text}};

  UserReply reply;
  std::optional<std::string> phrased;
  try {
    ++u.calls;
    const json answer = model.call(req);
    check_keys(answer, {"reading", "reply"});
    std::optional<Parsed> ext;
    if (reads && answer.contains("reading") && !answer["reading"].is_null()) {
      ext = parse_reading(*task_, answer["reading"]);
    }
    phrased = parse_reply(answer);
    if (ext) {
      u.external_read = true;
      u.external_act = ext->act;
    }
    if (!ext || (ext->act == *act && ext->content == si.content)) {
      episode_ = std::move(probe);
      reply = std::move(rule);
    } else {
      // The external reading happens: the rule-based user answers it on the episode itself.
      u.external_reading = true;
      *act = ext->act;
      si.content = std::move(ext->content);
      Rng again = user_rng;
      reply = episode_->respond(AgentTurn{*act, si.content, si.agent_text, from_text}, again);
      if (phrased) {
        // That reply was written for the external reading before the rule-based user answered
        // it: ask for the phrasing of what the user actually says.
        phrased.reset();
        json req2 = user_request("phrase", si, false);
        req2["reading"] = reading_json(*task_, *act, si.content);
        req2["rule"] = {{"reply", reply.text}};
        ++u.calls;
        const json answer2 = model.call(req2);
        check_keys(answer2, {"reply"});
        phrased = parse_reply(answer2);
      }
    }
  } catch (const UserFailure& e) {
    u.fallback = e.what();
    phrased.reset();
    if (!u.external_reading) {
      // Nothing external happened: the rule-based user's answer stands as it was.
      u.external_read = false;
      u.external_act.reset();
      episode_ = std::move(probe);
      reply = std::move(rule);
    }
  }
  if (phrased) {
    reply.text = std::move(*phrased);
    u.external_reply = true;
  }
  u.turn_calls = u.calls;
  u.turn_fallbacks = u.fallback.empty() ? 0 : 1;
  si.user = std::move(u);
  return reply;
}

}  // namespace collab
