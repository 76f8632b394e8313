#include "env/env.h"

#include <fmt/format.h>

#include <cmath>
#include <random>

#include "env/error.h"
#include "env/text.h"
#include "env/tokens.h"

namespace collab {

namespace {

constexpr const char* kFrameworkKeys[] = {"max_turns", "scenario"};

std::vector<std::string> known_keys(const Task& task) {
  std::vector<std::string> keys(std::begin(kFrameworkKeys), std::end(kFrameworkKeys));
  const nlohmann::json reward_keys = RewardConfig::defaults();
  const nlohmann::json task_keys = task.option_defaults();
  for (const auto& [k, v] : reward_keys.items()) keys.push_back(k);
  for (const auto& [k, v] : task_keys.items()) keys.push_back(k);
  return keys;
}

[[noreturn]] void unknown_option(const std::string& key, const std::vector<std::string>& known,
                                 const std::string& where) {
  auto near = text::did_you_mean(key, known);
  throw InvalidOption(fmt::format("unknown option '{}' for {}{}; known options: {}", key, where,
                                  near.empty() ? "" : "; did you mean " + text::join_or(near) + "?",
                                  fmt::join(known, ", ")));
}

}  // namespace

Env::Env(std::shared_ptr<const Task> task, const nlohmann::json& options) : task_(std::move(task)) {
  COLLAB_CHECK(task_ != nullptr);
  if (!options.is_null() && !options.is_object()) {
    throw InvalidOption(fmt::format("options must be a JSON object, got {}", options.dump()));
  }
  auto cfg = std::make_shared<Config>();
  const auto known = known_keys(*task_);
  cfg->task_options = task_->option_defaults();
  if (options.is_object()) {
    for (const auto& [k, v] : options.items()) {
      if (std::find(known.begin(), known.end(), k) == known.end())
        unknown_option(k, known, task_->id());
      if (cfg->task_options.contains(k)) cfg->task_options[k] = v;
    }
  }
  const nlohmann::json opts = options.is_object() ? options : nlohmann::json::object();
  cfg->reward = RewardConfig::from_options(opts);
  cfg->max_turns = task_->default_max_turns();
  if (opts.contains("max_turns")) {
    const auto& v = opts.at("max_turns");
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 10000) {
      throw InvalidOption(
          fmt::format("option 'max_turns' = {}: expected an integer in [1, 10000]", v.dump()));
    }
    cfg->max_turns = v.get<int>();
  }
  if (opts.contains("scenario") && !opts.at("scenario").is_string()) {
    throw InvalidOption(fmt::format("option 'scenario' = {}: expected a file path (string)",
                                    opts.at("scenario").dump()));
  }
  task_->validate_options(cfg->task_options);
  cfg->options = opts;
  cfg_ = std::move(cfg);
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
      mask_(o.mask_) {}

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
  std::shared_ptr<const nlohmann::json> ep_opts;
  if (options.is_object() && !options.empty()) {
    auto merged = cfg_->task_options;
    std::vector<std::string> task_keys;
    for (const auto& [k, v] : merged.items()) task_keys.push_back(k);
    for (const auto& [k, v] : options.items()) {
      if (!merged.contains(k)) {
        unknown_option(k, task_keys,
                       task_->id() +
                           " reset() (reset options may set the task's own options; "
                           "reward and limits are fixed when the environment is made)");
      }
      merged[k] = v;
    }
    task_->validate_options(merged);
    ep_opts = std::make_shared<const nlohmann::json>(std::move(merged));
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
  return ResetResult{observe(episode_->opening()), episode_seed_};
}

std::optional<int32_t> Env::resolve(const Action& action, std::string* agent_text) const {
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
    *agent_text = action.text.empty() ? task_->render(a) : action.text;
    return a;
  }
  if (action.text.empty()) {
    throw InvalidAction(
        fmt::format("{}: empty action; set its text, its act, or both", task_->id()));
  }
  *agent_text = action.text;
  return task_->parse(action.text, *episode_);
}

std::string Env::advance(const Action& action, StepInfo* info) {
  require_live("step()");
  std::string agent_text;
  const std::optional<int32_t> act = resolve(action, &agent_text);
  const int tokens = count_tokens(agent_text);
  ++turn_;
  agent_tokens_ += tokens;
  Rng user_rng(derive_seed(stream_base_, static_cast<uint64_t>(turn_), Stream::kUser));
  UserReply reply = episode_->respond(act, user_rng);
  if (reply.event) events_.add(*reply.event);
  terminated_ = reply.ended;
  truncated_ = !terminated_ && turn_ >= cfg_->max_turns;
  episode_->mask(mask_);
  if (info != nullptr) {
    info->act = act;
    info->understood = act.has_value();
    info->agent_text = std::move(agent_text);
    info->agent_tokens = tokens;
    info->event = reply.event;
  }
  return std::move(reply.text);
}

StepResult Env::step(const Action& action) {
  StepResult r;
  std::string user_text = advance(action, &r.info);
  r.terminated = terminated_;
  r.truncated = truncated_;

  const Score sc = episode_->score();
  r.info.score = sc.task;
  r.info.success = sc.success;
  RewardInfo& ri = r.info.reward;
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
      } else {
        sample_mr(&ri);
      }
      r.reward = rc.mode == RewardMode::kMr ? ri.mr : ri.mr - prev_mr_;
      prev_mr_ = ri.mr;
      break;
  }
  r.obs = observe(std::move(user_text));
  return r;
}

double Env::conversation_reward(RewardInfo* out) const {
  return collab::conversation_reward(cfg_->reward, episode().score().task, events_, agent_tokens_,
                                     out);
}

Action Env::rollout_action(Rng& rng) const {
  if (cfg_->custom_policy) return (*cfg_->custom_policy)(*this, rng);
  const std::string& p = cfg_->reward.rollout_policy;
  if (p == "expert") return Action::from_act(task_->expert_act(*episode_, rng));
  if (p == "passive") return Action::from_act(task_->passive_act(*episode_, rng));
  // random: uniform over legal acts
  size_t legal = 0;
  for (uint8_t m : mask_) legal += m;
  COLLAB_CHECK(legal > 0);
  size_t k = rng.below(legal);
  for (size_t a = 0; a < mask_.size(); ++a) {
    if (mask_[a] && k-- == 0) return Action::from_act(static_cast<int32_t>(a));
  }
  COLLAB_CHECK(false);
  return {};
}

void Env::sample_mr(RewardInfo* out) const {
  const RewardConfig& rc = cfg_->reward;
  double sum = 0, sum_sq = 0;
  for (int s = 0; s < rc.samples; ++s) {
    Env sim(*this);
    sim.stream_base_ = derive_seed(stream_base_, static_cast<uint64_t>(turn_), Stream::kMrSample,
                                   static_cast<uint64_t>(s));
    for (int k = 0; k < rc.window && !sim.done(); ++k) {
      Rng rng(derive_seed(sim.stream_base_, static_cast<uint64_t>(sim.turn_), Stream::kPolicy));
      sim.advance(sim.rollout_action(rng));
    }
    const double v = sim.conversation_reward();
    sum += v;
    sum_sq += v * v;
  }
  const double n = rc.samples;
  out->mr = sum / n;
  out->spread = std::sqrt(std::max(0.0, sum_sq / n - out->mr * out->mr));
  out->samples = rc.samples;
}

Observation Env::observe(std::string text) const {
  Observation o;
  o.text = std::move(text);
  o.features.assign(task_->feature_names().size(), 0.0f);
  episode().features(o.features);
  o.action_mask = mask_;
  o.turn = turn_;
  return o;
}

void Env::set_rollout_policy(RolloutPolicy policy) {
  auto cfg = std::make_shared<Config>(*cfg_);
  cfg->custom_policy = policy ? std::make_shared<const RolloutPolicy>(std::move(policy)) : nullptr;
  cfg_ = std::move(cfg);
}

nlohmann::json Env::spec() const {
  const auto& acts = task_->acts();
  const auto& feats = task_->feature_names();
  return {
      {"id", task_->id()},
      {"name", task_->name()},
      {"version", task_->version()},
      {"description", task_->description()},
      {"acts", acts},
      {"features", feats},
      {"action_space", {{"type", "masked_discrete"}, {"n", acts.size()}, {"text", true}}},
      {"observation_space",
       {{"features", {{"shape", {feats.size()}}, {"dtype", "float32"}}},
        {"action_mask", {{"shape", {acts.size()}}, {"dtype", "uint8"}}},
        {"text", "string"},
        {"turn", "int"}}},
      {"max_turns", cfg_->max_turns},
      {"reward", cfg_->reward.to_json()},
      {"task_options", cfg_->task_options},
      {"scenario", task_->scenario_info()},
  };
}

nlohmann::json Env::info_json(const Task& task, const StepInfo& i) {
  nlohmann::json act = nullptr;
  if (i.act) act = task.acts()[static_cast<size_t>(*i.act)];
  const RewardInfo& r = i.reward;
  return {{"act", act},
          {"act_index", i.act ? nlohmann::json(*i.act) : nlohmann::json(nullptr)},
          {"understood", i.understood},
          {"agent_text", i.agent_text},
          {"agent_tokens", i.agent_tokens},
          {"event", i.event ? nlohmann::json(std::string(to_string(*i.event))) : nlohmann::json()},
          {"score", i.score},
          {"success", i.success},
          {"reward",
           {{"task", r.task},
            {"interactivity", r.interactivity},
            {"token_cost", r.token_cost},
            {"total", r.total},
            {"mr", r.mr},
            {"spread", r.spread},
            {"samples", r.samples}}}};
}

}  // namespace collab
