// Agent-facing task instructions (docs/llm-agents.md): what an assistant is told before the user's
// opening — its role, how to ask, act and finish in words, the turn limit, how its messages are
// read. They are the same for every goal of a scenario and name none of them: a task's default
// text lives in the task's folder, and a scenario file may word its own ("instructions": a string,
// or an array of lines joined by newlines). spec()["instructions"] carries the rendered text.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "env/scenario.h"

namespace collab {

// The longest instructions text a scenario may give (bytes, before rendering).
inline constexpr size_t kMaxInstructionsBytes = 16 * 1024;

// The placeholders an instructions template may use; `{{` and `}}` write literal braces.
//   {max_turns}  the environment's turn limit (option max_turns, else the task's default)
// Returns the problems of `text` as a template ("" when it is a valid one).
std::string instructions_problem(std::string_view text);

// Reads the optional key "instructions" of a scenario's top-level object `j`: nullopt when absent;
// otherwise the text (a non-empty string, or a non-empty array of strings joined with '\n'), or a
// problem recorded in `pr` under /instructions (wrong type, empty, too long, an unknown
// placeholder, an unmatched brace) and nullopt.
std::optional<std::string> read_scenario_instructions(const nlohmann::json& j, Problems& pr);

// The text an agent reads: `tmpl` with its placeholders filled in. Throws collab::Error on a
// template instructions_problem() refuses (tasks check theirs when they load).
std::string render_instructions(std::string_view tmpl, int max_turns);

}  // namespace collab
