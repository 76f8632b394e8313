// A minimal task for framework tests: the user holds a digit in [0, 4); the agent may ask for it
// ("ask") or answer a digit ("answer:D", which ends the episode). Score 1 on a correct answer.
#pragma once

#include <fmt/format.h>

#include "env/error.h"
#include "env/task.h"

namespace collab::testing {

inline constexpr int kTinyDigits = 4;

class TinyEp final : public EpisodeBase<TinyEp> {
   public:
    explicit TinyEp(int digit) : digit_(digit) {}
    std::string opening() const override { return "Guess my digit."; }
    UserReply respond(const AgentTurn& turn, Rng& rng) override {
      const std::optional<int32_t> act = turn.act;
      last_text_ = std::string(turn.text);
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
    Parsed parse(std::string_view text) const override {
      if (text == "what is it?") return {0, {}};
      if (text.size() == 1 && text[0] >= '0' && text[0] < '0' + kTinyDigits) {
        return {1 + (text[0] - '0'), {}};
      }
      return {};
    }
    std::string render(int32_t act, const Content&) const override {
      return act == 0 ? "what is it?" : std::to_string(act - 1);
    }
    std::string goal() const override { return std::to_string(digit_); }
    bool known() const { return known_; }
    int digit() const { return digit_; }
    const std::string& last_text() const { return last_text_; }  // what respond() was told

   private:
    int digit_;
    bool known_ = false;
    int answered_ = -1;
    std::string last_text_;
};

class TinyTask final : public TaskBase<TinyEp> {
 public:
  static constexpr int kDigits = kTinyDigits;
  using Ep = TinyEp;
  using TaskBase<TinyEp>::expert;
  using TaskBase<TinyEp>::passive;

  std::string name() const override { return "tiny"; }
  int version() const override { return 0; }
  std::string description() const override { return "test task"; }
  std::string instructions() const override { return "Say a number; {max_turns} turns."; }
  TinyTask() {
    acts_ = {"ask", "answer:0", "answer:1", "answer:2", "answer:3"};
    features_ = {"known", "digit"};
    options_ = {OptionSpec::integer("level", 1, 0, 9, "a test option")};
  }
  int default_max_turns() const override { return 6; }
  std::unique_ptr<Episode> new_episode(Rng& rng, const nlohmann::json&) const override {
    return std::make_unique<TinyEp>(static_cast<int>(rng.below(kDigits)));
  }
  nlohmann::json scenario_info() const override { return {{"path", ""}, {"hash", ""}}; }

 protected:
  Action expert(const Ep& e, Rng&) const override {
    return Action::from_act(e.known() ? 1 + e.digit() : 0);
  }
  Action passive(const Ep&, Rng& rng) const override {
    return Action::from_act(1 + static_cast<int32_t>(rng.below(kDigits)));
  }
};

}  // namespace collab::testing
