#include "agents/evaluate.h"

#include <fmt/format.h>

#include <cmath>

#include "env/error.h"
#include "env/tokens.h"
#include "env/trace.h"

namespace collab::agents {

nlohmann::json Summary::to_json() const {
  return {{"task", task},
          {"agent", agent},
          {"privileged", privileged},
          {"episodes", episodes},
          {"success_rate", stats.success.mean},
          {"success_stderr", stats.success.se},
          {"mean_score", stats.score.mean},
          {"score_stderr", stats.score.se},
          {"mean_turns", stats.turns.mean},
          {"mean_agent_tokens", stats.agent_tokens.mean},
          {"mean_user_tokens", stats.user_tokens.mean},
          {"mean_r_star", stats.r_star.mean},
          {"mean_mr_per_turn", stats.mr_per_turn.mean},
          {"mean_reward", stats.ret.mean},
          {"failures", stats.failures},
          {"ci",
           {{"success", stats.success.to_json()},
            {"score", stats.score.to_json()},
            {"turns", stats.turns.to_json()},
            {"agent_tokens", stats.agent_tokens.to_json()},
            {"user_tokens", stats.user_tokens.to_json()},
            {"r_star", stats.r_star.to_json()},
            {"mr_per_turn", stats.mr_per_turn.to_json()},
            {"reward", stats.ret.to_json()},
            {"interactivity", stats.interactivity.to_json()}}}};
}

EpisodeRecord play_episode(Env& env, Agent& agent, uint64_t seed,
                           const nlohmann::json& reset_options, TraceWriter* trace,
                           std::vector<int32_t>* acts) {
  EpisodeRecord ep;
  ep.seed = seed;
  ResetResult rr = env.reset(seed, reset_options);
  if (trace) trace->begin(env, rr, reset_options, agent.name());
  ep.user_tokens = count_tokens(rr.obs.text);
  Observation obs = std::move(rr.obs);
  double mr_sum = 0;
  try {
    agent.begin(env.spec(), rr.seed);
    while (!env.done()) {
      Rng rng = policy_rng(env);
      const Action a = decide(agent, env, obs, rng);
      StepResult r;
      try {
        r = env.step(a);
      } catch (const InvalidAction& e) {
        throw AgentFailure(fmt::format("agent '{}' sent an invalid action at turn {}: {}",
                                       agent.name(), env.turn() + 1, e.what()));
      }
      if (trace) trace->step(env, a, r);
      if (acts && r.info.act) acts->push_back(*r.info.act);
      ep.ret += r.reward;
      ep.truncated = r.truncated;
      ep.user_tokens += count_tokens(r.obs.text);
      mr_sum += r.info.reward.mr;
      obs = std::move(r.obs);
    }
  } catch (const AgentFailure& e) {
    ep.failure = e.what();
  }
  ep.interactivity = interactivity(env.events());
  ep.turns = env.turn();
  ep.agent_tokens = env.agent_tokens();
  ep.mr_per_turn = ep.turns > 0 ? mr_sum / ep.turns : 0.0;
  if (ep.failure.empty()) {
    const Score sc = env.score();
    ep.success = sc.success;
    ep.score = sc.task;
    ep.r_star = env.conversation_reward();
  } else {
    RewardInfo ri;  // a failed conversation earns nothing and still pays for its tokens
    env.conversation_reward(&ri);
    ep.r_star = 0.0 - ri.token_cost;
  }
  return ep;
}

Summary evaluate(Env& env, Agent& agent, const RunConfig& cfg,
                 std::vector<EpisodeRecord>* per_episode) {
  Summary s;
  s.task = env.task().id();
  s.agent = agent.name();
  s.privileged = agent.privileged();
  std::optional<TraceWriter> trace;
  if (cfg.trace != nullptr) trace.emplace(*cfg.trace);
  std::vector<EpisodeRecord> eps;
  eps.reserve(static_cast<size_t>(std::max(0, cfg.episodes)));
  for (int i = 0; i < cfg.episodes; ++i) {
    eps.push_back(play_episode(env, agent, cfg.seed + static_cast<uint64_t>(i), cfg.reset_options,
                               trace ? &*trace : nullptr));
    if (cfg.progress) cfg.progress(i + 1, cfg.episodes);
  }
  s.episodes = cfg.episodes;
  s.stats = EpisodeSummary::of(eps);
  if (per_episode) per_episode->insert(per_episode->end(), eps.begin(), eps.end());
  return s;
}

}  // namespace collab::agents
