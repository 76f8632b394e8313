#include "env/instructions.h"

#include <fmt/format.h>

#include "env/error.h"

namespace collab {

namespace {

constexpr std::string_view kPlaceholders[] = {"max_turns"};

// Walks `text`, calling out(literal) and slot(name) in order; returns a problem or "".
template <class Literal, class Slot>
std::string walk(std::string_view text, Literal&& out, Slot&& slot) {
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out(std::string_view(&text[i], 1));
      i += 2;
      continue;
    }
    if (c == '}') return fmt::format("unmatched '}}' at byte {} (write '}}}}' for a brace)", i);
    if (c == '{') {
      const size_t close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        return fmt::format("unmatched '{{' at byte {} (write '{{{{' for a brace)", i);
      }
      const std::string_view name = text.substr(i + 1, close - i - 1);
      bool known = false;
      for (auto p : kPlaceholders) known |= p == name;
      if (!known) {
        return fmt::format("unknown placeholder {{{}}} at byte {}; expected {{max_turns}} (or "
                           "'{{{{' and '}}}}' for braces)",
                           std::string(name), i);
      }
      slot(name);
      i = close + 1;
      continue;
    }
    const size_t next = text.find_first_of("{}", i);
    const size_t end = next == std::string_view::npos ? text.size() : next;
    out(text.substr(i, end - i));
    i = end;
  }
  return "";
}

}  // namespace

std::string instructions_problem(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return "empty; expected the text an agent is given";
  }
  if (text.size() > kMaxInstructionsBytes) {
    return fmt::format("{} bytes; expected at most {}", text.size(), kMaxInstructionsBytes);
  }
  return walk(text, [](std::string_view) {}, [](std::string_view) {});
}

std::optional<std::string> read_scenario_instructions(const nlohmann::json& j, Problems& pr) {
  if (!j.is_object() || !j.contains("instructions")) return std::nullopt;
  const nlohmann::json& v = j.at("instructions");
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_array() && !v.empty()) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) {
        pr.add(fmt::format("/instructions/{}", i),
               fmt::format("expected a string (a line of the instructions), got {}", v[i].dump()));
        return std::nullopt;
      }
      if (i > 0) text.push_back('\n');
      text.append(v[i].get<std::string>());
    }
  } else {
    pr.add("/instructions", fmt::format("expected a string or a non-empty array of strings (the "
                                        "lines), got {}",
                                        v.dump().substr(0, 80)));
    return std::nullopt;
  }
  if (const std::string p = instructions_problem(text); !p.empty()) {
    pr.add("/instructions", p);
    return std::nullopt;
  }
  return text;
}

std::string render_instructions(std::string_view tmpl, int max_turns) {
  std::string out;
  out.reserve(tmpl.size() + 8);
  const std::string problem = walk(
      tmpl, [&](std::string_view s) { out.append(s); },
      [&](std::string_view name) {
        if (name == "max_turns") out.append(std::to_string(max_turns));
      });
  if (!problem.empty()) throw Error("task instructions: " + problem);
  if (const std::string p = instructions_problem(tmpl); !p.empty()) {
    throw Error("task instructions: " + p);
  }
  return out;
}

}  // namespace collab
