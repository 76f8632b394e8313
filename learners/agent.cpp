// The "ppo:PATH" agent: a trained policy network acting greedily on the env's observations (the
// features and mask; the act features too for an act-scoring network).
#include "agents/agent.h"

#include <memory>
#include <string>
#include <vector>

#include "env/error.h"
#include "learners/learners.h"
#include "learners/policy.h"

namespace collab::learners {

namespace {

std::string join(const std::vector<std::string>& v, size_t max_items = 6) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > max_items) out += ", … (" + std::to_string(v.size()) + " in all)";
  return out;
}

// Describes the first difference between two name lists, or returns "" if they are equal.
std::string first_difference(const std::vector<std::string>& ckpt,
                             const std::vector<std::string>& env) {
  if (ckpt == env) return "";
  for (size_t i = 0; i < ckpt.size() && i < env.size(); ++i) {
    if (ckpt[i] != env[i]) {
      return "at index " + std::to_string(i) + " the checkpoint has '" + ckpt[i] +
             "' and the environment has '" + env[i] + "'";
    }
  }
  return "the checkpoint has " + std::to_string(ckpt.size()) + " (" + join(ckpt) +
         ") and the environment has " + std::to_string(env.size()) + " (" + join(env) + ")";
}

class PpoAgent final : public agents::Agent {
 public:
  explicit PpoAgent(std::string spec)
      : spec_(std::move(spec)), ckpt_(detail::load_checkpoint(spec_)) {
    task_id_ = ckpt_.meta.at("task").at("id").get<std::string>();
    features_ = ckpt_.meta.at("feature_names").get<std::vector<std::string>>();
    acts_ = ckpt_.meta.at("act_names").get<std::vector<std::string>>();
    scores_acts_ = ckpt_.net->kind() == detail::kActScoringPolicy;
    if (scores_acts_) {
      act_features_ = ckpt_.meta.at("act_feature_names").get<std::vector<std::string>>();
    }
  }

  std::string name() const override { return "ppo:" + spec_; }

  // Refuses an environment the checkpoint was not trained for, naming both sides.
  void begin(const nlohmann::json& spec, uint64_t) override {
    const std::string where = "agent '" + name() + "' (checkpoint " + ckpt_.path + ")";
    const std::string id = spec.at("id").get<std::string>();
    if (id != task_id_) {
      throw Error(where + " was trained on task " + task_id_ + " but the environment is " + id +
                  "; expected the same task id and version");
    }
    if (auto d = first_difference(features_, spec.at("features").get<std::vector<std::string>>());
        !d.empty()) {
      throw Error(where + ": feature names differ from the environment's (" + d +
                  "); expected the scenario layout the checkpoint was trained on");
    }
    if (scores_acts_) {
      // One network scores every act by its features: any act set of the task will do, as long
      // as each act is described the same way.
      if (auto d = first_difference(
              act_features_,
              spec.value("act_features", nlohmann::json::array()).get<std::vector<std::string>>());
          !d.empty()) {
        throw Error(where + ": act-feature names differ from the environment's (" + d +
                    "); expected the act features the checkpoint was trained on");
      }
    } else if (auto d = first_difference(acts_, spec.at("acts").get<std::vector<std::string>>());
               !d.empty()) {
      throw Error(where + ": act names differ from the environment's (" + d +
                  "); expected the scenario the checkpoint was trained on (an mlp policy has one "
                  "output per act)");
    }
    checked_ = true;
  }

  Action act(const Observation& obs, Rng&) override {
    if (!checked_) throw Error("agent '" + name() + "': act() before begin(spec, seed)");
    const size_t k = scores_acts_ ? act_features_.size() : 0;
    if (obs.features.size() != features_.size() ||
        (!scores_acts_ && obs.action_mask.size() != acts_.size()) ||
        (scores_acts_ && obs.act_features.size() != obs.action_mask.size() * k)) {
      throw Error("agent '" + name() + "': observation has " + std::to_string(obs.features.size()) +
                  " features, " + std::to_string(obs.action_mask.size()) + " acts and " +
                  std::to_string(obs.act_features.size()) +
                  " act-feature values; the checkpoint "
                  "expects " +
                  std::to_string(features_.size()) + " features and " +
                  (scores_acts_ ? std::to_string(k) + " act features per act"
                                : std::to_string(acts_.size()) + " acts"));
    }
    const auto f = static_cast<int64_t>(obs.features.size());
    const auto a = static_cast<int64_t>(obs.action_mask.size());
    torch::NoGradGuard no_grad;
    const detail::PolicyInput x{
        torch::from_blob(const_cast<float*>(obs.features.data()), {1, f}, torch::kFloat32),
        k > 0 ? torch::from_blob(const_cast<float*>(obs.act_features.data()),
                                 {1, a, static_cast<int64_t>(k)}, torch::kFloat32)
              : torch::empty({1, a, 0}),
        torch::from_blob(const_cast<uint8_t*>(obs.action_mask.data()), {1, a}, torch::kUInt8)};
    const int64_t act = ckpt_.net->policy(x).mode().item<int64_t>();
    if (!obs.action_mask.at(static_cast<size_t>(act))) {
      throw InvalidAction(name() + ": no legal act in this observation (all masked)");
    }
    return Action::from_act(static_cast<int32_t>(act));
  }

 private:
  std::string spec_;
  detail::Checkpoint ckpt_;
  std::string task_id_;
  std::vector<std::string> features_, acts_, act_features_;
  bool scores_acts_ = false;  // an act-scoring network (reads act features; any act count)
  bool checked_ = false;
};

}  // namespace

void register_agents() {
  agents::register_agent_loader("ppo", [](std::string_view arg) -> std::unique_ptr<agents::Agent> {
    return std::make_unique<PpoAgent>(std::string(arg));
  });
}

}  // namespace collab::learners
