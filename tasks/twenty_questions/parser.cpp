// The 20 Questions text channel: which act a free-text message means (a question about an
// attribute, or a guess of an object), and the canonical text of each act. Acts carry no content.
// v2 reads with the Reader (understand.h). v0 and v1 keep the legacy matcher below, unchanged, so
// that their traces replay: the longest phrase anywhere in the message, names after a cue word.
#include <fmt/format.h>

#include "tasks/twenty_questions/task.h"

namespace collab::tasks::twenty_questions {

namespace {

// Words that, right before an object name, make the sentence a guess ("is it a dog").
bool guess_cue(const std::vector<std::string_view>& w, size_t first_word) {
  size_t end = first_word;
  while (end > 0 && (w[end - 1] == "a" || w[end - 1] == "an" || w[end - 1] == "the" ||
                     w[end - 1] == "some" || w[end - 1] == "your")) {
    --end;
  }
  if (end == 0) return true;  // the text starts with the object: "dog?"
  const std::string_view last = w[end - 1];
  if (last == "guess" || last == "guessing" || last == "be" || last == "its" || last == "answer" ||
      last == "say" || last == "think") {
    return true;
  }
  if (end >= 2) {
    const std::string_view prev = w[end - 2];
    if ((prev == "is" && last == "it") || (prev == "it" && last == "is") ||
        (prev == "it" && last == "s") || (prev == "was" && last == "it") ||
        (prev == "thinking" && last == "of")) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<int32_t> TwentyQuestions::parse_text(std::string_view text) const {
  if (version_ >= 2) {
    const Reading r = reader_->read(text);
    switch (r.kind) {
      case Reading::Kind::kAsk:
        return ask_act(r.index);
      case Reading::Kind::kGuess:
        return guess_act(r.index);
      case Reading::Kind::kUnknownQuestion:
        return ask_other_act();
      case Reading::Kind::kNothing:
        break;
    }
    return std::nullopt;
  }
  const std::string norm = text::normalize(text);
  const auto w = text::words(norm);
  const auto object = object_names_.find(w);
  const auto attribute = attribute_phrases_.find(w);
  if (object && (!attribute || guess_cue(w, object->first_word))) {
    return guess_act(static_cast<size_t>(object->label));
  }
  if (attribute) return ask_act(static_cast<size_t>(attribute->label));
  return std::nullopt;
}

std::string TwentyQuestions::render_act(int32_t act) const {
  COLLAB_CHECK(act >= 0 && act < static_cast<int32_t>(acts_.size()));
  if (is_ask(act)) return catalog_.attributes[static_cast<size_t>(act)].question;
  if (is_ask_other(act)) return kAskOtherText;
  const std::string& name =
      catalog_.objects[static_cast<size_t>(act) - catalog_.attributes.size()].name;
  return fmt::format("Is it {}?", with_article(name));
}

Parsed Game::parse(std::string_view text) const { return {task_->parse_text(text), {}}; }

std::string Game::render(int32_t act, const Content&) const { return task_->render_act(act); }

}  // namespace collab::tasks::twenty_questions
