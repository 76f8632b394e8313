// The environment: one conversation with a simulated user, Gymnasium semantics (DESIGN §3).
//
//   Env env = registry.make("twenty_questions-v0", {{"reward", "mr"}});
//   auto [obs, seed] = env.reset(42);
//   StepResult r = env.step(Action::from_text("Is it alive?"));
//
// Contract:
//  * reset(seed) starts a new episode. With a seed, the episode is a pure function of (seed,
//  actions);
//    without one, the seed is drawn from the Env's own stream (itself seeded by the last explicit
//    seed, or by the OS the first time), and reported in ResetResult::seed.
//  * step() before reset() or after terminated/truncated throws ResetNeeded. An act index out of
//    range, or masked, throws InvalidAction naming the act. Free text is always answered: text that
//    parses to nothing gets a confused reply and still counts as a turn; text that parses to a
//    masked act is answered as said (the mask constrains the act channel only).
//  * truncated is set by the framework when the turn limit (option max_turns) is reached without
//    the task ending; terminated by the task.
//  * clone() copies the whole episode, RNG streams included: stepping the copy with the same
//  actions
//    gives the same results and never touches the original.
//  * Not thread-safe: one Env per thread. Different Envs may share a Task across threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <mutex>
#include <optional>
#include <vector>

#include "env/reward.h"
#include "env/rng.h"
#include "env/rollout_agent.h"
#include "env/task.h"
#include "env/types.h"
#include "env/user.h"

namespace collab {

class Env;

// A policy for MR forward samples: picks the next action from what an agent sees, using `rng` (this
// turn's policy stream). Like every agent, it sees only the observation.
using RolloutPolicy = std::function<Action(const Observation& obs, Rng& rng)>;

// MR futures played by a rollout agent (env/rollout_agent.h) for several environments stepped
// together (VectorEnv::step, the server's step_many). Pass one to Env::step_into: an environment
// whose futures need the agent leaves its reward pending there; run() then plays every pending
// environment's futures depth by depth, one act_many() call per depth for all of them, and
// completes each StepResult (reward, info.reward). Environments with other rollout policies
// finish inside step_into as usual. add() is thread-safe; run() is called once, by one thread.
class MrBatch {
 public:
  bool empty() const { return jobs_.empty(); }
  size_t size() const { return jobs_.size(); }
  void run();

 private:
  friend class Env;
  struct Job {
    Env* env;
    StepResult* result;
  };
  void add(Env* env, StepResult* result);
  std::mutex mu_;
  std::vector<Job> jobs_;
};

class Env {
 public:
  // Options: reward keys (RewardConfig::option_specs), "max_turns", "scenario" (recorded; the
  // registry loads it), and the task's declared options (Task::options). Unknown keys and bad
  // values throw InvalidOption naming the key, the value and what is allowed.
  explicit Env(std::shared_ptr<const Task> task,
               const nlohmann::json& options = nlohmann::json::object());

  Env(const Env& other);
  Env& operator=(const Env& other);
  Env(Env&&) noexcept = default;
  Env& operator=(Env&&) noexcept = default;
  ~Env() = default;

  // `options` may override task options (split, noise…) for this episode only.
  ResetResult reset(std::optional<uint64_t> seed = std::nullopt,
                    const nlohmann::json& options = nlohmann::json::object());
  // reset() without building an Observation: returns the opening text; the caller reads the
  // arrays with observe_into (VectorEnv's autoreset path).
  std::string reset_episode(std::optional<uint64_t> seed = std::nullopt,
                            const nlohmann::json& options = nlohmann::json::object(),
                            uint64_t* used_seed = nullptr);
  StepResult step(const Action& action);
  // step() writing the observation's arrays into `out` (no allocation for them; see
  // ObservationView): r.obs gets the text and turn only. Used by VectorEnv and the server.
  // With `batch`, futures a rollout agent plays are left to batch->run() (see MrBatch).
  void step_into(const Action& action, const ObservationView& out, StepResult& r,
                 MrBatch* batch = nullptr);
  Env clone() const { return *this; }
  // JSON-serializable description (computed once when the Env is made; shared by its clones).
  const nlohmann::json& spec() const { return cfg_->spec; }

  // Inspection (never changes the episode).
  const Task& task() const { return *task_; }
  std::shared_ptr<const Task> task_ptr() const { return task_; }
  bool has_episode() const { return episode_ != nullptr; }
  const Episode& episode() const;  // throws ResetNeeded before the first reset()
  bool done() const { return terminated_ || truncated_; }
  bool terminated() const { return terminated_; }
  bool truncated() const { return truncated_; }
  int turn() const { return turn_; }
  int max_turns() const { return cfg_->max_turns; }
  uint64_t episode_seed() const { return episode_seed_; }
  int agent_tokens() const { return agent_tokens_; }
  const EventCounts& events() const { return events_; }
  const std::vector<uint8_t>& mask() const { return mask_; }
  const RewardConfig& reward_config() const { return cfg_->reward; }
  const nlohmann::json& options() const { return cfg_->options; }
  const nlohmann::json& episode_options() const { return *episode_options_; }
  int num_acts() const { return static_cast<int>(task_->acts().size()); }
  int num_features() const { return static_cast<int>(task_->feature_names().size()); }
  int num_act_features() const { return static_cast<int>(task_->act_feature_names().size()); }
  // Every option this Env accepts (framework, reward, task), declared with defaults and help.
  static OptionSpecs framework_options();
  OptionSpecs all_options() const;
  // Relative cost of one step() in units of one plain agent/user exchange: 1 for terminal and
  // immediate rewards, 1 + samples × window for MR. Servers use it to decide threading.
  double step_cost() const;

  // R* of the conversation as it stands (DESIGN §5).
  double conversation_reward(RewardInfo* out = nullptr) const;
  Observation observe(std::string text = {}) const;
  // Writes the current features, act features and mask into `out` (sizes F, A×K, A).
  void observe_into(const ObservationView& out) const;
  Score score() const { return episode().score(); }

  // In-process rollout policy for MR (e.g. a learner's own policy); replaces option rollout_policy.
  void set_rollout_policy(RolloutPolicy policy);
  // The external user named by option `user` (env/user.h), or nullptr for the rule-based user.
  const std::shared_ptr<UserModel>& user() const { return cfg_->user; }
  // The rollout agent named by option `rollout_policy`, or nullptr for a built-in policy.
  const std::shared_ptr<RolloutAgent>& rollout_agent() const { return cfg_->rollout_agent; }

  // Plays one agent turn like step() but computes no reward and no observation (rollouts,
  // benchmarks). Returns the user's reply text.
  std::string advance(const Action& action, StepInfo* info = nullptr);

  static nlohmann::json info_json(const Task& task, const StepInfo& info);

 private:
  struct Config {
    nlohmann::json options;       // validated, as given (plus defaults of the task's keys)
    nlohmann::json task_options;  // the task's keys, defaults filled in
    RewardConfig reward;
    int max_turns = 0;
    std::shared_ptr<const RolloutPolicy> custom_policy;  // set_rollout_policy
    std::shared_ptr<UserModel> user;                     // option `user` (find_user)
    std::shared_ptr<RolloutAgent> rollout_agent;         // option `rollout_policy`, if an agent
    nlohmann::json spec;
  };
  nlohmann::json make_spec() const;

  void require_live(const char* what) const;
  std::optional<int32_t> resolve(const Action& action, std::string* agent_text, Content* content,
                                 bool* from_text) const;
  Action rollout_action(Rng& rng) const;
  void sample_mr(RewardInfo* out, UserTurnInfo* user) const;
  // The futures of MR need the rollout agent (not an in-process policy).
  bool remote_futures() const { return cfg_->rollout_agent && !cfg_->custom_policy; }
  // The dialogue is kept (dialogue_) for an external user or a rollout agent.
  bool keeps_dialogue() const { return cfg_->user || cfg_->rollout_agent; }
  friend class MrBatch;
  // The user's reaction to the agent's turn when an external user takes part (user_turn.cpp).
  UserReply respond_with_user(const Action& action, std::optional<int32_t>* act, bool from_text,
                              const Rng& user_rng, StepInfo& si);
  nlohmann::json user_request(std::string_view op, const StepInfo& si, bool reads) const;

  std::shared_ptr<const Task> task_;
  std::shared_ptr<const Config> cfg_;
  std::unique_ptr<Episode> episode_;
  std::shared_ptr<const nlohmann::json> episode_options_;
  uint64_t env_seed_ = 0;  // last explicit reset seed (or OS entropy)
  uint64_t resets_since_seed_ = 0;
  uint64_t episode_seed_ = 0;
  uint64_t stream_base_ = 0;  // root of this episode's per-turn streams (re-keyed in MR samples)
  int turn_ = 0;
  int agent_tokens_ = 0;
  EventCounts events_;
  bool terminated_ = false;
  bool truncated_ = false;
  double prev_mr_ = 0;  // mr_delta potential
  std::vector<uint8_t> mask_;
  // With an external user or a rollout agent only: the messages so far, the user's opening first,
  // then agent and user alternately (what the external user and the rollout agent are sent).
  std::vector<std::string> dialogue_;
};

}  // namespace collab
