// The simulated user of 20 Questions: opening, answers (with the persona's noise), guesses,
// patience; and the features and mask the agent sees. Spec: README.md "User".
#include <fmt/format.h>

#include <bit>

#include "tasks/twenty_questions/task.h"

namespace collab::tasks::twenty_questions {

namespace {

std::string answer_text(Answer a) {
  switch (a) {
    case Answer::kYes:
      return "Yes.";
    case Answer::kNo:
      return "No.";
    case Answer::kUnsure:
      return "Hmm, not sure. Sometimes.";
    case Answer::kUnasked:
      break;
  }
  return "";
}

// v2: the persona's words for yes / no (README "Simulated user").
struct Voice {
  const char* yes;
  const char* no;
  const char* unsure;
  const char* unknown;
};

Voice voice(const std::string& persona) {
  if (persona == "casual") {
    return {"Yep", "Nope", "Hmm, it depends", "Hmm, no idea, I can't really say"};
  }
  if (persona == "chatty") {
    return {"Yes, good question", "No, not at all", "Ooh, tricky: it depends",
            "Ooh, I'm not sure about that one, I can't really say"};
  }
  if (persona == "careless") return {"yeah", "nah", "eh, depends", "dunno, can't really say"};
  return {"Yes", "No", "Hmm, not sure, it depends", "Hmm, I'm not sure, I can't really say"};
}

}  // namespace

std::string Game::answer_reply(size_t attribute, Answer a) const {
  if (task_->version() < 2) return answer_text(a);
  const Voice v = voice(persona_->name);
  const std::string& q = task_->catalog().attributes[attribute].question;
  switch (a) {
    case Answer::kYes:
      return fmt::format("{} \u2014 {}.", v.yes, statement(q, true));
    case Answer::kNo:
      return fmt::format("{} \u2014 {}.", v.no, statement(q, false));
    case Answer::kUnsure:
      return fmt::format("{}: sometimes {}, sometimes not.", v.unsure, statement(q, true));
    case Answer::kUnasked:
      break;
  }
  return "";
}

std::string with_article(const std::string& noun) {
  const bool vowel =
      !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
  return fmt::format("{} {}", vowel ? "an" : "a", noun);
}

Game::Game(const TwentyQuestions* task, size_t target, const Persona* persona, double noise,
           int opening_variant)
    : task_(task),
      target_(target),
      persona_(persona),
      noise_(noise),
      opening_variant_(opening_variant),
      answers_(task->catalog().attributes.size(), Answer::kUnasked),
      guessed_(task->catalog().objects.size(), 0),
      consistent_(task->catalog().words(), ~uint64_t{0}),
      candidates_(static_cast<int>(task->catalog().objects.size())) {
  const size_t tail = task->catalog().objects.size() % 64;
  if (tail != 0) consistent_.back() = (uint64_t{1} << tail) - 1;
}

std::string Game::opening() const {
  const auto& cat = task_->catalog();
  const std::string questions = std::to_string(cat.patience);
  if (persona_->hints_category) {
    return fill_template(cat.category_opening,
                         {{"category", cat.objects[target_].category}, {"questions", questions}});
  }
  // new_episode draws the variant in [0, openings.size()); the modulo only guards the range.
  const size_t n = cat.openings.size();
  return fill_template(cat.openings[static_cast<size_t>(opening_variant_) % n],
                       {{"questions", questions}});
}

UserReply Game::respond(const AgentTurn& turn, Rng& rng) {
  const auto& cat = task_->catalog();
  UserReply r;
  ++questions_;
  if (!turn.act) {
    r.text = "Sorry, I don't follow. Ask me a yes-or-no question about it, or guess what it is.";
  } else if (task_->is_ask(*turn.act)) {
    r = ask(static_cast<size_t>(*turn.act), rng);
  } else if (task_->is_ask_other(*turn.act)) {
    // Understood, but about nothing the catalog records: an honest "I can't say", no information.
    r.event = Event::kIrrelevant;
    r.text = fmt::format("{} \u2014 ask me something else about it, or guess.",
                         voice(persona_->name).unknown);
  } else {
    r = guess(static_cast<size_t>(*turn.act) - cat.attributes.size());
  }
  if (r.ended) return r;
  if (wrong_ >= cat.max_wrong_guesses) {
    gave_up_ = true;
    r.ended = true;
    r.text += fmt::format(" That's {} wrong guesses, I give up on you. It was {}.", wrong_,
                          with_article(cat.objects[target_].name));
  } else if (questions_ >= cat.patience) {
    r.ended = true;
    r.text += fmt::format(" That was question {}, you're out of questions! It was {}.", questions_,
                          with_article(cat.objects[target_].name));
  }
  return r;
}

UserReply Game::ask(size_t a, Rng& rng) {
  const auto& cat = task_->catalog();
  UserReply r;
  if (answers_[a] != Answer::kUnasked) {
    r.event = Event::kRedundant;
    r.text = fmt::format("You asked that already: {}", answer_reply(a, answers_[a]));
    return r;
  }
  // Informative if the objects still consistent with what was said disagree on this attribute.
  int values_seen = 0;
  for (Value v : {Value::kNo, Value::kYes, Value::kSometimes}) {
    const uint64_t* vb = cat.value_bits(a, v);
    uint64_t any = 0;
    for (size_t w = 0; w < consistent_.size(); ++w) any |= consistent_[w] & vb[w];
    values_seen += any != 0;
  }
  r.event = values_seen > 1 ? Event::kInformative : Event::kRedundant;

  const Value truth = cat.value(target_, a);
  Answer said = truth == Value::kSometimes ? Answer::kUnsure
                : truth == Value::kYes     ? Answer::kYes
                                           : Answer::kNo;
  if (said != Answer::kUnsure && noise_ > 0 && rng.bernoulli(noise_)) {
    said = said == Answer::kYes ? Answer::kNo : Answer::kYes;  // persona mistake
  }
  answers_[a] = said;
  const Value said_value = said == Answer::kYes  ? Value::kYes
                           : said == Answer::kNo ? Value::kNo
                                                 : Value::kSometimes;
  const uint64_t* keep = cat.value_bits(a, said_value);
  candidates_ = 0;
  for (size_t w = 0; w < consistent_.size(); ++w) {
    consistent_[w] &= keep[w];
    candidates_ += std::popcount(consistent_[w]);
  }
  r.text = answer_reply(a, said);
  return r;
}

UserReply Game::guess(size_t o) {
  const auto& cat = task_->catalog();
  UserReply r;
  if (o == target_) {
    solved_ = true;
    r.ended = true;
    r.text = fmt::format("Yes! It's {}. You got it in {} question{}.",
                         with_article(cat.objects[o].name), questions_, questions_ == 1 ? "" : "s");
    return r;
  }
  // Guessing something the answers already ruled out ignores what the user said.
  const uint64_t bit = uint64_t{1} << (o % 64);
  const bool consistent = (consistent_[o / 64] & bit) != 0;
  if (!consistent || guessed_[o]) r.event = Event::kIgnored;
  if (!guessed_[o]) {
    guessed_[o] = 1;
    ++wrong_;
    if (consistent) {
      consistent_[o / 64] &= ~bit;
      --candidates_;
    }
  }
  r.text = fmt::format("No, it's not {}.", with_article(cat.objects[o].name));
  return r;
}

std::string Game::goal() const { return task_->catalog().objects[target_].name; }

}  // namespace collab::tasks::twenty_questions
