// MR futures played by a rollout agent (env/rollout_agent.h), batched by depth across every
// environment of a step (MrBatch, env/env.h).
#include <fmt/format.h>

#include <cmath>

#include "env/env.h"
#include "env/error.h"

namespace collab {

void MrBatch::add(Env* env, StepResult* result) {
  std::lock_guard lock(mu_);
  jobs_.push_back({env, result});
}

void MrBatch::run() {
  struct Future {
    Env sim;
    size_t job;
    int sample;
    bool agent = true;  // false once a query failed: the expert plays the rest
  };
  struct Tally {
    int calls = 0, fallbacks = 0, user_calls = 0, user_fallbacks = 0;
  };
  std::vector<Future> futures;
  std::vector<Tally> tally(jobs_.size());
  int window = 0;
  for (size_t j = 0; j < jobs_.size(); ++j) {
    const Env& env = *jobs_[j].env;
    const RewardConfig& rc = env.cfg_->reward;
    window = std::max(window, rc.window);
    for (int s = 0; s < rc.samples; ++s) {
      Future f{Env(env), j, s};
      f.sim.stream_base_ = derive_seed(env.stream_base_, static_cast<uint64_t>(env.turn_),
                                       Stream::kMrSample, static_cast<uint64_t>(s));
      futures.push_back(std::move(f));
    }
  }
  auto advance = [&](Future& f, const Action& action) {
    StepInfo si;
    f.sim.advance(action, &si);
    if (si.user) {
      tally[f.job].user_calls += si.user->calls;
      tally[f.job].user_fallbacks += si.user->fallback.empty() ? 0 : 1;
    }
  };
  auto expert_turn = [&](Future& f, uint64_t seed) {
    Rng rng(seed);
    advance(f, f.sim.task_->expert(*f.sim.episode_, rng));
  };
  std::vector<RolloutQuery> queries;
  std::vector<size_t> asked;  // futures[asked[i]] is queries[i]'s
  for (int depth = 0; depth < window; ++depth) {
    queries.clear();
    asked.clear();
    for (size_t i = 0; i < futures.size(); ++i) {
      Future& f = futures[i];
      const Env& env = *jobs_[f.job].env;
      if (depth >= env.cfg_->reward.window || f.sim.done()) continue;
      const uint64_t seed = derive_seed(f.sim.stream_base_, static_cast<uint64_t>(f.sim.turn_),
                                        Stream::kPolicy);
      if (!f.agent) {
        expert_turn(f, seed);
        continue;
      }
      RolloutQuery q;
      q.spec = &env.spec();
      q.episode_seed = env.episode_seed_;
      q.seed = seed;
      q.sample = f.sample;
      q.dialogue = &f.sim.dialogue_;
      q.obs = f.sim.observe(f.sim.dialogue_.empty() ? std::string() : f.sim.dialogue_.back());
      queries.push_back(std::move(q));
      asked.push_back(i);
    }
    if (queries.empty()) continue;
    // Every environment of the batch names the same agent only if they were made alike; group by
    // agent so that each gets one call per depth.
    std::vector<RolloutAnswer> answers(queries.size());
    std::vector<bool> done(queries.size(), false);
    for (size_t first = 0; first < queries.size(); ++first) {
      if (done[first]) continue;
      RolloutAgent* agent = jobs_[futures[asked[first]].job].env->cfg_->rollout_agent.get();
      std::vector<size_t> group;
      std::vector<RolloutQuery> batch;
      for (size_t i = first; i < queries.size(); ++i) {
        if (!done[i] && jobs_[futures[asked[i]].job].env->cfg_->rollout_agent.get() == agent) {
          group.push_back(i);
          batch.push_back(queries[i]);
          done[i] = true;
        }
      }
      // A failed call is reported in the answers; an exception is an error of the run (e.g. a
      // replay that misses its cache entry) and propagates.
      std::vector<RolloutAnswer> got = agent->act_many(batch);
      std::string why;
      if (got.size() != batch.size()) {
        why = fmt::format("rollout agent {} answered {} of {} queries", agent->name(), got.size(),
                          batch.size());
      }
      for (size_t k = 0; k < group.size(); ++k) {
        if (why.empty()) {
          answers[group[k]] = std::move(got[k]);
        } else {
          answers[group[k]].failure = why;
        }
      }
    }
    for (size_t i = 0; i < queries.size(); ++i) {
      Future& f = futures[asked[i]];
      ++tally[f.job].calls;
      RolloutAnswer& a = answers[i];
      if (a.action) {
        try {
          advance(f, *a.action);
          continue;
        } catch (const InvalidAction& e) {  // refused before anything changed
          a.failure = e.what();
        }
      }
      f.agent = false;
      ++tally[f.job].fallbacks;
      expert_turn(f, queries[i].seed);
    }
  }
  // Each environment's MR: the mean and spread of its futures' R*.
  std::vector<double> sum(jobs_.size(), 0.0), sum_sq(jobs_.size(), 0.0);
  for (const Future& f : futures) {
    const double v = f.sim.conversation_reward();
    sum[f.job] += v;
    sum_sq[f.job] += v * v;
  }
  for (size_t j = 0; j < jobs_.size(); ++j) {
    Env& env = *jobs_[j].env;
    StepResult& r = *jobs_[j].result;
    const RewardConfig& rc = env.cfg_->reward;
    RewardInfo& ri = r.info.reward;
    const double n = rc.samples;
    ri.mr = sum[j] / n;
    ri.spread = std::sqrt(std::max(0.0, sum_sq[j] / n - ri.mr * ri.mr));
    ri.samples = rc.samples;
    ri.remote_rollouts = true;
    ri.rollout_calls = tally[j].calls;
    ri.rollout_fallbacks = tally[j].fallbacks;
    if (r.info.user) {
      r.info.user->turn_calls += tally[j].user_calls;
      r.info.user->turn_fallbacks += tally[j].user_fallbacks;
    }
    r.reward = rc.mode == RewardMode::kMr ? ri.mr : ri.mr - env.prev_mr_;
    env.prev_mr_ = ri.mr;
  }
  jobs_.clear();
}

}  // namespace collab
