// The simulated user: answers what is asked (and only that), accepts or corrects assumptions,
// reacts to drafts with feedback on the worst mismatch, and stops when satisfied or out of
// patience.
#include <fmt/format.h>

#include "env/bleu.h"
#include "tasks/doc_edit/task.h"

namespace collab::tasks::doc_edit {

std::string Game::say_value(size_t dim, int v) const {
  switch (dim) {
    case kTone:
      return std::array<const char*, 3>{"Formal, please: it should sound professional.",
                                        "Casual. Keep it relaxed and friendly.",
                                        "Enthusiastic! I want it to sound excited."}[v];
    case kLength:
      return std::array<const char*, 3>{"Short: just the essentials.",
                                        "Medium length; trim the extras.",
                                        "Long is fine, keep all the details."}[v];
    case kAudience:
      return v == 0 ? "Beginners, so explain things plainly." : "Experts; they know the jargon.";
    case kStructure:
      return v == 0 ? "Plain paragraphs, please." : "A bulleted list, please.";
    case kPoints:
      return v == 0 ? "Nothing in particular has to be in there."
                    : fmt::format("It must mention the part about {}.", doc_->value_name(dim, v));
    default:
      return std::array<const char*, 3>{"A plain, descriptive title.", "Something catchy.",
                                        "No title at all."}[v];
  }
}

namespace {

// How a v1 user names an aspect when saying what was understood.
const char* aspect(size_t dim) {
  return std::array<const char*, kDims>{"the tone", "the length", "who reads it", "the format",
                                        "what it must mention", "the title"}[dim];
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

}  // namespace

UserReply Game::answer(size_t dim) {
  UserReply r;
  ++questions_;
  const bool repeated = known_[dim] == Known::kKnown;
  r.event = repeated                ? Event::kRedundant
            : doc_->change[dim] > 0 ? Event::kInformative
                                    : Event::kIrrelevant;
  known_[dim] = Known::kKnown;
  value_[dim] = goal_[dim];
  const std::string say = say_value(dim, goal_[dim]);
  if (task_->version() == 0) {
    r.text = say;
  } else if (repeated) {  // v1: what was understood, in the user's voice
    r.text = voice_ == Voice::kBrisk      ? fmt::format("Already said: {}", say)
             : voice_ == Voice::kFriendly ? fmt::format("As I said about {}: {}", aspect(dim), say)
                                          : fmt::format("Didn't I say? About {}: {}", aspect(dim), say);
  } else {
    r.text = voice_ == Voice::kBrisk      ? fmt::format("{}? {}", capitalized(aspect(dim)), say)
             : voice_ == Voice::kFriendly ? fmt::format("About {}: {}", aspect(dim), say)
                                          : fmt::format("Oh, {}? Good question. {}", aspect(dim), say);
  }
  return r;
}

// v1: a message the reader could not act on gets a reply that says why, in the user's voice.
UserReply Game::not_acted_on(std::string_view text) const {
  UserReply r;
  const Understanding u = understand(*doc_, text);
  if (u.kind == Understanding::Kind::kSeveral && u.dims.size() >= 2) {
    const std::string which = fmt::format("{} or {}", aspect(u.dims[0]), aspect(u.dims[1]));
    r.text = voice_ == Voice::kBrisk
                 ? fmt::format("One thing at a time: {}?", which)
             : voice_ == Voice::kFriendly
                 ? fmt::format("One at a time, please: which do you want first, {}?", which)
                 : fmt::format("Oh, that's a lot at once! Ask me one: {}?", which);
    return r;
  }
  r.text = voice_ == Voice::kBrisk
               ? "Not sure what you mean. Ask about the tone, length, readers, format, what it must "
                 "mention or the title, or show me a draft."
           : voice_ == Voice::kFriendly
               ? "Sorry, I'm not sure what you're asking. You can ask me about the tone, the length, "
                 "who reads it, the format, what it must mention or the title, or show me a draft."
               : "Hmm, I'm lost. Are you asking me about how I want it (the tone, the length, the "
                 "readers, the format, what's in it, the title), or showing me a draft?";
  return r;
}

UserReply Game::assume(size_t dim, const Content& content, Rng& rng) {
  UserReply r;
  ++assumptions_;
  int v = value_[dim];
  bool named = false;
  for (int k = 0; k < doc_->values(dim); ++k) {
    if (doc_->value_name(dim, k) == content.body) v = k, named = true;
  }
  if (task_->version() >= 1 && !named) {
    // v1: a value that is none of the dimension's (the words said): the user says what they want.
    if (known_[dim] == Known::kKnown) r.event = Event::kIgnored;
    r.text = fmt::format("Not quite. {}", say_value(dim, goal_[dim]));
    known_[dim] = Known::kKnown;
    value_[dim] = goal_[dim];
    return r;
  }
  if (known_[dim] == Known::kKnown && v != value_[dim]) r.event = Event::kIgnored;
  if (v == goal_[dim] && task_->version() >= 1) {
    const std::string said = doc_->value_name(dim, v);
    r.text = voice_ == Voice::kBrisk      ? fmt::format("Yes, {} is right.", said)
             : voice_ == Voice::kFriendly ? fmt::format("Yes, {} works for {}.", said, aspect(dim))
                                          : fmt::format("Oh yes, {}! That's what I had in mind.", said);
    if (known_[dim] != Known::kKnown) known_[dim] = Known::kAssumed;
    value_[dim] = v;
  } else if (v == goal_[dim]) {
    r.text = "Sure, that works.";
    if (known_[dim] != Known::kKnown) known_[dim] = Known::kAssumed;
    value_[dim] = v;
  } else if (known_[dim] == Known::kKnown || rng.bernoulli(task_->setup().assume_correction)) {
    r.text = task_->version() == 0
                 ? fmt::format("Actually, no. {}", say_value(dim, goal_[dim]))
             : doc_->value_name(dim, v) == "none"
                 ? fmt::format("Actually, I do want one. {}", say_value(dim, goal_[dim]))
                 : fmt::format("Actually, not {}. {}", doc_->value_name(dim, v), say_value(dim, goal_[dim]));
    known_[dim] = Known::kKnown;
    value_[dim] = goal_[dim];
  } else {
    r.text = "OK.";  // the user lets a wrong assumption pass
    known_[dim] = Known::kAssumed;
    value_[dim] = v;
  }
  return r;
}

// Feedback on the dimension whose change would bring the draft closest to the target.
UserReply Game::react(const std::string& draft) {
  UserReply r;
  ++drafts_;
  draft_ = draft;
  const std::string target = render_doc(*doc_, goal_);
  bleu_ = text::bleu4(draft, target);
  if (bleu_ >= DocEdit::kSuccessBleu) {
    satisfied_ = true;
    r.ended = true;
    r.text = "That's exactly what I wanted. Thank you!";
    return r;
  }
  const auto draft_tokens = text::bleu_tokens(draft);
  double best_gain = 1e-9;
  std::optional<std::pair<size_t, int>> worst;
  for (size_t d = 0; d < kDims; ++d) {
    for (int v = 0; v < doc_->values(d); ++v) {
      if (v == goal_[d]) continue;
      Choice c = goal_;
      c[d] = v;
      const double gain =
          text::bleu4(draft_tokens, text::bleu_tokens(render_doc(*doc_, c))) - bleu_;
      if (gain > best_gain) best_gain = gain, worst = {d, v};
    }
  }
  if (!worst) {
    r.text = "Hmm, that's not it. Could you stay closer to my original text?";
    return r;
  }
  const auto [d, v] = *worst;
  const int want = goal_[d];
  const std::string want_name = doc_->value_name(d, want), got = doc_->value_name(d, v);
  switch (d) {
    case kTone:
      r.text = fmt::format("It's too {}; I want it {}.", got, want_name);
      break;
    case kLength:
      r.text = fmt::format("It's too {}; I want it {}.", v > want ? "long" : "short", want_name);
      break;
    case kAudience:
      r.text =
          want == 0 ? "Too technical: it's for beginners." : "Too basic: the readers are experts.";
      break;
    case kStructure:
      r.text =
          want == 1 ? "This should be a bulleted list." : "Please use paragraphs, not bullets.";
      break;
    case kPoints:
      r.text = want == 0 ? fmt::format("Please leave out the part about {}.", got)
               : v == 0  ? fmt::format("You dropped the part about {}.", want_name)
                         : fmt::format("I wanted the part about {}, not {}.", want_name, got);
      break;
    default:
      r.text = want == 2   ? "No title, please."
               : want == 1 ? "It needs a catchier title."
                           : "Give it a plain, descriptive title.";
  }
  known_[d] = Known::kKnown;  // the feedback states the preference
  value_[d] = want;
  return r;
}

UserReply Game::respond(const AgentTurn& turn, Rng& rng) {
  UserReply r;
  ++turns_;
  if (!turn.act && task_->version() >= 1) {
    r = not_acted_on(turn.text);
  } else if (!turn.act) {
    r.text = "Sorry, I'm not sure what you mean. You can ask me how I want it, or show me a draft.";
  } else if (*turn.act < DocEdit::assume_act(0)) {
    r = answer(static_cast<size_t>(*turn.act));
  } else if (*turn.act < DocEdit::kDraft) {
    r = assume(static_cast<size_t>(*turn.act) - kDims, turn.content, rng);
  } else if (*turn.act == DocEdit::kDraft) {
    r = react(turn.content.body.empty() ? eager_draft() : turn.content.body);
    if (r.ended) return r;
  } else {
    finished_ = true;
    r.ended = true;
    r.text = drafts_ == 0 ? "Oh. I thought you were going to edit it. Never mind."
                          : "OK, I'll go with the last version. Thanks.";
    return r;
  }
  if (turns_ >= patience_) {
    gave_up_ = true;
    r.ended = true;
    r.text += " I've run out of time; I'll finish it myself.";
  }
  return r;
}

}  // namespace collab::tasks::doc_edit
