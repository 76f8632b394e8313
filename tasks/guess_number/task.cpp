// Guess the number — the tutorial task (docs/authoring.md walks through this file top to bottom).
// A larger task splits these sections into files of their own (see tasks/twenty_questions/).
#include "tasks/guess_number/task.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "env/instructions.h"
#include "env/error.h"
#include "env/text.h"

namespace collab::tasks::guess_number {

// ---- 1. Scenario: read and validate the data file -----------------------------------------------
// Every problem is collected with its JSON path (Problems), then thrown together, so that
// `collabgym scenarios validate` can report them all at once.

Setup Setup::load(const ScenarioFile& file) {
  Setup s;
  s.path = file.path;
  s.hash = file.hash;
  Problems pr(file.path);
  const nlohmann::json& j = file.json;
  if (!j.is_object()) {
    pr.add("", "expected a JSON object at the top level");
    pr.throw_if_any();
  }
  static const std::set<std::string> kKeys = {"task",       "description", "instructions",
                                              "low",        "high",        "thresholds",
                                              "patience",   "max_wrong_guesses"};
  for (const auto& [k, v] : j.items()) {
    if (!kKeys.contains(k)) {
      pr.add("/" + k, fmt::format("unknown key; expected one of: {}", fmt::join(kKeys, ", ")));
    }
  }
  if (const auto* t = pr.string(j, "task", ""); t && *t != kName) {
    pr.add("/task", fmt::format("expected \"{}\", got {}", kName, t->dump()));
  }
  auto integer = [&](const char* key, long long lo, long long hi, int* out) {
    if (!j.contains(key)) return pr.add(std::string("/") + key, "missing; expected an integer");
    const auto& v = j.at(key);
    if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
      return pr.add(std::string("/") + key,
                    fmt::format("expected an integer in [{}, {}], got {}", lo, hi, v.dump()));
    }
    *out = v.get<int>();
  };
  if (auto text = read_scenario_instructions(j, pr)) s.instructions = std::move(*text);
  integer("low", 0, 1000000, &s.low);
  integer("high", 0, 1000000, &s.high);
  integer("patience", 1, 1000, &s.patience);
  if (j.contains("max_wrong_guesses")) integer("max_wrong_guesses", 1, 1000, &s.max_wrong_guesses);
  if (s.high - s.low < 1) {
    pr.add("/high", fmt::format("expected high > low (both splits need numbers), got low {} and "
                                "high {}", s.low, s.high));
  }
  if (const auto* th = pr.array(j, "thresholds", "")) {
    if (th->empty()) pr.add("/thresholds", "expected at least one threshold");
    for (size_t i = 0; i < th->size(); ++i) {
      const auto& v = (*th)[i];
      const std::string at = fmt::format("/thresholds/{}", i);
      if (!v.is_number_integer()) {
        pr.add(at, fmt::format("expected an integer, got {}", v.dump()));
        continue;
      }
      const int t = v.get<int>();
      if (t < s.low || t >= s.high) {
        pr.add(at, fmt::format("{} is outside [low, high) = [{}, {})", t, s.low, s.high));
      } else if (!s.thresholds.empty() && t <= s.thresholds.back()) {
        pr.add(at, fmt::format("{} does not increase on the previous threshold {}", t,
                               s.thresholds.back()));
      } else {
        s.thresholds.push_back(t);
      }
    }
  }
  pr.throw_if_any();
  return s;
}

// ---- 2. The task: acts, features, options, sampling a goal ---------------------------------------

GuessNumber::GuessNumber(Setup setup) : setup_(std::move(setup)) {
  for (int t : setup_.thresholds) acts_.push_back(fmt::format("ask:above:{}", t));
  acts_.push_back("guess");
  features_ = {"low_known", "high_known", "width_known", "turns_used", "wrong_guesses"};
  // Per act: is it the guess; the share of still-possible numbers for which the user would say
  // yes (for the guess: the chance its composed number is right); would the answer be new.
  act_features_ = {"is_guess", "yes_share", "informative"};
  // Every feature is a share of the range, of the patience or of the wrong guesses allowed (the
  // user stops at either limit), or a flag: all in [0, 1]. Gymnasium's Boxes use these bounds.
  feature_ranges_.assign(features_.size(), FeatureRange::unit());
  act_feature_ranges_.assign(act_features_.size(), FeatureRange::unit());
  // Declared once: the framework validates, fills defaults, and lists them in spec() and --help.
  options_ = {OptionSpec::choice("split", "train", {"train", "test", "all"},
                                 "which numbers the user may pick: even (train), odd (test), all")};
}

std::shared_ptr<const Task> GuessNumber::from_file(const std::string& path) {
  return std::make_shared<const GuessNumber>(Setup::load(load_scenario_file(path)));
}

// What an agent is told (env/instructions.h); a scenario's "instructions" replace it.
std::string GuessNumber::instructions() const {
  static constexpr const char* kDefault =
      R"(You are guessing a whole number the user has in mind, in a known range.
- Ask "Is it above <T>?" for a threshold T the user answers about (the multiples listed in the task's acts); the user says yes or no.
- Guess with "Is it <N>?"; a right guess wins. You have {max_turns} messages at most, and too many wrong guesses end the game.
How your messages are read: the first number in your message is read; after "above" (or "more than") it is a question, otherwise a guess. A message without a number gets a puzzled reply and still costs a turn.)";
  return setup_.instructions.empty() ? std::string(kDefault) : setup_.instructions;
}

std::string GuessNumber::description() const {
  return fmt::format(
      "Guess the number in [{}, {}]: ask whether it is above a threshold, then guess (tutorial "
      "task).",
      setup_.low, setup_.high);
}

std::unique_ptr<Episode> GuessNumber::new_episode(Rng& rng, const nlohmann::json& o) const {
  const std::string split = o.at("split").get<std::string>();
  const auto span = static_cast<uint64_t>(setup_.high - setup_.low + 1);
  int target = 0;
  do {  // rejection sampling: a number of the split's parity
    target = setup_.low + static_cast<int>(rng.below(span));
  } while ((split == "train" && target % 2 != 0) || (split == "test" && target % 2 == 0));
  return std::make_unique<Game>(this, target);
}

nlohmann::json GuessNumber::scenario_info() const {
  return {{"path", setup_.path},
          {"hash", setup_.hash},
          {"low", setup_.low},
          {"high", setup_.high},
          {"thresholds", setup_.thresholds.size()}};
}

// ---- 3. The simulated user ------------------------------------------------------------------------

Game::Game(const GuessNumber* task, int target)
    : task_(task), target_(target), lo_(task->setup().low), hi_(task->setup().high) {}

std::string Game::opening() const {
  // Vague on purpose: it says nothing about the number beyond the range.
  return fmt::format("I'm thinking of a whole number between {} and {}. Find it!",
                     task_->setup().low, task_->setup().high);
}

UserReply Game::respond(const AgentTurn& turn, Rng&) {
  const Setup& s = task_->setup();
  UserReply r;
  ++turns_;
  if (!turn.act) {
    r.text = fmt::format("Sorry? Ask me \"Is it above T?\" (T one of {}), or guess a number.",
                         fmt::join(s.thresholds, ", "));
  } else if (*turn.act < task_->guess_act()) {
    const int t = s.thresholds[static_cast<size_t>(*turn.act)];
    // A question whose answer the earlier answers already imply teaches nothing.
    r.event = (t >= lo_ && t < hi_) ? Event::kInformative : Event::kRedundant;
    if (target_ > t) {
      lo_ = std::max(lo_, t + 1);
      r.text = "Yes.";
    } else {
      hi_ = std::min(hi_, t);
      r.text = "No.";
    }
  } else {
    // The guess carries its number: composed in act mode, read from the words in text mode.
    const double x = turn.content.number.value_or(middle_open());
    const auto n = static_cast<long long>(std::llround(x));
    if (n == target_) {
      solved_ = true;
      r.ended = true;
      r.text = fmt::format("Yes! It's {}. You found it in {} turn{}.", n, turns_,
                           turns_ == 1 ? "" : "s");
      return r;
    }
    // Guessing a number the answers already ruled out (or guessed before) ignores the user.
    const bool known_wrong = n < lo_ || n > hi_ ||
                             std::find(guessed_.begin(), guessed_.end(), n) != guessed_.end();
    if (known_wrong) r.event = Event::kIgnored;
    if (!known_wrong) guessed_.push_back(static_cast<int>(n));
    r.text = fmt::format("No, it's not {}.", n);
    if (static_cast<int>(guessed_.size()) >= s.max_wrong_guesses) {
      gave_up_ = true;
      r.ended = true;
      r.text += fmt::format(" That's {} wrong guesses, I give up. It was {}.", guessed_.size(),
                            target_);
      return r;
    }
  }
  if (turns_ >= s.patience) {
    r.ended = true;
    r.text += fmt::format(" That's enough turns. It was {}.", target_);
  }
  return r;
}

// ---- 4. The evaluator -----------------------------------------------------------------------------

Score Game::score() const {
  // Success, discounted by turns used: 1.0 on the first turn, 0.5 on the last.
  const int patience = task_->setup().patience;
  return {solved_ ? 1.0 - 0.5 * (turns_ - 1) / std::max(1, patience - 1) : 0.0, solved_};
}

nlohmann::json Game::score_components() const {
  return {{"turns_used", turns_},
          {"wrong_guesses", guessed_.size()},
          {"solved", solved_},
          {"gave_up", gave_up_}};
}

int Game::open_count() const {
  int n = hi_ - lo_ + 1;
  for (int g : guessed_) n -= g >= lo_ && g <= hi_;
  return n;
}

int Game::middle_open() const {
  std::vector<int> open;
  for (int x = lo_; x <= hi_; ++x) {
    if (std::find(guessed_.begin(), guessed_.end(), x) == guessed_.end()) open.push_back(x);
  }
  return open.empty() ? (lo_ + hi_) / 2 : open[(open.size() - 1) / 2];
}

// ---- 5. What the agent sees: features, act features, mask ----------------------------------------

void Game::features(std::span<float> out) const {
  const Setup& s = task_->setup();
  const auto range = static_cast<float>(s.high - s.low);
  out[0] = static_cast<float>(lo_ - s.low) / range;
  out[1] = static_cast<float>(hi_ - s.low) / range;
  out[2] = static_cast<float>(hi_ - lo_) / range;
  out[3] = static_cast<float>(turns_) / static_cast<float>(s.patience);
  out[4] = static_cast<float>(guessed_.size()) / static_cast<float>(s.max_wrong_guesses);
}

void Game::act_features(std::span<float> out) const {
  // Row-major [A][K]; from the interval the dialogue allows, never from target_.
  const auto& th = task_->setup().thresholds;
  const auto width = static_cast<float>(hi_ - lo_ + 1);
  for (size_t a = 0; a < th.size(); ++a) {
    const int t = th[a];
    const int above = std::clamp(hi_ - t, 0, hi_ - lo_ + 1);
    out[a * 3 + 0] = 0.0f;
    out[a * 3 + 1] = static_cast<float>(above) / width;
    out[a * 3 + 2] = (t >= lo_ && t < hi_) ? 1.0f : 0.0f;
  }
  const size_t g = th.size() * 3;
  out[g + 0] = 1.0f;
  out[g + 1] = 1.0f / static_cast<float>(std::max(1, open_count()));
  out[g + 2] = 1.0f;
}

void Game::mask(std::span<uint8_t> out) const {
  const auto& th = task_->setup().thresholds;
  for (size_t a = 0; a < th.size(); ++a) out[a] = th[a] >= lo_ && th[a] < hi_;
  out[th.size()] = 1;  // a guess is always possible
}

// ---- 6. The text channel --------------------------------------------------------------------------
// parse: "is it above 50" / "more than 50?" -> ask:above:50 (when 50 is a threshold); any other
// message with a number -> guess carrying that number ("I think it's 37"). render is the inverse.

Parsed Game::parse(std::string_view text) const {
  const std::string norm = text::normalize(text);
  const auto w = text::words(norm);
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i].empty() || w[i].size() > 9 ||
        !std::all_of(w[i].begin(), w[i].end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const int n = std::stoi(std::string(w[i]));
    const bool above = i >= 1 && (w[i - 1] == "above" || w[i - 1] == "over" ||
                                  (i >= 2 && w[i - 1] == "than" &&
                                   (w[i - 2] == "more" || w[i - 2] == "greater" ||
                                    w[i - 2] == "higher" || w[i - 2] == "bigger" ||
                                    w[i - 2] == "larger")));
    if (above) {
      const auto& th = task_->setup().thresholds;
      const auto it = std::find(th.begin(), th.end(), n);
      if (it == th.end()) return {};  // a threshold the user does not answer about
      return {static_cast<int32_t>(it - th.begin()), {}};
    }
    return {task_->guess_act(), Content{{}, static_cast<double>(n)}};
  }
  return {};
}

Content Game::compose(int32_t act) const {
  // The eager assumption: guess the middle of what is still possible.
  if (act == task_->guess_act()) return Content{{}, static_cast<double>(middle_open())};
  return {};
}

std::string Game::render(int32_t act, const Content& content) const {
  if (act < task_->guess_act()) {
    return fmt::format("Is it above {}?", task_->setup().thresholds[static_cast<size_t>(act)]);
  }
  return fmt::format("Is it {}?", std::llround(content.number.value_or(middle_open())));
}

// ---- 7. The built-in policies (privileged: dialogue state only, never target_) ------------------

Action GuessNumber::expert(const Game& g, Rng&) const {
  // Binary search over the thresholds: ask the one that splits the interval most evenly; guess
  // (the middle open number) when no threshold splits it any more.
  if (g.open_count() <= 1) return Action::from_act(guess_act());
  std::optional<size_t> best;
  double best_gap = 1;
  for (size_t a = 0; a < setup_.thresholds.size(); ++a) {
    const int t = setup_.thresholds[a];
    if (t < g.lo() || t >= g.hi()) continue;
    const double share = static_cast<double>(g.hi() - t) / (g.hi() - g.lo() + 1);
    if (std::abs(share - 0.5) < best_gap) {
      best_gap = std::abs(share - 0.5);
      best = a;
    }
  }
  return Action::from_act(best ? static_cast<int32_t>(*best) : guess_act());
}

Action GuessNumber::passive(const Game&, Rng&) const {
  return Action::from_act(guess_act());  // never asks: guesses the middle open number at once
}

}  // namespace collab::tasks::guess_number
