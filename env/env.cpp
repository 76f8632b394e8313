#include "env/env.h"

#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "env/error.h"
#include "env/instructions.h"
#include "env/policy.h"
#include "env/step_info.h"
#include "env/text.h"
#include "env/tokens.h"

namespace collab {

OptionSpecs Env::framework_options() {
  OptionSpec max_turns = OptionSpec::integer(
      "max_turns", 0, 1, 10000, "agent turns before the episode is truncated (null: the task's)");
  max_turns.default_value = nullptr;
  max_turns.nullable = true;
  OptionSpec scenario;
  scenario.name = "scenario";
  scenario.default_value = nullptr;
  scenario.nullable = true;
  scenario.help = "scenario file (recorded; the registry loads it; null: the task's default)";
  OptionSpec user;
  user.name = "user";
  user.default_value = nullptr;
  user.nullable = true;
  user.help =
      "external user simulator, by the name the runner offers it under (run --user, serve "
      "--user; docs/external-users.md); null: the task's rule-based user";
  return {std::move(max_turns), std::move(scenario), std::move(user)};
}

OptionSpecs Env::all_options() const {
  OptionSpecs all = framework_options();
  const auto& reward = RewardConfig::option_specs();
  all.insert(all.end(), reward.begin(), reward.end());
  all.insert(all.end(), task_->options().begin(), task_->options().end());
  return all;
}

Env::Env(std::shared_ptr<const Task> task, const nlohmann::json& options) : task_(std::move(task)) {
  COLLAB_CHECK(task_ != nullptr);
  const OptionSpecs all = all_options();
  // Validates every key against its declaration; defaults are filled only for the task's keys,
  // so that options() stays what the caller gave (traces record it as given).
  resolve_options(all, option_defaults(all), options, task_->id());
  const nlohmann::json opts = options.is_object() ? options : nlohmann::json::object();
  // Environments made with the same task and options share one immutable Config (its spec is the
  // bulk of an idle environment: tens of KB for a large catalog), as copies of an Env already do.
  // A small process-wide cache; an entry matches only while its task object is still alive.
  struct Cached {
    std::weak_ptr<const Task> task;
    std::string options;
    std::shared_ptr<const Config> cfg;
  };
  static std::mutex cache_mu;
  static std::deque<Cached> cache;  // most recently made last; at most kCached entries
  constexpr size_t kCached = 64;
  std::shared_ptr<UserModel> user;
  if (opts.contains("user") && !opts.at("user").is_null()) {
    const std::string name = opts.at("user").get<std::string>();
    user = find_user(name);
    if (user == nullptr) {
      const std::vector<std::string> offered = user_names();
      throw InvalidOption(fmt::format(
          "option 'user' = \"{}\": no external user of that name is offered here; {}", name,
          offered.empty() ? std::string("none is (start the runner with --user; "
                                        "docs/external-users.md)")
                          : "expected " + text::join_or(offered)));
    }
  }
  // Validates rollout_policy (a built-in or an offered agent) before anything is cached.
  const RewardConfig reward = RewardConfig::from_options(opts);
  std::shared_ptr<RolloutAgent> rollout_agent =
      is_builtin_rollout_policy(reward.rollout_policy) ? nullptr
                                                       : find_rollout_agent(reward.rollout_policy);
  const std::string key = opts.dump();
  // An environment with an external user or a rollout agent is not cached: the name may be
  // registered anew.
  if (user == nullptr && rollout_agent == nullptr) {
    std::lock_guard lock(cache_mu);
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if (it->options == key && it->task.lock() == task_) {
        cfg_ = it->cfg;
        if (std::next(it) != cache.end()) {
          Cached hit = std::move(*it);
          cache.erase(it);
          cache.push_back(std::move(hit));
        }
        break;
      }
    }
  }
  if (cfg_ != nullptr) {
    env_seed_ = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    return;
  }
  auto cfg = std::make_shared<Config>();
  cfg->task_options = option_defaults(task_->options());
  for (const auto& [k, v] : opts.items()) {
    if (cfg->task_options.contains(k)) cfg->task_options[k] = v;
  }
  cfg->reward = reward;
  cfg->max_turns = opts.contains("max_turns") && !opts.at("max_turns").is_null()
                       ? opts.at("max_turns").get<int>()
                       : task_->default_max_turns();
  cfg->options = opts;
  cfg->user = std::move(user);
  cfg->rollout_agent = std::move(rollout_agent);
  cfg_ = std::move(cfg);
  std::const_pointer_cast<Config>(cfg_)->spec = make_spec();
  if (cfg_->user == nullptr && cfg_->rollout_agent == nullptr) {
    std::lock_guard lock(cache_mu);
    if (cache.size() >= kCached) cache.pop_front();
    cache.push_back({task_, key, cfg_});
  }
  env_seed_ = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

Env::Env(const Env& o)
    : task_(o.task_),
      cfg_(o.cfg_),
      episode_(o.episode_ ? o.episode_->clone() : nullptr),
      episode_options_(o.episode_options_),
      env_seed_(o.env_seed_),
      resets_since_seed_(o.resets_since_seed_),
      episode_seed_(o.episode_seed_),
      stream_base_(o.stream_base_),
      turn_(o.turn_),
      agent_tokens_(o.agent_tokens_),
      events_(o.events_),
      terminated_(o.terminated_),
      truncated_(o.truncated_),
      prev_mr_(o.prev_mr_),
      mask_(o.mask_),
      dialogue_(o.dialogue_) {}

Env& Env::operator=(const Env& o) {
  if (this != &o) *this = Env(o);
  return *this;
}

const Episode& Env::episode() const {
  if (!episode_)
    throw ResetNeeded(fmt::format("{}: no episode yet; call reset() first", task_->id()));
  return *episode_;
}

void Env::require_live(const char* what) const {
  if (!episode_) {
    throw ResetNeeded(fmt::format("{}: {} before reset(); call reset() first", task_->id(), what));
  }
  if (done()) {
    throw ResetNeeded(fmt::format("{}: {} after the episode ended ({} at turn {}); call reset()",
                                  task_->id(), what, terminated_ ? "terminated" : "truncated",
                                  turn_));
  }
}

ResetResult Env::reset(std::optional<uint64_t> seed, const nlohmann::json& options) {
  ResetResult r;
  r.obs = observe(reset_episode(seed, options, &r.seed));
  return r;
}

std::string Env::reset_episode(std::optional<uint64_t> seed, const nlohmann::json& options,
                               uint64_t* used_seed) {
  std::shared_ptr<const nlohmann::json> ep_opts;
  if (options.is_object() && !options.empty()) {
    ep_opts = std::make_shared<const nlohmann::json>(resolve_options(
        task_->options(), cfg_->task_options, options,
        task_->id() +
            " reset() (reset options may set the task's own options; reward and limits are fixed "
            "when the environment is made)"));
  } else if (!options.is_null() && !options.is_object()) {
    throw InvalidOption(fmt::format("reset options must be a JSON object, got {}", options.dump()));
  } else {
    ep_opts = std::make_shared<const nlohmann::json>(cfg_->task_options);
  }

  if (seed) {
    env_seed_ = *seed;
    resets_since_seed_ = 0;
    episode_seed_ = *seed;
  } else {
    ++resets_since_seed_;
    episode_seed_ = derive_seed(env_seed_, resets_since_seed_, Stream::kEnvSeeds);
  }
  stream_base_ = episode_seed_;
  Rng rng(derive_seed(stream_base_, 0, Stream::kEpisode));
  episode_ = task_->new_episode(rng, *ep_opts);
  episode_options_ = std::move(ep_opts);
  turn_ = 0;
  agent_tokens_ = 0;
  events_ = {};
  terminated_ = truncated_ = false;
  mask_.assign(task_->acts().size(), 0);
  episode_->mask(mask_);
  prev_mr_ = conversation_reward();  // Φ at the start for mr_delta: R* of the opening
  if (used_seed != nullptr) *used_seed = episode_seed_;
  std::string opening = episode_->opening();
  dialogue_.clear();
  if (keeps_dialogue()) dialogue_.push_back(opening);
  return opening;
}

std::optional<int32_t> Env::resolve(const Action& action, std::string* agent_text,
                                   Content* content, bool* from_text) const {
  if (action.act) {
    const int32_t a = *action.act;
    const int32_t n = num_acts();
    if (a < 0 || a >= n) {
      throw InvalidAction(fmt::format("{}: act {} is out of range; expected an index in [0, {})",
                                      task_->id(), a, n));
    }
    if (!mask_[static_cast<size_t>(a)]) {
      throw InvalidAction(
          fmt::format("{}: act {} ('{}') is masked at turn {}; legal acts are "
                      "those with action_mask == 1",
                      task_->id(), a, task_->acts()[static_cast<size_t>(a)], turn_));
    }
    *from_text = !action.text.empty();
    if (*from_text) {
      // Both channels: the act happens; the text is what was said, and its content counts as
      // written when the text says that act.
      Parsed p = episode_->parse(action.text);
      *content = p.act == a ? std::move(p.content) : episode_->compose(a);
      *agent_text = action.text;
    } else {
      *content = episode_->compose(a);
      *agent_text = episode_->render(a, *content);
    }
    return a;
  }
  if (action.text.empty()) {
    throw InvalidAction(
        fmt::format("{}: empty action; set its text, its act, or both", task_->id()));
  }
  *agent_text = action.text;
  *from_text = true;
  Parsed p = episode_->parse(action.text);
  if (p.act && (*p.act < 0 || *p.act >= num_acts())) {
    throw Error(fmt::format("{}: the task parsed text into act {}, outside [0, {}) (a task bug)",
                            task_->id(), *p.act, num_acts()));
  }
  *content = std::move(p.content);
  return p.act;
}

std::string Env::advance(const Action& action, StepInfo* info) {
  require_live("step()");
  StepInfo local;
  StepInfo& si = info != nullptr ? *info : local;
  bool from_text = false;
  std::optional<int32_t> act = resolve(action, &si.agent_text, &si.content, &from_text);
  const int tokens = count_tokens(si.agent_text);
  ++turn_;
  agent_tokens_ += tokens;
  Rng user_rng(derive_seed(stream_base_, static_cast<uint64_t>(turn_), Stream::kUser));
  UserReply reply =
      cfg_->user ? respond_with_user(action, &act, from_text, user_rng, si)
                 : episode_->respond(AgentTurn{act, si.content, si.agent_text, from_text}, user_rng);
  if (reply.event) events_.add(*reply.event);
  terminated_ = reply.ended;
  truncated_ = !terminated_ && turn_ >= cfg_->max_turns;
  episode_->mask(mask_);
  si.act = act;
  si.understood = act.has_value();
  si.agent_tokens = tokens;
  si.event = reply.event;
  if (keeps_dialogue()) {
    dialogue_.push_back(si.agent_text);
    dialogue_.push_back(reply.text);
  }
  return std::move(reply.text);
}

StepResult Env::step(const Action& action) {
  StepResult r;
  r.obs.features.resize(task_->feature_names().size());
  r.obs.act_features.resize(task_->acts().size() * task_->act_feature_names().size());
  r.obs.action_mask.resize(task_->acts().size());
  step_into(action, {r.obs.features, r.obs.act_features, r.obs.action_mask}, r);
  return r;
}

void Env::step_into(const Action& action, const ObservationView& out, StepResult& r,
                    MrBatch* batch) {
  r.obs.text = advance(action, &r.info);
  r.terminated = terminated_;
  r.truncated = truncated_;

  const Score sc = episode_->score();
  r.info.score = sc.task;
  r.info.success = sc.success;
  RewardInfo& ri = r.info.reward;
  ri = RewardInfo{};
  const RewardConfig& rc = cfg_->reward;
  collab::conversation_reward(rc, sc.task, events_, agent_tokens_, &ri);
  switch (rc.mode) {
    case RewardMode::kTerminal:
      r.reward = done() ? ri.total : 0.0;
      break;
    case RewardMode::kImmediate:
      ri.mr = ri.total;
      r.reward = ri.total;
      break;
    case RewardMode::kMr:
    case RewardMode::kMrDelta:
      if (done() || rc.window == 0) {
        ri.mr = ri.total;  // nothing left to play: every sample is the conversation itself
        ri.remote_rollouts = remote_futures();
      } else if (remote_futures()) {
        // The rollout agent plays the futures; MrBatch::run() completes the reward.
        r.obs.turn = turn_;
        observe_into(out);
        if (batch != nullptr) {
          batch->add(this, &r);
        } else {
          MrBatch own;
          own.add(this, &r);
          own.run();
        }
        return;
      } else {
        sample_mr(&ri, r.info.user ? &*r.info.user : nullptr);
      }
      r.reward = rc.mode == RewardMode::kMr ? ri.mr : ri.mr - prev_mr_;
      prev_mr_ = ri.mr;
      break;
  }
  r.obs.turn = turn_;
  observe_into(out);
}

double Env::step_cost() const {
  const RewardConfig& rc = cfg_->reward;
  const bool mr = rc.mode == RewardMode::kMr || rc.mode == RewardMode::kMrDelta;
  return mr ? 1.0 + static_cast<double>(rc.samples) * rc.window : 1.0;
}

double Env::conversation_reward(RewardInfo* out) const {
  return collab::conversation_reward(cfg_->reward, episode().score().task, events_, agent_tokens_,
                                     out);
}

Action Env::rollout_action(Rng& rng) const {
  if (cfg_->custom_policy) return (*cfg_->custom_policy)(observe(), rng);
  const std::string& p = cfg_->reward.rollout_policy;
  if (p == "expert") return task_->expert(*episode_, rng);
  if (p == "passive") return task_->passive(*episode_, rng);
  return Action::from_act(random_legal_act(mask_, rng));
}

void Env::sample_mr(RewardInfo* out, UserTurnInfo* user) const {
  const RewardConfig& rc = cfg_->reward;
  struct Sample {
    double value = 0;
    int calls = 0, fallbacks = 0;
  };
  std::vector<Sample> samples(static_cast<size_t>(rc.samples));
  auto play = [&](int s) {
    Env sim(*this);
    sim.stream_base_ = derive_seed(stream_base_, static_cast<uint64_t>(turn_), Stream::kMrSample,
                                   static_cast<uint64_t>(s));
    Sample& out_s = samples[static_cast<size_t>(s)];
    for (int k = 0; k < rc.window && !sim.done(); ++k) {
      Rng rng(derive_seed(sim.stream_base_, static_cast<uint64_t>(sim.turn_), Stream::kPolicy));
      StepInfo si;
      sim.advance(sim.rollout_action(rng), &si);
      if (si.user) {
        out_s.calls += si.user->calls;
        out_s.fallbacks += si.user->fallback.empty() ? 0 : 1;
      }
    }
    out_s.value = sim.conversation_reward();
  };
  // With an external user each forward turn waits on a call: the samples' futures run at once, one
  // thread each (they share nothing mutable; each has its own streams, so results do not depend
  // on the timing). An in-process rollout policy is not assumed thread-safe: it runs them in turn.
  if (cfg_->user && !cfg_->custom_policy && rc.samples > 1) {
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> errors(samples.size());
    threads.reserve(samples.size());
    for (int s = 0; s < rc.samples; ++s) {
      threads.emplace_back([&, s] {
        try {
          play(s);
        } catch (...) {
          errors[static_cast<size_t>(s)] = std::current_exception();
        }
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  } else {
    for (int s = 0; s < rc.samples; ++s) play(s);
  }
  double sum = 0, sum_sq = 0;
  for (const Sample& smp : samples) {
    sum += smp.value;
    sum_sq += smp.value * smp.value;
    if (user != nullptr) {
      user->turn_calls += smp.calls;
      user->turn_fallbacks += smp.fallbacks;
    }
  }
  const double n = rc.samples;
  out->mr = sum / n;
  out->spread = std::sqrt(std::max(0.0, sum_sq / n - out->mr * out->mr));
  out->samples = rc.samples;
}

Observation Env::observe(std::string text) const {
  Observation o;
  o.text = std::move(text);
  o.features.resize(task_->feature_names().size());
  o.act_features.resize(task_->acts().size() * task_->act_feature_names().size());
  o.action_mask.resize(task_->acts().size());
  observe_into({o.features, o.act_features, o.action_mask});
  o.turn = turn_;
  return o;
}

void Env::observe_into(const ObservationView& out) const {
  const Episode& ep = episode();
  COLLAB_CHECK(out.features.size() == task_->feature_names().size());
  COLLAB_CHECK(out.act_features.size() == task_->acts().size() * task_->act_feature_names().size());
  COLLAB_CHECK(out.action_mask.size() == mask_.size());
  std::fill(out.features.begin(), out.features.end(), 0.0f);
  ep.features(out.features);
  if (!out.act_features.empty()) {
    std::fill(out.act_features.begin(), out.act_features.end(), 0.0f);
    ep.act_features(out.act_features);
  }
  std::copy(mask_.begin(), mask_.end(), out.action_mask.begin());
}

void Env::set_rollout_policy(RolloutPolicy policy) {
  auto cfg = std::make_shared<Config>(*cfg_);
  cfg->custom_policy = policy ? std::make_shared<const RolloutPolicy>(std::move(policy)) : nullptr;
  cfg_ = std::move(cfg);
}

namespace {

// A float32 Box for spec(): its shape and the bounds of each feature (of each column, for act
// features), null where a bound is infinite (JSON has no infinity).
nlohmann::json box_json(std::vector<size_t> shape, const std::vector<FeatureRange>& ranges) {
  nlohmann::json low = nlohmann::json::array(), high = nlohmann::json::array();
  for (const FeatureRange& r : ranges) {
    low.push_back(std::isfinite(r.low) ? nlohmann::json(r.low) : nlohmann::json(nullptr));
    high.push_back(std::isfinite(r.high) ? nlohmann::json(r.high) : nlohmann::json(nullptr));
  }
  return {{"shape", std::move(shape)}, {"dtype", "float32"}, {"low", low}, {"high", high}};
}

}  // namespace

nlohmann::json Env::make_spec() const {
  const auto& acts = task_->acts();
  const auto& feats = task_->feature_names();
  const auto& act_feats = task_->act_feature_names();
  nlohmann::json options = nlohmann::json::object();
  for (const auto& o : all_options()) options[o.name] = o.to_json();
  return {
      {"id", task_->id()},
      {"name", task_->name()},
      {"version", task_->version()},
      {"description", task_->description()},
      {"instructions", render_instructions(task_->instructions(), cfg_->max_turns)},
      {"acts", acts},
      {"features", feats},
      {"act_features", act_feats},
      {"action_space", {{"type", "masked_discrete"}, {"n", acts.size()}, {"text", true}}},
      {"observation_space",
       {{"features", box_json({feats.size()}, task_->feature_ranges())},
        {"act_features", box_json({acts.size(), act_feats.size()}, task_->act_feature_ranges())},
        {"action_mask", {{"shape", {acts.size()}}, {"dtype", "uint8"}}},
        {"text", "string"},
        {"turn", "int"}}},
      {"max_turns", cfg_->max_turns},
      {"reward", cfg_->reward.to_json()},
      {"options", options},
      {"task_options", cfg_->task_options},
      // Built-in policies that read the task's dialogue state (never the goal): baselines only,
      // not agents a remote client could be.
      {"policies",
       {{"random", {{"privileged", false}}},
        {"passive", {{"privileged", true}}},
        {"expert", {{"privileged", true}}}}},
      {"scenario", task_->scenario_info()},
      // The external user simulator taking part (docs/external-users.md), null for the task's own.
      {"user", cfg_->user ? nlohmann::json(cfg_->user->name()) : nlohmann::json(nullptr)},
  };
}

namespace {

// Builds the JSON form of StepInfo from visit_step_info.
struct JsonInfoWriter {
  nlohmann::json* out;
  template <class T>
  void field(std::string_view key, const std::optional<T>& v) {
    (*out)[std::string(key)] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  }
  template <class T>
  void field(std::string_view key, const T& v) {
    (*out)[std::string(key)] = v;
  }
  template <class F>
  void map(std::string_view key, int, F&& body) {
    nlohmann::json* parent = out;
    nlohmann::json child = nlohmann::json::object();
    out = &child;
    body();
    out = parent;
    (*out)[std::string(key)] = std::move(child);
  }
};

}  // namespace

nlohmann::json Env::info_json(const Task& task, const StepInfo& i) {
  nlohmann::json j = nlohmann::json::object();
  JsonInfoWriter w{&j};
  visit_step_info(task, i, w);
  return j;
}

}  // namespace collab
