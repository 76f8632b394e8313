// A conversation as OpenAI-style chat messages, as the agent sees it (docs/llm-agents.md):
//   [{"role":"system","content":<spec instructions>}, {"role":"user","content":<opening>},
//    {"role":"assistant","content":<what the agent said>}, {"role":"user",…}, …]
// An in-process agent keeps one: begin() with the spec at the start of each episode, user() with
// each observation's text, assistant() with each text it sends. The Env itself keeps no history
// (its clones stay cheap for MR); the `llm:` agent and the Python client keep theirs like this.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace collab {

class ChatLog {
 public:
  // Starts a conversation: the system message holds spec["instructions"] (none when absent).
  void begin(const nlohmann::json& spec) {
    messages_ = nlohmann::json::array();
    if (spec.is_object() && spec.contains("instructions") && spec["instructions"].is_string() &&
        !spec["instructions"].get_ref<const std::string&>().empty()) {
      add("system", spec["instructions"].get<std::string>());
    }
  }
  // The chat of a conversation kept as texts (the user's opening, then agent and user
  // alternately; Env's dialogue, an MR future's), after `spec`'s system message.
  static ChatLog from_dialogue(const nlohmann::json& spec, const std::vector<std::string>& texts) {
    ChatLog chat;
    chat.begin(spec);
    for (size_t i = 0; i < texts.size(); ++i) {
      if (i % 2 == 0) {
        chat.user(texts[i]);
      } else {
        chat.assistant(texts[i]);
      }
    }
    return chat;
  }
  void user(std::string text) { add("user", std::move(text)); }
  void assistant(std::string text) { add("assistant", std::move(text)); }
  const nlohmann::json& messages() const { return messages_; }
  size_t size() const { return messages_.size(); }

 private:
  void add(const char* role, std::string text) {
    messages_.push_back({{"role", role}, {"content", std::move(text)}});
  }
  nlohmann::json messages_ = nlohmann::json::array();
};

}  // namespace collab
