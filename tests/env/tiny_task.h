// A minimal task for framework tests: the user holds a digit in [0, 4); the agent may ask for it
// ("ask") or answer a digit ("answer:D", which ends the episode). Score 1 on a correct answer.
#pragma once

#include <fmt/format.h>

#include "env/error.h"
#include "env/task.h"

namespace collab::testing {

class TinyTask final : public Task {
 public:
  static constexpr int kDigits = 4;

  class Ep final : public Episode {
   public:
    explicit Ep(int digit) : digit_(digit) {}
    std::unique_ptr<Episode> clone() const override { return std::make_unique<Ep>(*this); }
    std::string opening() const override { return "Guess my digit."; }
    UserReply respond(std::optional<int32_t> act, Rng& rng) override {
      UserReply r;
      if (!act) {
        r.text = "Sorry, I don't follow.";
      } else if (*act == 0) {
        r.event = known_ ? Event::kRedundant : Event::kInformative;
        known_ = true;
        r.text = fmt::format("It is {} (noise {}).", digit_, rng.below(1000));
      } else {
        answered_ = *act - 1;
        r.ended = true;
        r.text = answered_ == digit_ ? "Right!" : "Wrong.";
      }
      return r;
    }
    Score score() const override {
      Score s;
      s.success = answered_ == digit_;
      s.task = s.success ? 1.0 : 0.0;
      return s;
    }
    void features(std::span<float> out) const override {
      out[0] = known_ ? 1.0f : 0.0f;
      out[1] = known_ ? static_cast<float>(digit_) : -1.0f;
    }
    void mask(std::span<uint8_t> out) const override {
      for (auto& m : out) m = 1;
    }
    std::string goal() const override { return std::to_string(digit_); }
    bool known() const { return known_; }
    int digit() const { return digit_; }

   private:
    int digit_;
    bool known_ = false;
    int answered_ = -1;
  };

  std::string name() const override { return "tiny"; }
  int version() const override { return 0; }
  std::string description() const override { return "test task"; }
  const std::vector<std::string>& acts() const override { return acts_; }
  const std::vector<std::string>& feature_names() const override { return features_; }
  int default_max_turns() const override { return 6; }
  nlohmann::json option_defaults() const override { return {{"level", 1}}; }
  void validate_options(const nlohmann::json& o) const override {
    if (!o.at("level").is_number_integer()) {
      throw InvalidOption(
          fmt::format("option 'level' = {}: expected an integer", o.at("level").dump()));
    }
  }
  std::unique_ptr<Episode> new_episode(Rng& rng, const nlohmann::json&) const override {
    return std::make_unique<Ep>(static_cast<int>(rng.below(kDigits)));
  }
  std::optional<int32_t> parse(std::string_view text, const Episode&) const override {
    if (text == "what is it?") return 0;
    if (text.size() == 1 && text[0] >= '0' && text[0] < '0' + kDigits) return 1 + (text[0] - '0');
    return std::nullopt;
  }
  std::string render(int32_t act) const override {
    return act == 0 ? "what is it?" : std::to_string(act - 1);
  }
  int32_t expert_act(const Episode& ep, Rng&) const override {
    const auto& e = dynamic_cast<const Ep&>(ep);
    return e.known() ? 1 + e.digit() : 0;
  }
  int32_t passive_act(const Episode&, Rng& rng) const override {
    return 1 + static_cast<int32_t>(rng.below(kDigits));
  }
  nlohmann::json scenario_info() const override { return {{"path", ""}, {"hash", ""}}; }

 private:
  std::vector<std::string> acts_{"ask", "answer:0", "answer:1", "answer:2", "answer:3"};
  std::vector<std::string> features_{"known", "digit"};
};

}  // namespace collab::testing
