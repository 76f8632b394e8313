#include "agents/evaluate.h"

#include <cmath>

#include "env/trace.h"

namespace collab::agents {

nlohmann::json Summary::to_json() const {
  return {{"task", task},
          {"agent", agent},
          {"episodes", episodes},
          {"success_rate", success_rate},
          {"success_stderr", success_stderr},
          {"mean_score", mean_score},
          {"score_stderr", score_stderr},
          {"mean_turns", mean_turns},
          {"mean_agent_tokens", mean_agent_tokens},
          {"mean_reward", mean_reward}};
}

EpisodeResult play_episode(Env& env, Agent& agent, uint64_t seed,
                           const nlohmann::json& reset_options, TraceWriter* trace,
                           std::vector<int32_t>* acts) {
  EpisodeResult ep;
  ep.seed = seed;
  ResetResult rr = env.reset(seed, reset_options);
  if (trace) trace->begin(env, rr, reset_options);
  Observation obs = std::move(rr.obs);
  while (!env.done()) {
    Rng rng = policy_rng(env);
    const Action a = agent.act(env, obs, rng);
    StepResult r = env.step(a);
    if (trace) trace->step(env, a, r);
    if (acts && r.info.act) acts->push_back(*r.info.act);
    ep.ret += r.reward;
    ep.truncated = r.truncated;
    obs = std::move(r.obs);
  }
  const Score sc = env.score();
  ep.success = sc.success;
  ep.score = sc.task;
  ep.turns = env.turn();
  ep.agent_tokens = env.agent_tokens();
  return ep;
}

Summary evaluate(Env& env, Agent& agent, const RunConfig& cfg,
                 std::vector<EpisodeResult>* per_episode) {
  Summary s;
  s.task = env.task().id();
  s.agent = agent.name();
  std::optional<TraceWriter> trace;
  if (cfg.trace != nullptr) trace.emplace(*cfg.trace);
  double score_sq = 0;
  for (int i = 0; i < cfg.episodes; ++i) {
    const EpisodeResult ep = play_episode(env, agent, cfg.seed + static_cast<uint64_t>(i),
                                          cfg.reset_options, trace ? &*trace : nullptr);
    s.success_rate += ep.success;
    s.mean_score += ep.score;
    score_sq += ep.score * ep.score;
    s.mean_turns += ep.turns;
    s.mean_agent_tokens += ep.agent_tokens;
    s.mean_reward += ep.ret;
    if (per_episode) per_episode->push_back(ep);
    if (cfg.progress) cfg.progress(i + 1, cfg.episodes);
  }
  s.episodes = cfg.episodes;
  if (cfg.episodes > 0) {
    const double n = cfg.episodes;
    s.success_rate /= n;
    s.mean_score /= n;
    s.mean_turns /= n;
    s.mean_agent_tokens /= n;
    s.mean_reward /= n;
    s.success_stderr = std::sqrt(s.success_rate * (1 - s.success_rate) / n);
    const double var = std::max(0.0, score_sq / n - s.mean_score * s.mean_score);
    s.score_stderr = std::sqrt(var / n);
  }
  return s;
}

}  // namespace collab::agents
