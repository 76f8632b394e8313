// The simulated user of math_qa: the loose opening, answers to questions (with the persona's
// hedges, slips and numbers in words), confirmations that correct slips, the verdict on an answer,
// and patience. Spec: README.md "User".
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tasks/math_qa/task.h"

namespace collab::tasks::math_qa {

namespace {

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

}  // namespace

Game::Game(const MathQa* task, const Problem* problem, std::vector<double> truth, Opening opening,
           const Persona* persona, double slip, int opener)
    : task_(task),
      p_(problem),
      truth_(std::move(truth)),
      answer_(*solve(*problem, truth_)),
      persona_(persona),
      slip_(slip),
      kind_(opening.kind),
      blur_number_(opening.shown_number),
      slipped_(problem->vars.size(), 0),
      known_(opening.shown),
      said_(opening.said),
      asked_(problem->vars.size(), 0) {
  // The statement with each placeholder filled as the opening presents it.
  const Setup& s = task_->setup();
  std::string text = p_->statement;
  for (size_t i = 0; i < p_->vars.size(); ++i) {
    const Variable& v = p_->vars[i];
    std::string shown;
    switch (known_[i]) {
      case Known::kClear:
      case Known::kHedged:
        shown = s.say(*p_, i, truth_[i]);
        break;
      case Known::kMissing:
        shown = v.missing;
        break;
      case Known::kVague:
        shown = v.vague;
        break;
      case Known::kRounded:
        shown = "about " + s.say(*p_, i, opening.shown_number[i]);
        break;
      case Known::kNoUnit:
        shown = format_number(opening.shown_number[i]);
        break;
    }
    const std::string key = "{" + v.name + "}";
    text.replace(text.find(key), key.size(), shown);
  }
  const auto& openers = s.openers;
  opening_ = openers[static_cast<size_t>(opener) % openers.size()] + text;
}

double Game::assumed(size_t i) const {
  const bool has = known_[i] != Known::kMissing && known_[i] != Known::kVague && !std::isnan(said_[i]);
  return has ? said_[i] : p_->vars[i].guess;
}

double Game::eager_answer() const { return math_qa::eager_answer(*p_, known_, said_); }

int Game::unresolved() const {
  return static_cast<int>(std::count_if(known_.begin(), known_.end(),
                                        [](Known k) { return k != Known::kClear; }));
}

std::string Game::say_value(size_t i, double value, Rng* rng) const {
  const Variable& v = p_->vars[i];
  const bool whole = std::abs(value - std::round(value)) < 1e-9 && value >= 0 && value <= 100;
  if (rng != nullptr && whole && v.format.rfind("{}", 0) == 0 && persona_->number_words > 0 &&
      rng->bernoulli(persona_->number_words)) {
    return fill(v.format, number_words(std::llround(value)));
  }
  return task_->setup().say(*p_, i, value);
}

UserReply Game::ask(size_t i, Rng& rng) {
  UserReply r;
  const Variable& v = p_->vars[i];
  if (known_[i] == Known::kClear) {
    r.event = Event::kRedundant;
    const std::string value = say_value(i, said_[i], nullptr);
    switch (task_->version() == 0 ? Voice::kPrecise : voice()) {
      case Voice::kPrecise:
        r.text = fmt::format("As I said, {} is {}.", v.label, value);
        break;
      case Voice::kCasual:
        r.text = fmt::format("I mentioned that already: {} is {}.", v.label, value);
        break;
      case Voice::kScattered:
        r.text = fmt::format("Didn't I say? {} is {}.", capitalized(v.label), value);
        break;
    }
    return r;
  }
  if (known_[i] == Known::kHedged || known_[i] == Known::kNoUnit) return confirm(i, rng);
  r.event = Event::kInformative;
  double value = truth_[i];
  bool hedged = persona_->hedge > 0 && rng.bernoulli(persona_->hedge);
  if (slip_ > 0 && rng.bernoulli(slip_)) {
    // A slip: a neighbouring value of the range (or half as much again), said with a hedge.
    const double step = v.value ? std::max(1.0, std::abs(value) * 0.5) : v.step;
    const double k = static_cast<double>(1 + rng.below(3));
    double wrong = value + (rng.bernoulli(0.5) ? k : -k) * step;
    if (!v.value && (wrong < v.lo || wrong > v.hi)) wrong = value + (wrong < v.lo ? k : -k) * step;
    if (wrong <= 0) wrong = value + k * step;
    value = std::round(wrong * 1e6) / 1e6;
    slipped_[i] = 1;
    hedged = true;
  }
  said_[i] = value;
  known_[i] = hedged ? Known::kHedged : Known::kClear;
  const std::string said = say_value(i, value, &rng);
  if (hedged) {
    r.text = fmt::format("I think {} is {}, but I'm not completely sure.", v.label, said);
  } else if (task_->version() == 0 || voice() == Voice::kPrecise) {
    r.text = fmt::format("{} is {}.", capitalized(v.label), said);
  } else if (voice() == Voice::kCasual) {
    r.text = fmt::format("Oh, {}? It's {}.", v.label, said);
  } else {
    r.text = fmt::format("Right, {} — that's {}.", v.label, said);
  }
  return r;
}

UserReply Game::confirm(size_t i, Rng& rng) {
  UserReply r;
  const Variable& v = p_->vars[i];
  const Setup& s = task_->setup();
  switch (known_[i]) {
    case Known::kClear:
      r.event = Event::kRedundant;
      r.text = fmt::format("Yes, {} is {}.", v.label, s.say(*p_, i, said_[i]));
      return r;
    case Known::kHedged:
      r.event = Event::kInformative;
      if (slipped_[i]) {
        r.text = fmt::format("Oh, sorry, I misremembered: {} is actually {}.", v.label,
                             s.say(*p_, i, truth_[i]));
      } else {
        r.text = fmt::format("Yes, I checked: {} is {}.", v.label, s.say(*p_, i, truth_[i]));
      }
      break;
    case Known::kNoUnit: {
      r.event = Event::kInformative;
      const Unit& bu = s.units[static_cast<size_t>(*v.blur_unit)];
      r.text = fmt::format("Sorry, I left out the unit: that's {}, so {} is {}.",
                           fill(bu.format, format_number(blur_number_[i])), v.label,
                           s.say(*p_, i, truth_[i]));
      break;
    }
    case Known::kMissing:
    case Known::kVague:
    case Known::kRounded:
      return ask(i, rng);
  }
  slipped_[i] = 0;
  said_[i] = truth_[i];
  known_[i] = Known::kClear;
  return r;
}

UserReply Game::respond(const AgentTurn& turn, Rng& rng) {
  UserReply r;
  ++turns_;
  const size_t n = p_->vars.size();
  if (!turn.act && task_->version() >= 1) {
    r = not_acted_on(turn.text);
  } else if (!turn.act) {
    if (task_->is_question(turn.text)) {
      // A question about something the problem does not contain.
      r.event = Event::kIrrelevant;
      if (task_->asks_for_unknown(*p_, turn.text)) {
        r.text = fmt::format("That's what I'd like you to work out: {}.", p_->answer_label);
      } else {
        std::vector<std::string> labels;
        for (const auto& v : p_->vars) labels.push_back(v.label);
        r.text = fmt::format("I'm not sure, that isn't part of the problem. It only mentions {}.",
                             fmt::join(labels, ", "));
      }
    } else {
      r.text = "Sorry, I don't follow. You can ask me about the numbers in the problem, or tell me "
               "your answer.";
    }
  } else if (*turn.act == task_->answer_act()) {
    answered_ = true;
    given_ = turn.content.number.value_or(std::nan(""));
    correct_ = turn.content.number.has_value() && p_->correct(given_, answer_);
    r.ended = true;
    const std::string ans = task_->setup().say_answer(*p_, answer_);
    if (correct_ || task_->version() == 0) {
      r.text = correct_ ? fmt::format("That's right: {}. Thanks!", ans)
                        : fmt::format("Hmm, that's not right. {} should be {}.",
                                      capitalized(p_->answer_label), ans);
    } else {  // v1 says which number it took as the answer
      r.text = fmt::format("Hmm, {} isn't right. {} should be {}.",
                           task_->setup().say_answer(*p_, round_answer(given_)),
                           capitalized(p_->answer_label), ans);
    }
    return r;
  } else {
    const size_t slot = task_->slot_of(*turn.act);
    if (slot >= n) {
      r.event = Event::kIrrelevant;
      r.text = fmt::format("There are only {} quantit{} in this problem.", n, n == 1 ? "y" : "ies");
    } else {
      asked_[slot] = 1;
      if (task_->is_ask(*turn.act)) {
        ++questions_;
        r = ask(slot, rng);
      } else {
        ++confirms_;
        r = confirm(slot, rng);
      }
    }
  }
  if (turns_ >= persona_->patience) {
    gave_up_ = true;
    r.ended = true;
    r.text += " Never mind, I'll work it out myself.";
  }
  return r;
}

Game::Voice Game::voice() const {
  if (persona_->name == "precise") return Voice::kPrecise;
  if (persona_->name == "scattered") return Voice::kScattered;
  return Voice::kCasual;
}

// v1: a message the reader could not act on gets a reply that says why, in the persona's voice.
UserReply Game::not_acted_on(std::string_view text) const {
  using K = Understanding::Kind;
  UserReply r;
  const Understanding u = task_->understand(*p_, known_, text);
  const Voice v = voice();
  std::vector<std::string> labels;
  for (const auto& x : p_->vars) labels.push_back(x.label);
  switch (u.kind) {
    case K::kSeveral: {
      std::vector<std::string> named;
      for (size_t i : u.slots) {
        if (i < p_->vars.size()) named.push_back(p_->vars[i].label);
      }
      const std::string which = fmt::format("{}", fmt::join(named, " or "));
      r.text = v == Voice::kPrecise  ? fmt::format("One at a time, please: which do you need first, {}?", which)
               : v == Voice::kCasual ? fmt::format("Whoa, one thing at a time. {} first?", capitalized(which))
                                     : fmt::format("Sorry, that's a lot at once... {}? Ask me one.", capitalized(which));
      break;
    }
    case K::kUnsureAnswer: {
      const Setup& s = task_->setup();
      if (u.numbers.size() >= 2) {
        r.text = fmt::format("Is your answer {} or {}? I need a single number.",
                             s.say_answer(*p_, u.numbers[0]), s.say_answer(*p_, u.numbers[1]));
      } else if (u.numbers.size() == 1) {
        r.text = fmt::format("Is your answer {}? Please say it plainly.", s.say_answer(*p_, u.numbers[0]));
      } else {
        r.text = fmt::format("I need an actual number for {}, not an estimate in words.", p_->answer_label);
      }
      break;
    }
    case K::kUnknown:
      r.event = Event::kIrrelevant;
      r.text = v == Voice::kScattered
                   ? fmt::format("But that's what I'm asking you! {} is what I need.", capitalized(p_->answer_label))
                   : fmt::format("That's what I'd like you to work out: {}.", p_->answer_label);
      break;
    case K::kOutside:
      r.event = Event::kIrrelevant;
      r.text = fmt::format("I'm not sure, that isn't part of the problem. It only mentions {}.",
                           fmt::join(labels, ", "));
      break;
    default:
      r.text = v == Voice::kPrecise
                   ? "I don't follow. You can ask me about a number in the problem, or give me your answer."
               : v == Voice::kCasual
                   ? "Sorry, I don't follow. You can ask me about the numbers in the problem, or tell me your answer."
                   : "Hmm, I'm lost. Do you need one of the numbers, or is that your answer?";
      break;
  }
  return r;
}

std::string Game::goal() const {
  std::vector<std::string> parts;
  for (size_t i = 0; i < p_->vars.size(); ++i) {
    parts.push_back(fmt::format("{}={}", p_->vars[i].name, format_number(truth_[i])));
  }
  return fmt::format("{}: {} -> {} (persona {})", p_->id, fmt::join(parts, ", "),
                     format_number(answer_), persona_->name);
}

}  // namespace collab::tasks::math_qa
