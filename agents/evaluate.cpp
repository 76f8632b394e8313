#include "agents/evaluate.h"

#include <cmath>

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
          {"mean_reward", stats.ret.mean},
          {"ci",
           {{"success", stats.success.to_json()},
            {"score", stats.score.to_json()},
            {"turns", stats.turns.to_json()},
            {"agent_tokens", stats.agent_tokens.to_json()},
            {"reward", stats.ret.to_json()},
            {"interactivity", stats.interactivity.to_json()}}}};
}

EpisodeRecord play_episode(Env& env, Agent& agent, uint64_t seed,
                           const nlohmann::json& reset_options, TraceWriter* trace,
                           std::vector<int32_t>* acts) {
  EpisodeRecord ep;
  ep.seed = seed;
  ResetResult rr = env.reset(seed, reset_options);
  agent.begin(env.spec(), rr.seed);
  if (trace) trace->begin(env, rr, reset_options, agent.name());
  Observation obs = std::move(rr.obs);
  while (!env.done()) {
    Rng rng = policy_rng(env);
    const Action a = decide(agent, env, obs, rng);
    StepResult r = env.step(a);
    if (trace) trace->step(env, a, r);
    if (acts && r.info.act) acts->push_back(*r.info.act);
    ep.ret += r.reward;
    ep.truncated = r.truncated;
    obs = std::move(r.obs);
  }
  const Score sc = env.score();
  ep.interactivity = interactivity(env.events());
  ep.success = sc.success;
  ep.score = sc.task;
  ep.turns = env.turn();
  ep.agent_tokens = env.agent_tokens();
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
