// The one list of StepInfo fields as traces (JSON) and the wire (MessagePack) show them: both
// encodings are generated from visit_step_info(), so they cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "env/reward.h"
#include "env/task.h"
#include "env/types.h"

namespace collab {

// A visitor provides:
//   void field(std::string_view key, V value)  for V in {std::optional<std::string_view>,
//        std::optional<int64_t>, std::optional<double>, std::string_view, int64_t, double, bool}
//   template <class F> void map(std::string_view key, int size, F&& body)   (a nested map)
inline constexpr int kStepInfoFields = 10;  // plus "user" when an external user took part
// plus "user_calls" and "user_fallbacks" with an external user, "rollout_calls" and
// "rollout_fallbacks" with a rollout agent
inline constexpr int kRewardInfoFields = 7;
inline constexpr int kContentFields = 2;
inline constexpr int kUserInfoFields = 7;
inline int step_info_fields(const StepInfo& i) { return kStepInfoFields + (i.user ? 1 : 0); }

template <class Visitor>
void visit_step_info(const Task& task, const StepInfo& i, Visitor& v) {
  using Str = std::optional<std::string_view>;
  v.field("act", i.act ? Str(task.acts()[static_cast<size_t>(*i.act)]) : Str());
  v.field("act_index", i.act ? std::optional<int64_t>(*i.act) : std::nullopt);
  v.field("understood", i.understood);
  v.field("agent_text", std::string_view(i.agent_text));
  // What the act carried: a draft (body) and/or a number; null where absent.
  v.map("content", kContentFields, [&] {
    v.field("body", i.content.body.empty() ? Str() : Str(i.content.body));
    v.field("number", i.content.number);
  });
  v.field("agent_tokens", static_cast<int64_t>(i.agent_tokens));
  v.field("event", i.event ? Str(to_string(*i.event)) : Str());
  v.field("score", i.score);
  v.field("success", i.success);
  const RewardInfo& r = i.reward;
  v.map("reward", kRewardInfoFields + (i.user ? 2 : 0) + (i.reward.remote_rollouts ? 2 : 0), [&] {
    v.field("task", r.task);
    v.field("interactivity", r.interactivity);
    v.field("token_cost", r.token_cost);
    v.field("total", r.total);
    v.field("mr", r.mr);
    v.field("spread", r.spread);
    v.field("samples", static_cast<int64_t>(r.samples));
    if (i.user) {
      // External user requests of the turn, its MR forward samples' included, and fallbacks.
      v.field("user_calls", static_cast<int64_t>(i.user->turn_calls));
      v.field("user_fallbacks", static_cast<int64_t>(i.user->turn_fallbacks));
    }
    if (r.remote_rollouts) {
      // The futures' agent turns asked of the rollout agent, and the futures that fell back.
      v.field("rollout_calls", static_cast<int64_t>(r.rollout_calls));
      v.field("rollout_fallbacks", static_cast<int64_t>(r.rollout_fallbacks));
    }
  });
  if (!i.user) return;
  const UserTurnInfo& u = *i.user;
  auto act_name = [&](std::optional<int32_t> a) {
    return a ? Str(task.acts()[static_cast<size_t>(*a)]) : Str();
  };
  v.map("user", kUserInfoFields, [&] {
    v.field("model", std::string_view(u.model));
    v.field("rule_act", act_name(u.rule_act));
    // The external reading, when one was given and used: the act name, "" when it read the text
    // as meaning nothing; null when it gave none.
    v.field("external_act",
            u.external_read ? (u.external_act ? act_name(u.external_act) : Str(std::string_view())) : Str());
    v.field("reading", std::string_view(u.external_reading ? "external" : "rule"));
    v.field("reply", std::string_view(u.external_reply ? "external" : "rule"));
    v.field("fallback", u.fallback.empty() ? Str() : Str(u.fallback));
    v.field("calls", static_cast<int64_t>(u.calls));
  });
}

}  // namespace collab
